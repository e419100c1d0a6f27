package index

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/corpus"
)

// Index serves the build that root/current points to and swaps in a new one when current
// changes. Searches never block on a swap: each holds the snapshot it started on, and a retired
// snapshot is closed when its last search ends. It is safe for concurrent use.
type Index struct {
	root   string
	mu     sync.Mutex // serialises Reload
	cur    atomic.Pointer[snapshot]
	swaps  atomic.Int64
	closed atomic.Bool
}

// Open opens the current build under root read-only. It fails with ErrNoBuild when nothing has
// been published yet.
func Open(root string) (*Index, error) {
	dir, err := Current(root)
	if err != nil {
		return nil, err
	}
	s, err := openSnapshot(dir)
	if err != nil {
		return nil, err
	}
	ix := &Index{root: root}
	ix.cur.Store(s)
	return ix, nil
}

// Reload opens the build current points to now, if it is not the one being served, and swaps it
// in. It reports whether a swap happened.
func (ix *Index) Reload() (bool, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed.Load() {
		return false, ErrClosed
	}
	dir, err := Current(ix.root)
	if err != nil {
		return false, err
	}
	old := ix.cur.Load()
	if old != nil && old.dir == dir {
		return false, nil
	}
	s, err := openSnapshot(dir)
	if err != nil {
		return false, err
	}
	ix.cur.Store(s)
	ix.swaps.Add(1)
	if old != nil {
		old.release()
	}
	return true, nil
}

// Watch calls Reload every interval until ctx ends, logging swaps and failures. A failed reload
// keeps the build being served.
func (ix *Index) Watch(ctx context.Context, interval time.Duration) {
	log := zerolog.Ctx(ctx)
	t := time.NewTicker(interval)
	defer t.Stop()
	var lastErr string
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		swapped, err := ix.Reload()
		switch {
		case err != nil && err.Error() != lastErr:
			lastErr = err.Error()
			log.Error().Err(err).Msg("reload failed; still serving the previous build")
		case swapped:
			lastErr = ""
			m := ix.Manifest()
			log.Info().Str("build_id", m.ID).Int("doc_count", m.DocCount).Msg("swapped in new build")
		}
	}
}

// Close closes the served build once in-flight searches finish.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed.Swap(true) {
		return nil
	}
	if s := ix.cur.Swap(nil); s != nil {
		s.release()
	}
	return nil
}

// Manifest describes the build being served.
func (ix *Index) Manifest() Manifest {
	s := ix.acquire()
	if s == nil {
		return Manifest{}
	}
	defer s.release()
	return s.manifest
}

// Swaps counts the builds swapped in since Open.
func (ix *Index) Swaps() int64 { return ix.swaps.Load() }

// acquire returns the current snapshot with a reference held, or nil once closed.
func (ix *Index) acquire() *snapshot {
	for {
		s := ix.cur.Load()
		if s == nil {
			return nil
		}
		if s.acquire() {
			return s
		}
		// s was retired between Load and acquire; the next Load sees its successor.
	}
}

// Film returns the film with the given id, or an error wrapping ErrNotFound.
func (ix *Index) Film(ctx context.Context, id string) (corpus.Film, error) {
	s := ix.acquire()
	if s == nil {
		return corpus.Film{}, ErrClosed
	}
	defer s.release()
	return s.film(id)
}

// Search runs req on the build being served.
func (ix *Index) Search(ctx context.Context, req Request) (*Result, error) {
	s := ix.acquire()
	if s == nil {
		return nil, ErrClosed
	}
	defer s.release()
	res, err := s.search(ctx, req)
	if err != nil {
		return nil, err
	}
	res.BuildID = s.manifest.ID
	return res, nil
}

// Suggest returns up to n title completions for the words typed so far.
func (ix *Index) Suggest(ctx context.Context, q string, n int) ([]Suggestion, error) {
	s := ix.acquire()
	if s == nil {
		return nil, ErrClosed
	}
	defer s.release()
	return s.suggest(ctx, q, n)
}

func (ix *Index) String() string { return fmt.Sprintf("index(%s)", ix.root) }
