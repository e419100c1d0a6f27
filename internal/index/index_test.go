package index

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"filmsearch/internal/corpus"
)

var (
	collectionOnce sync.Once
	collectionDir  string
	collectionErr  error
)

// testCollection publishes corpus/ once per test binary and returns its root.
func testCollection(t testing.TB) *Index {
	t.Helper()
	collectionOnce.Do(func() {
		dir, err := mkdirTemp()
		if err != nil {
			collectionErr = err
			return
		}
		collectionDir = dir
		_, collectionErr = publishDir(context.Background(), "../../corpus", dir)
	})
	if collectionErr != nil {
		t.Fatal(collectionErr)
	}
	ix, err := Open(collectionDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

func publishDir(ctx context.Context, corpusDir, root string) (Manifest, error) {
	m, _, err := PublishCorpus(ctx, corpusDir, root, PublishOptions{Version: "test"})
	return m, err
}

func TestSearchCollection(t *testing.T) {
	ix := testCollection(t)
	for _, tt := range []struct {
		q       string
		first   string // id of the first hit
		total   int
		without string // an id that must not be among the hits
		corr    string // corrected_query, when a typo was read
	}{
		{q: "revolution", first: "the-flames-of-paris-1983", total: 2},
		{q: "revolutionary", first: "the-flames-of-paris-1983", total: 1},
		{q: "nutcraker", first: "the-nutcracker-1977", total: 1, corr: "nutcracker"},
		{q: "nutcr", first: "the-nutcracker-1977", total: 1},
		{q: `"tragic love"`, total: 2},
		{q: "love -giselle", total: 4, without: "giselle-1975"},
		{q: "1975", total: 2},
		{q: "swan lake", first: "the-swan-lake-1982", total: 1},
	} {
		res, err := ix.Search(context.Background(), Request{Query: tt.q})
		if err != nil {
			t.Fatalf("Search(%q) = %v", tt.q, err)
		}
		if res.Total != tt.total {
			t.Errorf("Search(%q) = %d hits; want %d", tt.q, res.Total, tt.total)
		}
		if tt.first != "" && (len(res.Hits) == 0 || res.Hits[0].ID != tt.first) {
			t.Errorf("Search(%q) first hit = %v; want %s", tt.q, res.Hits, tt.first)
		}
		for _, h := range res.Hits {
			if h.ID == tt.without {
				t.Errorf("Search(%q) found %s; want it excluded", tt.q, h.ID)
			}
		}
		if res.CorrectedQuery != tt.corr {
			t.Errorf("Search(%q) corrected_query = %q; want %q", tt.q, res.CorrectedQuery, tt.corr)
		}
	}
}

// A quoted phrase no film has is not a dead end: the answer is the films of its words, the
// closest together first, marked relaxed; a phrase some film has stays exact.
func TestPhraseNoFilmHasIsRelaxed(t *testing.T) {
	ix := testCollection(t)
	for _, tt := range []struct {
		req     Request
		total   int // 0: any number above it
		first   string
		relaxed bool
	}{
		{req: Request{Query: `"french revolution"`}, total: 1, first: "the-flames-of-paris-1983"},
		{req: Request{Query: `"revolution french"`}, first: "the-flames-of-paris-1983", relaxed: true},
		{req: Request{Query: `"revolution french"`, Match: MatchAll}, first: "the-flames-of-paris-1983", relaxed: true},
		{req: Request{Query: `"tragic love" "swan lake"`}, relaxed: true},
		// The filter leaves no film with the phrase, and films with its words: those.
		{req: Request{Query: `"tragic love"`, Decades: []string{"1980s"}}, relaxed: true},
		// Nothing has even the words: no hits, and nothing was relaxed to find them.
		{req: Request{Query: `"xylophone zeppelin"`}, total: -1},
	} {
		res, err := ix.Search(context.Background(), tt.req)
		if err != nil {
			t.Fatalf("Search(%+v) = %v", tt.req, err)
		}
		name := tt.req.Query + " " + tt.req.Match + " " + strings.Join(tt.req.Decades, ",")
		switch {
		case tt.total > 0 && res.Total != tt.total, tt.total == 0 && res.Total == 0, tt.total < 0 && res.Total != 0:
			t.Errorf("%s: %d hits; want %d (0: some, -1: none)", name, res.Total, tt.total)
		case res.Relaxed != tt.relaxed:
			t.Errorf("%s: relaxed %v; want %v", name, res.Relaxed, tt.relaxed)
		case tt.first != "" && res.Hits[0].ID != tt.first:
			t.Errorf("%s: first hit %s; want %s", name, res.Hits[0].ID, tt.first)
		}
		if tt.relaxed && len(tt.req.Decades) > 0 {
			for _, h := range res.Hits {
				if h.Decade != tt.req.Decades[0] {
					t.Errorf("%s: hit %s of the %s; want the filter kept", name, h.ID, h.Decade)
				}
			}
		}
	}
}

// Words typed apart match the one word the index has for them, and a word the index lacks
// matches the two it has typed together, as Algolia and Meilisearch read them.
func TestJoinedAndSplitWords(t *testing.T) {
	ix := testCollection(t)
	for _, tt := range []struct{ q, first, mark, read string }{
		{q: "nut cracker", first: "the-nutcracker-1977", mark: "Nutcracker"},
		{q: "swanlake", first: "the-swan-lake-1982", mark: "Swan", read: "swan lake "},
		{q: "sleepingbeauty", first: "the-sleeping-beauty-1989", mark: "Sleeping", read: "sleeping beauty "},
	} {
		res, err := ix.Search(context.Background(), Request{Query: tt.q + " "})
		if err != nil {
			t.Fatalf("Search(%q) = %v", tt.q, err)
		}
		if len(res.Hits) == 0 || res.Hits[0].ID != tt.first {
			t.Errorf("Search(%q) = %v; want %s first", tt.q, res.Hits, tt.first)
			continue
		}
		if res.CorrectedQuery != tt.read {
			t.Errorf("Search(%q): corrected_query %q; want %q", tt.q, res.CorrectedQuery, tt.read)
		}
		if notes := spanNotes(res.Hits[0].Highlights[HighlightTitle]); !slices.ContainsFunc(notes, func(n string) bool { return strings.HasPrefix(n, tt.mark+" form ") }) {
			t.Errorf("Search(%q): title spans %q; want %s marked as a form", tt.q, notes, tt.mark)
		}
	}
}

// Splitting has its limits: at most maxSplitWords words of a query, and never into two words
// each in more than splitCommonShare of the films.
func TestSplitLimits(t *testing.T) {
	s, r := testReader(t)
	for _, tt := range []struct {
		q    string
		want map[string]string
	}{
		{"swanlake sleepingbeauty romeojuliet", map[string]string{"swanlake": "swan lake", "sleepingbeauty": "sleeping beauty"}},
		{"balletfilm", map[string]string{}}, // "ballet" and "film" are in every film
	} {
		pq, err := parseQuery(tt.q + " ")
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.compile(context.Background(), r, pq)
		if err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(c.splitAs, tt.want) {
			t.Errorf("compile(%q) split %v; want %v", tt.q, c.splitAs, tt.want)
		}
	}
}

// Filters narrow the hits; they must not change the order of the hits they keep.
func TestFiltersDoNotScore(t *testing.T) {
	ix := testCollection(t)
	ctx := context.Background()
	plain, err := ix.Search(ctx, Request{Query: "ballet", PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	filtered, err := ix.Search(ctx, Request{Query: "ballet", PerPage: 50, YearMin: 1888, Decades: []string{"1960s", "1970s", "1980s"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Hits) != len(filtered.Hits) {
		t.Fatalf("filtered search = %d hits; want %d", len(filtered.Hits), len(plain.Hits))
	}
	for i := range plain.Hits {
		if p, f := plain.Hits[i], filtered.Hits[i]; p.ID != f.ID || p.Score != f.Score {
			t.Errorf("hit %d: filtered %s (%.4f); want %s (%.4f)", i, f.ID, f.Score, p.ID, p.Score)
		}
	}
}

// spanNotes describes the spans of hs as the text they cover, how they matched and which
// word: "Revolution word revolution".
func spanNotes(hs []Highlight) []string {
	var out []string
	for _, h := range hs {
		for _, sp := range h.Spans {
			n := h.Text[sp.Start:sp.End]
			for _, w := range sp.Words {
				n += " " + w.Via.String() + " " + w.Word
			}
			out = append(out, n)
		}
	}
	return out
}

// Highlights say what each way of matching found, as the reader sees it, and for which word.
func TestHighlights(t *testing.T) {
	ix := testCollection(t)
	for _, tt := range []struct {
		q, id, field, want string
	}{
		{"revolution ", "the-flames-of-paris-1983", "description", "Revolution word revolution"},
		{"revolution", "the-flames-of-paris-1983", "description", "revolutionary prefix revolution"}, // a longer form, being typed
		{"revolution ", "spartacus-1975", "description", "rebellion synonym revolution"},             // a theme
		{"dancer ", "the-flames-of-paris-1983", "facts", "dancers form dancer"},                      // another form
		{"nutcraker", "the-nutcracker-1977", "title", "Nutcracker correction nutcraker"},             // a typo
		{"nutcr", "the-nutcracker-1977", "title", "Nutcracker prefix nutcr"},                         // being typed
		{"shakespeare", "romeo-and-juliet-1974", "description", "Shakespeare's word shakespeare"},    // possessive
		{`"tragic love"`, "giselle-1975", "description", "tragic word tragic"},
		{`"tragic love"`, "giselle-1975", "description", "love word love"},
		{"bolshoi", "the-swan-lake-1982", "facts", "Bolshoi word bolshoi"},
		{"swan swans ", "the-swan-lake-1982", "title", "Swan word swan form swans"}, // one span, two words
	} {
		res, err := ix.Search(context.Background(), Request{Query: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range res.Hits {
			if h.ID == tt.id {
				got = spanNotes(h.Highlights[tt.field])
			}
		}
		if !slices.Contains(got, tt.want) {
			t.Errorf("Search(%q) %s %s spans = %q; want %q among them", tt.q, tt.id, tt.field, got, tt.want)
		}
	}
}

// Spans are in order, apart, on rune boundaries and inside their text, and name only the
// query's wanted words: an excluded word is not one.
func TestHighlightSpans(t *testing.T) {
	ix := testCollection(t)
	for _, q := range []string{`nutcracker -"swan lake"`, "ballet -bolshoi", "love", "soviet dance", "revolution"} {
		res, err := ix.Search(context.Background(), Request{Query: q, PerPage: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range res.Hits {
			checkHighlights(t, q, h, res.Words)
		}
	}
	res, _ := ix.Search(context.Background(), Request{Query: `nutcracker -"swan lake"`})
	if !slices.Equal(res.Words, []string{"nutcracker"}) {
		t.Errorf(`Search(nutcracker -"swan lake").Words = %q; want [nutcracker]`, res.Words)
	}
}

// checkHighlights fails t unless h's highlights are well formed, name only the words of
// wanted, and hold the film's own values.
func checkHighlights(t *testing.T, q string, h Hit, wanted []string) {
	t.Helper()
	values := map[string][]string{
		HighlightTitle: {h.Title}, HighlightDescription: {h.Description}, HighlightFacts: h.Facts,
		HighlightDirector: {h.Director}, HighlightCast: h.Cast,
	}
	for field, hs := range h.Highlights {
		for _, hl := range hs {
			if v := values[field]; hl.Item >= len(v) || v[hl.Item] != hl.Text {
				t.Errorf("Search(%q) %s: %s highlight %d is %q; want the film's own value", q, h.ID, field, hl.Item, hl.Text)
			}
			at := 0
			if len(hl.Spans) == 0 {
				t.Errorf("Search(%q) %s: %s highlight without spans", q, h.ID, field)
			}
			for _, sp := range hl.Spans {
				if sp.Start < at || sp.End <= sp.Start || sp.End > len(hl.Text) || (at > 0 && sp.Start == at) ||
					!utf8.RuneStart(hl.Text[sp.Start]) || (sp.End < len(hl.Text) && !utf8.RuneStart(hl.Text[sp.End])) {
					t.Errorf("Search(%q) %s: %s span %d..%d of %q is out of order or off a rune boundary", q, h.ID, field, sp.Start, sp.End, hl.Text)
				}
				at = sp.End
				if len(sp.Words) == 0 {
					t.Errorf("Search(%q) %s: %s span %d..%d matched no word", q, h.ID, field, sp.Start, sp.End)
				}
				for _, w := range sp.Words {
					if !slices.Contains(wanted, w.Word) {
						t.Errorf("Search(%q) %s: %s span names %q; want one of %q", q, h.ID, field, w.Word, wanted)
					}
				}
			}
		}
	}
}

// TestHighlightsNewFields: a match in the cast or the director is marked there, and a stop
// word is marked in titles only.
func TestHighlightsNewFields(t *testing.T) {
	root := t.TempDir()
	films := []corpus.Film{
		{ID: "a", Title: "The Road", Year: 1950, Description: "The end of the road.", Director: "Gisèle Dupont", Cast: []string{"Ann Lee", "Bob Ray"}},
		{ID: "b", Title: "Other", Year: 1951, Description: "Nothing here."},
	}
	if _, err := Publish(context.Background(), films, root, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, c := range []struct {
		q, field string
		want     []string
	}{
		{"gisele", "director", []string{"Gisèle word gisele"}},
		{"bob", "cast", []string{"Bob word bob"}},
		{"the road", "title", []string{"The word the", "Road word road"}},
		{"the road", "description", []string{"road word road"}},
	} {
		res, err := ix.Search(context.Background(), Request{Query: c.q + " "})
		if err != nil || len(res.Hits) == 0 {
			t.Fatalf("Search(%q) = %v, %v", c.q, res, err)
		}
		if got := spanNotes(res.Hits[0].Highlights[c.field]); !slices.Equal(got, c.want) {
			t.Errorf("Search(%q): highlights[%s] = %q; want %q", c.q, c.field, got, c.want)
		}
	}
}

// A long value's snippet is a window around its first match, cut at spaces, with its spans
// moved into the window and the spans outside it left out.
func TestSnippet(t *testing.T) {
	long := strings.Repeat("lead ", 30) + "the Kirov Ballet danced " + strings.Repeat("tail ", 60) + "Kirov"
	at := strings.Index(long, "Kirov")
	last := strings.LastIndex(long, "Kirov")
	h := Highlight{Text: long, Spans: []Span{{Start: at, End: at + 5}, {Start: last, End: last + 5}}}
	s := h.Snippet()
	if !s.Before || !s.After || len(s.Spans) != 1 || s.Text[s.Spans[0].Start:s.Spans[0].End] != "Kirov" ||
		strings.HasPrefix(s.Text, " ") || !strings.Contains(long, s.Text) || len(s.Text) > snippetLen {
		t.Errorf("Snippet() = %+v; want a window of at most %d bytes around the first Kirov, cut before and after", s, snippetLen)
	}
	short := Highlight{Text: "The Kirov Ballet", Spans: []Span{{Start: 4, End: 9}}}
	if s := short.Snippet(); s.Before || s.After || s.Text != short.Text || len(s.Spans) != 1 {
		t.Errorf("Snippet() of a short value = %+v; want it whole", s)
	}
}
