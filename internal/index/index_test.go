package index

import (
	"context"
	"sync"
	"testing"
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
	for _, q := range []string{"revolution", "nutcraker", "tragic love", "sleep", "nutcr", "bolshoi", "revolutionary", "\"tragic love\"", "love -giselle", "the", "1975", "swan lake"} {
		res, err := ix.Search(context.Background(), Request{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q: total %d relaxed %v corr %v %q", q, res.Total, res.Relaxed, res.Corrections, res.CorrectedQuery)
		for _, h := range res.Hits {
			t.Logf("   %.3f %s %v", h.Score, h.Title, h.Highlights)
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
