package index

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	bindex "github.com/blevesearch/bleve_index_api"

	"filmsearch/internal/corpus"
)

// snapshot is one open, read-only build. It counts its users so that a swap can retire it while
// searches still run on it: the last one to leave closes it.
type snapshot struct {
	dir      string
	idx      bleve.Index
	manifest Manifest
	syn      *Synonyms
	cols     *columns
	typos    *typoDict
	refs     atomic.Int64 // 1 while current, plus one per search in flight
	once     sync.Once
}

// openVerified opens the build in dir after checking its files against the checksums written
// when it was published, and turns a panic while opening (Bleve's answer to some damaged
// segments) into an error wrapping ErrDamaged. Every open of a build goes through it.
func openVerified(dir string) (s *snapshot, err error) {
	if err := verifyChecksums(dir); err != nil {
		return nil, err
	}
	defer func() {
		if v := recover(); v != nil {
			// What Bleve had opened before it panicked cannot be reached to close: a damaged
			// build is rare and refused once, so the leak is bounded.
			s, err = nil, fmt.Errorf("open %s: %w: panic: %v", dir, ErrDamaged, v)
		}
	}()
	return openSnapshot(dir)
}

// openSnapshot opens the build in dir read-only. bolt_timeout makes a locked directory an error
// instead of a hang.
func openSnapshot(dir string) (*snapshot, error) {
	man, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	syn, err := LoadSynonyms(filepath.Join(dir, synonymsFile))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	idx, err := bleve.OpenUsing(filepath.Join(dir, bleveDir), map[string]any{
		"read_only":    true,
		"bolt_timeout": "2s",
	})
	if err != nil {
		// A failed OpenUsing returns a wrapper around nil: never touch idx here.
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	cols, typos, err := readColumns(idx)
	if err != nil {
		idx.Close()
		return nil, fmt.Errorf("open %s: %w", dir, err)
	}
	s := &snapshot{dir: dir, idx: idx, manifest: man, syn: syn, cols: cols, typos: typos}
	s.refs.Store(1)
	return s, nil
}

// acquire takes a reference unless the snapshot is already closing.
func (s *snapshot) acquire() bool {
	for {
		n := s.refs.Load()
		if n <= 0 {
			return false
		}
		if s.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (s *snapshot) release() {
	if s.refs.Add(-1) == 0 {
		s.close()
	}
}

// close closes the Bleve index once; Bleve panics on a second Close. A panic inside Close (a
// damaged build) is dropped: the build is retired either way, and close runs on the goroutine
// of a search or of a swap, which must live on.
func (s *snapshot) close() {
	s.once.Do(func() {
		defer func() { _ = recover() }()
		s.idx.Close()
	})
}

// film returns the stored film with the given id.
func (s *snapshot) film(id string) (corpus.Film, error) {
	doc, err := s.idx.Document(id)
	if err != nil {
		return corpus.Film{}, fmt.Errorf("document %s: %w", id, err)
	}
	if doc == nil {
		return corpus.Film{}, fmt.Errorf("film %q: %w", id, ErrNotFound)
	}
	var f corpus.Film
	found := false
	doc.VisitFields(func(field bindex.Field) {
		if field.Name() == fSource {
			f, err = decodeFilm(field.Value())
			found = err == nil
		}
	})
	if !found {
		return corpus.Film{}, fmt.Errorf("film %q: stored source missing: %w", id, ErrNotFound)
	}
	return f, nil
}

// readColumns reads what a snapshot keeps in memory: the facet columns and the words
// corrections are read from.
func readColumns(idx bleve.Index) (*columns, *typoDict, error) {
	adv, err := idx.Advanced()
	if err != nil {
		return nil, nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	cols, err := loadColumns(r)
	if err != nil {
		return nil, nil, err
	}
	typos, err := readTypoDict(r)
	if err != nil {
		return nil, nil, err
	}
	return cols, typos, nil
}
