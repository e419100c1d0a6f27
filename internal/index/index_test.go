package index

import (
	"context"
	"strings"
	"sync"
	"testing"

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

// Highlights mark what each way of matching found, as the reader sees it, escaped.
func TestHighlights(t *testing.T) {
	ix := testCollection(t)
	for _, tt := range []struct {
		q, id, field, want string
	}{
		{"revolution", "the-flames-of-paris-1983", "description", "the French <mark>Revolution</mark>,"},
		{"revolution", "the-flames-of-paris-1983", "description", "showcasing the <mark>revolutionary</mark> spirit"},  // another form
		{"revolution", "spartacus-1975", "description", "narrative of <mark>rebellion</mark> and"},                     // a theme
		{"nutcraker", "the-nutcracker-1977", "title", "The <mark>Nutcracker</mark>"},                                   // a typo
		{"nutcr", "the-nutcracker-1977", "title", "The <mark>Nutcracker</mark>"},                                       // being typed
		{"shakespeare", "romeo-and-juliet-1974", "description", "adaptation of <mark>Shakespeare&#39;s</mark> tragic"}, // possessive, escaped
		{`"tragic love"`, "giselle-1975", "description", "A <mark>tragic</mark> <mark>love</mark> story"},
		{"bolshoi", "the-swan-lake-1982", "facts", "the <mark>Bolshoi</mark> Ballet&#39;s prowess"},
	} {
		res, err := ix.Search(context.Background(), Request{Query: tt.q})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, h := range res.Hits {
			if h.ID == tt.id {
				got = h.Highlights[tt.field]
			}
		}
		if !strings.Contains(got, tt.want) {
			t.Errorf("Search(%q) %s %s highlight = %q; want it to contain %q", tt.q, tt.id, tt.field, got, tt.want)
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
	for _, c := range []struct{ q, field, want string }{
		{"gisele", "director", "<mark>Gisèle</mark> Dupont"},
		{"bob", "cast", "<mark>Bob</mark> Ray"},
		{"the road", "title", "<mark>The</mark> <mark>Road</mark>"},
		{"the road", "description", "The end of the <mark>road</mark>."},
	} {
		res, err := ix.Search(context.Background(), Request{Query: c.q + " "})
		if err != nil || len(res.Hits) == 0 {
			t.Fatalf("Search(%q) = %v, %v", c.q, res, err)
		}
		if got := res.Hits[0].Highlights[c.field]; got != c.want {
			t.Errorf("Search(%q): highlights[%s] = %q; want %q", c.q, c.field, got, c.want)
		}
	}
}
