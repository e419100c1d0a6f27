package index

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// TestAttackCaseMappingCorrections types, before a misspelt word, every rune whose lower-case
// form has another length in UTF-8 (Ⱥ, Ⱦ, İ, the Kelvin sign...). corrected_query was cut at
// offsets of a lower-cased copy: `-Ⱥ revolutoin` answered 500, and 23 such runes garbled the
// text into invalid UTF-8.
func TestAttackCaseMappingCorrections(t *testing.T) {
	ix := testCollection(t)
	var runes []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if utf8.ValidRune(r) && len(strings.ToLower(string(r))) != utf8.RuneLen(r) {
			runes = append(runes, r)
		}
	}
	if len(runes) < 20 {
		t.Fatalf("found %d runes that change length when lower-cased; want the known ones", len(runes))
	}
	for _, r := range runes {
		for _, q := range []string{"-" + string(r) + " revolutoin", string(r) + " revolutoin", "revolutoin " + string(r) + string(r)} {
			res, err := ix.Search(context.Background(), Request{Query: q})
			if err != nil {
				t.Fatalf("Search(%q) = %v", q, err)
			}
			if !utf8.ValidString(res.CorrectedQuery) {
				t.Fatalf("Search(%q): corrected_query %q is not valid UTF-8", q, res.CorrectedQuery)
			}
			// Excluding Ⱥ excludes every film with an "a" (it folds to a): no hits to read a
			// correction from, which is fine; otherwise the correction must be exact.
			want := strings.Replace(q, "revolutoin", "revolution", 1)
			if res.CorrectedQuery != want && !(res.Total == 0 && res.CorrectedQuery == "") {
				t.Fatalf("Search(%q): corrected_query %q; want %q", q, res.CorrectedQuery, want)
			}
		}
	}
}

func TestReplaceWord(t *testing.T) {
	for _, c := range []struct{ s, typed, repl, want string }{
		{"Nutcraker ballet", "nutcraker", "nutcracker", "nutcracker ballet"},
		{"the Gisèle story", "gisele", "giselle", "the giselle story"},
		{"İİ nutcraker", "nutcraker", "nutcracker", "İİ nutcracker"},
		{"no such word", "nutcraker", "nutcracker", "no such word"},
	} {
		if got := replaceWord(c.s, c.typed, c.repl); got != c.want {
			t.Errorf("replaceWord(%q, %q, %q) = %q; want %q", c.s, c.typed, c.repl, got, c.want)
		}
	}
}

// TestAttackRepeatedPhrases: `"film american"` typed 32 times ran one phrase search per copy and
// per candidate film, seconds past the deadline. A phrase is searched once however often typed.
func TestAttackRepeatedPhrases(t *testing.T) {
	ix := testCollection(t)
	s := ix.acquire()
	defer s.release()
	r, err := s.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p, err := parseQuery(strings.Repeat(`"swan lake" `, MaxQueryTerms/2-1) + `"Swan  LAKE"`)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.compile(context.Background(), r, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.phrases) != 1 || len(c.words) != 2 {
		t.Errorf("compile(many copies of one phrase) = %d phrases, %d words; want 1 and 2", len(c.phrases), len(c.words))
	}
}

// TestSearchStopsAtDeadline: a search whose deadline has passed stops instead of scanning.
func TestSearchStopsAtDeadline(t *testing.T) {
	ix := testCollection(t)
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	for _, q := range []string{"love", `"tragic love" ballet`, ""} {
		if _, err := ix.Search(ctx, Request{Query: q}); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Search(%q) past its deadline = %v; want context.DeadlineExceeded", q, err)
		}
	}
}
