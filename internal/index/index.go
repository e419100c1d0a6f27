package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
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
	root     string
	mu       sync.Mutex // serialises Reload
	cur      atomic.Pointer[snapshot]
	swaps    atomic.Int64
	closed   atomic.Bool
	refused  atomic.Pointer[Refusal] // the build current names, when it was refused
	refusals atomic.Int64
	// running holds a place for each search, suggest or similar-films query running: at most
	// two per core. Sixteen costly searches on two cores each got an eighth of a core and
	// reached their deadline checks late (p50 124 ms past a 500 ms deadline); queued ones now
	// wait on their context, so a search that runs has a core and one that waits gives up
	// on time.
	running chan struct{}
}

// enter takes a place among the queries running, or gives up when ctx ends.
func (ix *Index) enter(ctx context.Context) (leave func(), err error) {
	select {
	case ix.running <- struct{}{}:
		return func() { <-ix.running }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Refusal describes a build that current names but that could not be opened (damaged, see
// ErrDamaged, or unreadable): the index keeps serving the build it has.
type Refusal struct {
	BuildID string
	Err     error
	At      time.Time
	dir     string
}

// Open opens the current build under root read-only. It fails with ErrNoBuild when nothing has
// been published yet. When the current build cannot be opened (see ErrDamaged), Open serves the
// newest build under root that opens and passes its checksums instead, preferring builds older
// than current, and reports the refusal through Refused; it fails only when no build opens.
func Open(root string) (*Index, error) {
	dir, err := Current(root)
	if err != nil {
		return nil, err
	}
	ix := &Index{root: root, running: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	s, err := openVerified(dir)
	if err != nil {
		fb, fbErr := openFallback(root, dir)
		if fbErr != nil {
			return nil, errors.Join(err, fbErr)
		}
		ix.refuse(dir, err)
		s = fb
	}
	ix.cur.Store(s)
	return ix, nil
}

// openFallback opens the newest good build under root other than refused: first among those
// older than it (the builds published before it), then among newer ones.
func openFallback(root, refused string) (*snapshot, error) {
	builds := filepath.Join(root, buildsDir)
	entries, err := os.ReadDir(builds)
	if err != nil {
		return nil, fmt.Errorf("fallback: %w", err)
	}
	bad := filepath.Base(refused)
	var older, newer []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || strings.HasSuffix(name, tmpSuffix) || name == bad {
			continue
		}
		if name < bad {
			older = append(older, name)
		} else {
			newer = append(newer, name)
		}
	}
	// Ids start with their time: the newest first.
	sort.Sort(sort.Reverse(sort.StringSlice(older)))
	sort.Sort(sort.Reverse(sort.StringSlice(newer)))
	var errs []error
	for _, name := range append(older, newer...) {
		s, err := openVerified(filepath.Join(builds, name))
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("no good build to fall back to in %s: %w", builds, errors.Join(errs...))
}

// refuse records that the build in dir was refused with err, counting it once however often it
// is tried.
func (ix *Index) refuse(dir string, err error) {
	at := time.Now()
	if prev := ix.refused.Load(); prev != nil && prev.dir == dir {
		at = prev.At
	} else {
		ix.refusals.Add(1)
	}
	ix.refused.Store(&Refusal{BuildID: filepath.Base(dir), Err: err, At: at, dir: dir})
}

// Refused returns the refusal of the build current names, if it was refused and is still
// current.
func (ix *Index) Refused() (Refusal, bool) {
	if r := ix.refused.Load(); r != nil {
		return *r, true
	}
	return Refusal{}, false
}

// Refusals counts the builds refused since Open, Open's own included.
func (ix *Index) Refusals() int64 { return ix.refusals.Load() }

// Reload opens the build current points to now, if it is not the one being served, and swaps it
// in. It reports whether a swap happened. A build that fails to open is refused and the served
// one kept. A damaged build (ErrDamaged) is not read again until current changes: asking again
// answers the same error. Other failures (a lock held, too many open files) are tried again.
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
		ix.refused.Store(nil)
		return false, nil
	}
	if r := ix.refused.Load(); r != nil && r.dir == dir && errors.Is(r.Err, ErrDamaged) {
		return false, r.Err
	}
	s, err := openVerified(dir)
	if err != nil {
		ix.refuse(dir, err)
		return false, err
	}
	ix.refused.Store(nil)
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
	leave, err := ix.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	s := ix.acquire()
	if s == nil {
		return nil, ErrClosed
	}
	defer s.release()
	res, err := s.search(ctx, req, ix.lend)
	if err != nil {
		return nil, err
	}
	res.BuildID = s.manifest.ID
	return res, nil
}

// Suggest returns up to n title completions for the words typed so far.
func (ix *Index) Suggest(ctx context.Context, q string, n int) ([]Suggestion, error) {
	leave, err := ix.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	s := ix.acquire()
	if s == nil {
		return nil, ErrClosed
	}
	defer s.release()
	return s.suggest(ctx, q, n)
}

func (ix *Index) String() string { return fmt.Sprintf("index(%s)", ix.root) }
