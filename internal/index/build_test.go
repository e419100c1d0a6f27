package index

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"filmsearch/internal/corpus"
)

// TestBuildKeepsFilmOrder checks that the parts built at once and merged, in one pass or in
// levels (a group of one linked, not merged), give one segment holding the parts in their order,
// as the serial builder did, and the token counts of a serial count.
func TestBuildKeepsFilmOrder(t *testing.T) {
	films := syntheticFilms(4*batchSize + 300) // five parts, the last short
	want := map[string]FieldStats{}
	for _, f := range films {
		countTokens(document(f), want)
	}
	for _, tt := range []struct {
		name     string
		mergeMax int
	}{
		{"one merge", 100},
		{"merged in three levels", 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func(old int) { mergeMax = old }(mergeMax)
			mergeMax = tt.mergeMax
			dir := filepath.Join(t.TempDir(), "index")
			stats, err := Build(context.Background(), films, dir, BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(stats, want) {
				t.Errorf("Build stats = %v; want %v", stats, want)
			}
			segs, err := filepath.Glob(filepath.Join(dir, "store", "*.zap"))
			if err != nil || len(segs) != 1 {
				t.Fatalf("segments = %v (%v); want one", segs, err)
			}
			seg, err := segmentPlugin.Open(segs[0])
			if err != nil {
				t.Fatal(err)
			}
			if n := seg.Count(); n != uint64(len(films)) {
				seg.Close()
				t.Fatalf("segment Count() = %d; want %d", n, len(films))
			}
			// Bleve's builder orders a segment's documents as a map does: a part's films hold
			// the part's range of document numbers, in any order.
			for i, f := range films {
				id, err := seg.DocID(uint64(i))
				if err != nil {
					seg.Close()
					t.Fatal(err)
				}
				got := string(id)
				lo := i / batchSize * batchSize
				if !slices.ContainsFunc(films[lo:min(lo+batchSize, len(films))], func(g corpus.Film) bool { return g.ID == got }) {
					seg.Close()
					t.Fatalf("DocID(%d) = %s; want a film of part %d, such as %s", i, got, i/batchSize, f.ID)
				}
			}
			seg.Close()
			// Bleve opens the index, its root naming the merged segment.
			idx, err := bleve.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			if n, err := idx.DocCount(); err != nil || n != uint64(len(films)) {
				t.Errorf("DocCount() = %d, %v; want %d", n, err, len(films))
			}
		})
	}
}
