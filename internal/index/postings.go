package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/index/scorch"
	bindex "github.com/blevesearch/bleve_index_api"
	segapi "github.com/blevesearch/scorch_segment_api/v2"
)

// openTerm opens the postings of term in field for c. On a snapshot of one segment without
// deletions, which is what Build makes, c reads zap's iterator itself: Bleve's term reader
// turns each film's field length into 1/sqrt(length) for c to turn back, and wraps each step
// in its own, together a seventh of a costly query's time.
func (c *cursor) openTerm(ctx context.Context, r bindex.IndexReader, term, field string) error {
	if is, ok := r.(*scorch.IndexSnapshot); ok && !direct.off {
		if segs := is.Segments(); len(segs) == 1 && (segs[0].Deleted() == nil || segs[0].Deleted().IsEmpty()) {
			dict, err := segs[0].Segment().Dictionary(field)
			if err != nil {
				return fmt.Errorf("postings %s:%s: %w", field, term, err)
			}
			pl, err := dict.PostingsList([]byte(term), nil, nil)
			if err != nil {
				return fmt.Errorf("postings %s:%s: %w", field, term, err)
			}
			c.it, c.n = pl.Iterator(true, true, false, nil), pl.Count()
			return nil
		}
	}
	tfr, err := r.TermFieldReader(ctx, []byte(term), field, true, true, false)
	if err != nil {
		return fmt.Errorf("postings %s:%s: %w", field, term, err)
	}
	c.r, c.n = tfr, tfr.Count()
	return nil
}

// direct lets tests read every term through Bleve's term reader, to compare.
var direct struct{ off bool }

// lengther is zap's posting, which knows its field's length as a whole number.
type lengther interface{ NormUint64() uint64 }

// readPosting sets c from p, zap's posting (nil at the end).
func (c *cursor) readPosting(p segapi.Posting, err error) error {
	if err != nil {
		return err
	}
	if p == nil {
		c.doc = done
		return nil
	}
	c.doc = int(p.Number())
	c.tf = float64(p.Frequency())
	c.len = c.avg
	if l, ok := p.(lengther); ok {
		if n := l.NormUint64(); n > 0 {
			c.len = float64(n)
		}
	} else if norm := p.Norm(); norm > 0 {
		c.len = 1 / (norm * norm)
	}
	return nil
}
