package index

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	bindex "github.com/blevesearch/bleve_index_api"

	"filmsearch/internal/testctx"
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
	s, r := testReader(t)
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

// bleveNear is what corrections were read from before typoDict: Bleve's fuzzy dictionary walk
// of each field, the terms within dist edits of word, each with the fields that have it.
func bleveNear(t *testing.T, r bindex.IndexReader, word string, dist int) map[string]uint8 {
	t.Helper()
	out := map[string]uint8{}
	for _, f := range typoDictFields {
		fd, err := r.(bindex.IndexReaderFuzzy).FieldDictFuzzy(f.name, word, dist, "")
		if err != nil {
			t.Fatal(err)
		}
		for {
			e, err := fd.Next()
			if err != nil {
				t.Fatal(err)
			}
			if e == nil {
				break
			}
			out[e.Term] |= f.bit
		}
		fd.Close()
	}
	return out
}

// TestTypoWalkMatchesBleve: the correction dictionary finds, for words near and far from the
// collection's, exactly the terms Bleve's Levenshtein automaton finds, in the same fields.
func TestTypoWalkMatchesBleve(t *testing.T) {
	s, r := testReader(t)
	rng := rand.New(rand.NewPCG(7, 13))
	var dictWords []string
	if _, err := s.typos.walk(context.Background(), []rune("revolution"), 10, func(t []rune, _ uint8) {
		dictWords = append(dictWords, string(t))
	}); err != nil || len(dictWords) < 100 {
		t.Fatalf("walk(revolution, 10) = %d terms, %v; want most of the collection's", len(dictWords), err)
	}
	edit := func(w []rune) []rune {
		i := rng.IntN(len(w))
		switch rng.IntN(4) {
		case 0:
			return append(w[:i:i], w[i+1:]...)
		case 1:
			return slices.Insert(slices.Clone(w), i, rune('a'+rng.IntN(26)))
		case 2:
			w = slices.Clone(w)
			w[i] = rune('a' + rng.IntN(26))
		default:
			if i+1 < len(w) {
				w = slices.Clone(w)
				w[i], w[i+1] = w[i+1], w[i]
			}
		}
		return w
	}
	words := []string{"nutcraker", "balet", "revolutoin", "gisele", "ñandú", "straße", "qzxjvkwpfybmghd", "abcd", "aaaaaaaaaaaaaaa"}
	for range 300 {
		w := []rune(dictWords[rng.IntN(len(dictWords))])
		for range 1 + rng.IntN(3) {
			if len(w) > 1 {
				w = edit(w)
			}
		}
		words = append(words, string(w))
	}
	for _, w := range words {
		for dist := 1; dist <= 2; dist++ {
			want := bleveNear(t, r, w, dist)
			got := map[string]uint8{}
			if _, err := s.typos.walk(context.Background(), []rune(w), dist, func(t []rune, mask uint8) { got[string(t)] = mask }); err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, want) {
				t.Errorf("walk(%q, %d) = %v; Bleve's automaton finds %v", w, dist, got, want)
			}
		}
	}
}

// TestTypoWalkStopsAtDeadline: a correction walk over a large dictionary reads at most
// typoCheckEvery nodes once its deadline has passed. Bleve's walk could not be stopped: 16
// queries of 64 unknown words each answered their 503 0.53 to 0.90 s into a 500 ms deadline.
func TestTypoWalkStopsAtDeadline(t *testing.T) {
	// All within two edits of "aaaaaaaaaaaaaaa", so a walk reads them all.
	d := newTypoDict(twoOffAs())
	word := []rune(strings.Repeat("a", 15))
	all, err := d.walk(context.Background(), word, 2, func([]rune, uint8) {})
	if err != nil || all < 20*typoCheckEvery {
		t.Fatalf("walk(aaaaaaaaaaaaaaa) read %d nodes, %v; want many, to stop in their midst", all, err)
	}
	for _, looks := range []int{0, 1, 2, 5, 10} {
		ctx := testctx.NewPassesAfter(looks)
		read, err := d.walk(ctx, word, 2, func([]rune, uint8) {})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("walk with a deadline passing after %d looks = %v; want context.DeadlineExceeded", looks, err)
		}
		if after := read - looks*typoCheckEvery; after > 1 {
			t.Errorf("walk read %d nodes after its deadline passed; want at most 1 (it looks every %d)", after, typoCheckEvery)
		}
	}
}

// TestTypoBudget: a query of many unknown words looks for corrections until it has read
// maxTypoNodes dictionary nodes, not for every word: 64 walks were most of the cost of the
// costliest query.
func TestTypoBudget(t *testing.T) {
	s, r := testReader(t)
	// Query words of a's with five other letters: at least three typos from any word of the
	// dictionary, and each walk reads thousands of nodes.
	dict := newTypoDict(twoOffAs())
	var words []string
	walked, most := 0, 0
	for i := range MaxQueryTerms {
		w := []rune(strings.Repeat("a", 15))
		for j := range 5 {
			w[j] = 'v' + rune(i>>(2*j)&3) // 64 distinct beginnings of five letters from v to y
		}
		cands, read, err := dict.nearWords(context.Background(), string(w), 2, false)
		if err != nil || len(cands) > 0 {
			t.Fatalf("nearWords(%q) = %v, %v; want no candidates", string(w), cands, err)
		}
		words = append(words, string(w))
		walked += read
		most = max(most, read)
	}
	if walked <= maxTypoNodes+most {
		t.Fatalf("the query's walks read %d nodes in all; want more than the budget, %d, and one walk, %d", walked, maxTypoNodes, most)
	}
	p, err := parseQuery(strings.Join(words, " "))
	if err != nil {
		t.Fatal(err)
	}
	budgeted := &snapshot{idx: s.idx, manifest: s.manifest, syn: s.syn, cols: s.cols, typos: dict}
	c, err := budgeted.compile(context.Background(), r, p)
	if err != nil {
		t.Fatal(err)
	}
	if c.typoNodes < maxTypoNodes || c.typoNodes > maxTypoNodes+most {
		t.Errorf("compile(64 unknown words) read %d dictionary nodes; want %d to %d", c.typoNodes, maxTypoNodes, maxTypoNodes+most)
	}
	if len(c.words) != MaxQueryTerms {
		t.Errorf("compile(64 unknown words) = %d words; want every one searched", len(c.words))
	}
}

// testReader is a reader of the test collection's snapshot, both released after the test.
func testReader(t *testing.T) (*snapshot, bindex.IndexReader) {
	t.Helper()
	s := testCollection(t).acquire()
	t.Cleanup(s.release)
	r, err := s.reader()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return s, r
}

// twoOffAs is a dictionary of every word of fifteen letters with two of "aaaaaaaaaaaaaaa"
// replaced: 65,625 words, in the description field.
func twoOffAs() map[string]uint8 {
	masks := map[string]uint8{}
	for i := range 15 {
		for j := i + 1; j < 15; j++ {
			for x := 'b'; x <= 'z'; x++ {
				for y := 'b'; y <= 'z'; y++ {
					w := []rune(strings.Repeat("a", 15))
					w[i], w[j] = x, y
					masks[string(w)] = typoText
				}
			}
		}
	}
	return masks
}
