package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/blevesearch/bleve/v2"

	"filmsearch/internal/corpus"
)

const (
	batchSize   = 1000 // films between progress reports and cancellation checks
	segmentSize = 2000 // films per segment the builder writes before its final merge: between two, a build cannot stop
)

// buildHeadroom is the heap a build may use above what its caller holds: the segment being
// built, its analysis, and garbage between collections. For the 36k films, 128 MiB peaks at
// about 250 MB RSS in the indexer; 192 MiB at 320 MB for about a quarter less CPU time; no
// limit (the collector off, as before) at 1.2 GB.
const buildHeadroom = 128 << 20

// buildMemoryLimit is the Go memory limit while a build runs: the memory the runtime holds now
// for live data (a serving index, the films) plus buildHeadroom.
func buildMemoryLimit() int64 {
	runtime.GC() // what is live now, not the garbage of whatever ran before
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc+ms.StackSys+ms.MSpanSys+ms.MCacheSys+ms.GCSys+ms.OtherSys) + buildHeadroom
}

// buildMemory is the collector's setting of the process before its builds, restored when the
// last build running ends.
var buildMemory struct {
	sync.Mutex
	builds    int
	gcPercent int
	limit     int64
}

// boundMemory sets the collector for a build and returns the function that restores it. A
// build allocates gigabytes of short-lived garbage: collecting at Go's usual pace costs a
// quarter of the build's time, never collecting costs a gigabyte. So the collector runs only
// when the heap reaches what the process held before its first build plus buildHeadroom: peak
// memory stays bounded wherever builds run, and the collector runs a few dozen times per build
// instead of hundreds. The memory goes back to the system when the last build ends.
func boundMemory() (restore func()) {
	buildMemory.Lock()
	defer buildMemory.Unlock()
	if buildMemory.builds == 0 {
		buildMemory.limit = debug.SetMemoryLimit(buildMemoryLimit())
		buildMemory.gcPercent = debug.SetGCPercent(-1)
	}
	buildMemory.builds++
	return func() {
		buildMemory.Lock()
		buildMemory.builds--
		last := buildMemory.builds == 0
		if last {
			debug.SetGCPercent(buildMemory.gcPercent)
			debug.SetMemoryLimit(buildMemory.limit)
		}
		buildMemory.Unlock()
		if last {
			debug.FreeOSMemory()
		}
	}
}

// BuildOptions tune Build.
type BuildOptions struct {
	// Progress, when set, is called after each batch with the number of films indexed so far.
	Progress func(done, total int)
}

// testHookBatch lets tests fail a build midway.
var testHookBatch func(done int) error

// Build writes a new Bleve index of films at dir, which must not exist, and returns the token
// counts of its text fields. It uses Bleve's offline
// builder, which writes one merged segment directly: a build is never searched while it grows,
// and a single segment answers about twice as fast as many. It stops early when ctx is
// cancelled; on error dir and the builder's scratch space beside it may hold partial files that
// the caller removes with dir's parent.
func Build(ctx context.Context, films []corpus.Film, dir string, opts BuildOptions) (map[string]FieldStats, error) {
	stats := map[string]FieldStats{}
	if err := build(ctx, films, dir, opts, stats); err != nil {
		return nil, err
	}
	return stats, nil
}

func build(ctx context.Context, films []corpus.Film, dir string, opts BuildOptions, stats map[string]FieldStats) error {
	m, err := newMapping()
	if err != nil {
		return err
	}
	scratch := filepath.Join(filepath.Dir(dir), "scratch")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	defer boundMemory()()
	b, err := bleve.NewBuilder(dir, m, map[string]any{
		"batchSize":       segmentSize,
		"mergeMax":        100,     // one merge pass over all batches
		"buildPathPrefix": scratch, // not /tmp: a killed build leaves nothing outside its .tmp
	})
	if err != nil {
		return fmt.Errorf("create index %s: %w", dir, err)
	}
	// step runs between batches: the place to stop when asked, and to report progress.
	step := func(done int) error {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("build interrupted: %w", err)
		}
		if testHookBatch != nil {
			if err := testHookBatch(done); err != nil {
				return err
			}
		}
		if opts.Progress != nil {
			opts.Progress(done, len(films))
		}
		return nil
	}
	// The builder writes a segment inside Index, uninterruptibly, whenever its batch fills: the
	// films are indexed in the background, so a cancelled build returns at once, and the
	// indexing stops at its next step, writing only into dir, which the caller removes.
	indexed := make(chan error, 1)
	go func() {
		for i, f := range films {
			if i > 0 && i%batchSize == 0 {
				if err := step(i); err != nil {
					indexed <- err
					return
				}
			}
			d := document(f)
			countTokens(d, stats)
			if err := b.Index(f.ID, d); err != nil {
				indexed <- fmt.Errorf("index %s: %w", f.ID, err)
				return
			}
		}
		indexed <- step(len(films))
	}()
	select {
	case err := <-indexed:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return fmt.Errorf("build interrupted: %w", ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("build interrupted: %w", err)
	}
	if len(films) == 0 {
		// The builder cannot close an empty index; an empty collection is still a valid build.
		idx, err := bleve.New(dir+".empty", m)
		if err != nil {
			return fmt.Errorf("create empty index: %w", err)
		}
		idx.Close()
		os.RemoveAll(dir)
		if err := os.Rename(dir+".empty", dir); err != nil {
			return fmt.Errorf("create empty index: %w", err)
		}
		return os.RemoveAll(scratch)
	}
	// Bleve's merge cannot be interrupted. When ctx ends first, the merge is left to fail or
	// finish in the background into dir, which the caller removes: a cancelled build returns
	// at once.
	merged := make(chan error, 1)
	go func() { merged <- b.Close() }()
	select {
	case err := <-merged:
		if err != nil {
			return fmt.Errorf("merge index: %w", err)
		}
	case <-ctx.Done():
		return fmt.Errorf("build interrupted while merging: %w", ctx.Err())
	}
	return os.RemoveAll(scratch)
}
