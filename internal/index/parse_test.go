package index

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseQuery(t *testing.T) {
	type want struct {
		words, phrases, excluded []string
		prefixLast               bool
	}
	for _, c := range []struct {
		q    string
		want want
	}{
		{"", want{}},
		{"   \t\n ", want{}},
		{"ballet", want{words: []string{"ballet"}, prefixLast: true}},
		{"ballet ", want{words: []string{"ballet"}}},
		{"swan lake", want{words: []string{"swan", "lake"}, prefixLast: true}},
		{`"swan lake"`, want{phrases: []string{"swan lake"}}},
		{`"swan lake" kirov`, want{words: []string{"kirov"}, phrases: []string{"swan lake"}, prefixLast: true}},
		{`kirov "swan lake"`, want{words: []string{"kirov"}, phrases: []string{"swan lake"}}},
		{`"ballet"`, want{words: []string{"ballet"}}}, // a one-word phrase is a word, never a prefix
		{"love -giselle", want{words: []string{"love"}, excluded: []string{"giselle"}}},
		{`love -"swan lake"`, want{words: []string{"love"}, excluded: []string{"swan lake"}}},
		{"-giselle", want{excluded: []string{"giselle"}}},
		{"love - war", want{words: []string{"love", "war"}, prefixLast: true}}, // a lone dash is not an operator
		{"well-known", want{words: []string{"well-known"}, prefixLast: true}},
		{`"swan lake`, want{phrases: []string{"swan lake"}}}, // an unclosed quote runs to the end
		{`"`, want{}},
		{`-"`, want{}},
		{`""`, want{}},
		{"the of and", want{words: []string{"the", "of", "and"}, prefixLast: true}}, // stop words are the analyzer's business
		{`+-~^*:()[]{}|&!"\`, want{}},
		{"*** ??? ((( )))", want{}},
		{"title:ballet^2", want{words: []string{"title:ballet^2"}, prefixLast: true}},
		{"/.*.*/", want{}},
		{"*ballet", want{words: []string{"*ballet"}, prefixLast: true}},
		{"Балет Большой", want{words: []string{"Балет", "Большой"}, prefixLast: true}},
	} {
		p, err := parseQuery(c.q)
		if err != nil {
			t.Errorf("parseQuery(%q) failed: %v", c.q, err)
			continue
		}
		got := want(p)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseQuery(%q) = %+v; want %+v", c.q, got, c.want)
		}
	}
}

func TestParseQueryLimits(t *testing.T) {
	terms := func(n int, sep string) string { return strings.TrimSuffix(strings.Repeat("w"+sep, n), sep) }
	for _, c := range []struct {
		name string
		q    string
		bad  bool
	}{
		{"the most bytes", strings.Repeat("x", MaxQueryBytes), false},
		{"a byte too many", strings.Repeat("x", MaxQueryBytes+1), true},
		{"the most terms", terms(MaxQueryTerms, " "), false},
		{"a term too many", terms(MaxQueryTerms+1, " "), true},
		{"a term too many in a phrase", `"` + terms(MaxQueryTerms+1, " ") + `"`, true},
		{"a term too many excluded", "-" + terms(MaxQueryTerms+1, "-"), true},
		{"a term too many joined by commas", terms(MaxQueryTerms+1, ","), true},
		{"a term too many joined by hyphens", terms(MaxQueryTerms+1, "-"), true},
		{"one word of many parts joined by dots", terms(MaxQueryTerms+1, "."), false}, // one token to the analyzers
		{"punctuation does not count", strings.Repeat("( ", 200) + terms(MaxQueryTerms, " "), false},
		// Stop words are searched in titles alone, cheaply: a written request has many.
		{"stop words do not count", strings.Repeat("the ", MaxQueryTerms) + terms(MaxQueryTerms, " "), false},
		{"invalid UTF-8", "ballet\xff", true},
	} {
		_, err := parseQuery(c.q)
		if c.bad && !errors.Is(err, ErrBadQuery) {
			t.Errorf("%s: parseQuery = %v; want ErrBadQuery", c.name, err)
		}
		if !c.bad && err != nil {
			t.Errorf("%s: parseQuery = %v; want no error", c.name, err)
		}
	}
}

// FuzzParseQuery checks the grammar on any input: no panic; the only error is ErrBadQuery, and
// always for input over the size limits; every word, phrase and exclusion is valid, trimmed,
// non-empty text, within the term limit (which stop words do not count toward).
func FuzzParseQuery(f *testing.F) {
	for _, s := range hostileQueries() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		p, err := parseQuery(q)
		if err != nil {
			if !errors.Is(err, ErrBadQuery) {
				t.Fatalf("parseQuery(%q) = %v; want only ErrBadQuery", q, err)
			}
			return
		}
		if len(q) > MaxQueryBytes || !utf8.ValidString(q) {
			t.Fatalf("parseQuery(%q) accepted %d bytes (valid UTF-8: %v)", q, len(q), utf8.ValidString(q))
		}
		n := 0
		for _, list := range [][]string{p.words, p.phrases, p.excluded} {
			for _, s := range list {
				if s == "" || s != strings.TrimSpace(s) || !hasWordChar(s) || !strings.Contains(q, s) {
					t.Fatalf("parseQuery(%q) yields %q", q, s)
				}
				for _, tok := range wordTokenizer.Tokenize([]byte(s)) {
					if !stopSet[strings.ToLower(string(tok.Term))] {
						n++
					}
				}
			}
		}
		if n > MaxQueryTerms {
			t.Fatalf("parseQuery(%q) yields %d terms; at most %d", q, n, MaxQueryTerms)
		}
		for _, ph := range p.phrases {
			if len(strings.Fields(ph)) < 2 {
				t.Fatalf("parseQuery(%q) yields the one-word phrase %q", q, ph)
			}
		}
		if p.prefixLast && len(p.words) == 0 {
			t.Fatalf("parseQuery(%q): prefixLast without words", q)
		}
	})
}

// FuzzSearch runs any query of up to MaxQueryBytes through the real index: no panic, no error
// but ErrBadQuery, for search and suggest alike, and well-formed highlights of wanted words.
func FuzzSearch(f *testing.F) {
	ix := testCollection(f)
	for _, s := range hostileQueries() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if len(q) > MaxQueryBytes {
			q = q[:MaxQueryBytes]
		}
		ctx := context.Background()
		res, err := ix.Search(ctx, Request{Query: q})
		if err != nil && !errors.Is(err, ErrBadQuery) {
			t.Fatalf("Search(%q) = %v; want success or ErrBadQuery", q, err)
		}
		if err == nil {
			for _, h := range res.Hits {
				checkHighlights(t, q, h, res.Words)
			}
		}
		if _, err := ix.Suggest(ctx, q, MaxSuggestions); err != nil && !errors.Is(err, ErrBadQuery) {
			t.Fatalf("Suggest(%q) = %v; want success or ErrBadQuery", q, err)
		}
	})
}

// hostileQueries seed the fuzzers: real queries and the known-bad ones of the hostile test.
func hostileQueries() []string {
	return []string{
		"", "revolution", "nutcraker", "tragic love", "nutcr", `"tragic love"`, "love -giselle",
		`love -"swan lake"`, "1975", "swan lake ", "Балет", "the of and a",
		strings.Repeat("a", MaxQueryBytes), strings.Repeat("a ", MaxQueryTerms+1), strings.Repeat("a,", 100),
		strings.Repeat("(", MaxQueryBytes), strings.Repeat("balletdancer", 42),
		`+-~^*:()[]{}|&!"\`, `+ballet -"swan lake" title:love^100 AND (war OR peace)`,
		"/.*.*.*/", "a*b*c*d*", "*", "*ballet", "ballet~25", "ballet^99999999999",
		`"swan lake`, `- -- --- "" "-" -""`, "ballet\x00", "ballet\xff", "\xc0\xaf", "-\"", "-\xc2\xa0x",
		"\u00a0ballet\u2028lake\u3000", "e\u0301tude", "ballet\x01\x1b[31m\r\n",
	}
}

// TestQueryErrorTyped: a refused query says which parameter and why as values, so the APIs
// never read error text.
func TestQueryErrorTyped(t *testing.T) {
	_, err := parseQuery(strings.Repeat("w ", MaxQueryTerms+1))
	var qe *QueryError
	if !errors.As(err, &qe) || qe.Param != "q" || !strings.Contains(qe.Reason, "terms") || !errors.Is(err, ErrBadQuery) {
		t.Errorf("parseQuery(too many terms) = %#v; want a QueryError for q that is ErrBadQuery", err)
	}
	req := Request{Sort: "sideways"}
	if err := req.normalize(); !errors.As(err, &qe) || qe.Param != "sort" {
		t.Errorf("normalize(sort sideways) = %v; want a QueryError for sort", err)
	}
}
