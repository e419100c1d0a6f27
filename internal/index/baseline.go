package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"

	"filmsearch/internal/corpus"
)

// Baseline is Bleve with its defaults: the default mapping and analyzer, tf-idf scoring, and a
// match query (any word) over title and description. It exists to measure our ranking against
// what Bleve gives for free (make relevance-ir); nothing serves it.
type Baseline struct{ idx bleve.Index }

// BuildBaseline indexes films at dir, which must not exist. Close the result when done.
func BuildBaseline(films []corpus.Film, dir string) (*Baseline, error) {
	idx, err := bleve.New(dir, bleve.NewIndexMapping())
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	b := idx.NewBatch()
	for _, f := range films {
		if err := b.Index(f.ID, map[string]any{"title": f.Title, "description": f.Description}); err != nil {
			idx.Close()
			return nil, fmt.Errorf("baseline %s: %w", f.ID, err)
		}
	}
	if err := idx.Batch(b); err != nil {
		idx.Close()
		return nil, fmt.Errorf("baseline: %w", err)
	}
	return &Baseline{idx: idx}, nil
}

// Search returns the ids of the first n matches of q.
func (b *Baseline) Search(ctx context.Context, q string, n int) ([]string, error) {
	sr := bleve.NewSearchRequestOptions(bleve.NewMatchQuery(q), n, 0, false)
	res, err := b.idx.SearchInContext(ctx, sr)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, nil
}

// Close closes the index.
func (b *Baseline) Close() error { return b.idx.Close() }
