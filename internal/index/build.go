package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/blevesearch/bleve/v2"

	"filmsearch/internal/corpus"
)

const (
	batchSize   = 1000 // films between progress reports and cancellation checks
	segmentSize = 2000 // films per segment the builder writes before its final merge: between two, a build cannot stop
)

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
	// A build allocates gigabytes of short-lived garbage. While it runs, collect only when the
	// heap nears a limit well above what the caller holds (the films, a serving index): a
	// quarter of the build's time, for some hundreds of MB of memory.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(int64(2*ms.HeapAlloc) + 1<<30))
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
