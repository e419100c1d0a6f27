package index

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sync"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	segapi "github.com/blevesearch/scorch_segment_api/v2"
	zapv17 "github.com/blevesearch/zapx/v17"

	"filmsearch/internal/corpus"
)

// batchSize is the films of one part: each part is an offline build of its own, several are
// built at once, and progress is reported and cancellation checked as each ends. Small parts keep
// the memory of the parts in flight (their analysed documents) well under buildHeadroom, and
// Bleve makes a segment of 500 films for a third less CPU per film than one of 2,000; parts of
// 250 cost as much again in the final merge, which runs on one core.
const batchSize = 500

// maxBuilders is the most parts built at once. A part in flight holds up to about 30 MB of
// analysed documents: two leave the collector half of buildHeadroom, more would crowd it and
// collect back to back, so a machine with more cores needs a larger headroom to use them.
const maxBuilders = 2

// buildHeadroom is the heap a build may use above what its caller holds: the parts being
// built, their analysis, and garbage between collections. For the 36k films, 128 MiB peaks at
// about 265 MB RSS in the indexer, during the merge, whose segments are mapped beside a heap
// the parts left at its limit. 192 MiB while the parts are built, with the heap given back
// before the merge, collected a third less often at the same peak, but gave most of the time
// saved to returning memory and faulting it in again; no limit (the collector off) peaked at
// 1.2 GB before the parts.
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
// memory stays bounded wherever builds run, and the collector runs about 90 times for the 36k
// films instead of hundreds (134 with the serial builder, whose live heap stayed near the
// limit). The memory goes back to the system when the last build ends.
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

// testHookBatch lets tests fail a build midway; testHookPart runs as a part starts.
var (
	testHookBatch func(done int) error
	testHookPart  func(part int)
)

// writing counts the goroutines of builds that may still write after their build returned:
// a cancelled build returns at once, while the parts and merges it started run to their end.
var writing sync.WaitGroup

// Build writes a new Bleve index of films at dir, which must not exist, and returns the token
// counts of its text fields. The films are cut into parts, each written by Bleve's offline
// builder, up to maxBuilders at once on as many CPUs, and the parts' segments are then merged,
// in the films' order, into the one segment of dir: a build is never searched while it grows, and a single segment answers
// about twice as fast as many. It stops early when ctx is cancelled; on error dir and the scratch
// space beside it may hold partial files that the caller removes with dir's parent.
func Build(ctx context.Context, films []corpus.Film, dir string, opts BuildOptions) (map[string]FieldStats, error) {
	return buildPacked(ctx, pack(films, false), dir, opts)
}

// buildPacked is Build of films in their stored form.
func buildPacked(ctx context.Context, films packed, dir string, opts BuildOptions) (map[string]FieldStats, error) {
	stats := map[string]FieldStats{}
	if err := build(ctx, films, dir, opts, stats); err != nil {
		return nil, err
	}
	return stats, nil
}

func build(ctx context.Context, films packed, dir string, opts BuildOptions, stats map[string]FieldStats) error {
	m, err := newMapping()
	if err != nil {
		return err
	}
	scratch := filepath.Join(filepath.Dir(dir), "scratch")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	defer boundMemory()()
	if films.len() == 0 {
		if err := step(ctx, opts, 0, 0); err != nil {
			return err
		}
		// The builder cannot close an empty index; an empty collection is still a valid build.
		idx, err := bleve.New(dir, m)
		if err != nil {
			return fmt.Errorf("create empty index: %w", err)
		}
		if err := idx.Close(); err != nil {
			return fmt.Errorf("create empty index: %w", err)
		}
		return os.RemoveAll(scratch)
	}
	// The first part is built into dir itself: its root and mapping are the index's, and the
	// merge replaces its segment. The others go into scratch.
	parts := make([]string, (films.len()+batchSize-1)/batchSize)
	parts[0] = dir
	for i := 1; i < len(parts); i++ {
		parts[i] = filepath.Join(scratch, fmt.Sprintf("part-%05d", i))
	}
	// A part is written uninterruptibly: the parts are built in the background, so a cancelled
	// build returns at once, and no part starts after it. Those running write on into dir's
	// parent, which the caller removes once writing says they ended.
	built := make(chan error, 1)
	writing.Go(func() { built <- buildParts(ctx, m, films, parts, scratch, opts, stats) })
	select {
	case err := <-built:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return fmt.Errorf("build interrupted: %w", ctx.Err())
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("build interrupted: %w", err)
	}
	// The merge stops at its next check when ctx ends, but stored fields are merged without
	// one: it runs in the background, so a cancelled build returns at once.
	merged := make(chan error, 1)
	writing.Go(func() { merged <- mergeParts(ctx, parts, scratch) })
	select {
	case err := <-merged:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		return fmt.Errorf("build interrupted while merging: %w", ctx.Err())
	}
	return os.RemoveAll(scratch)
}

// step runs as each part ends, with the films done so far: the place to stop when asked, and
// to report progress. Only one goroutine calls it at a time.
func step(ctx context.Context, opts BuildOptions, done, total int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("build interrupted: %w", err)
	}
	if testHookBatch != nil {
		if err := testHookBatch(done); err != nil {
			return err
		}
	}
	if opts.Progress != nil {
		opts.Progress(done, total)
	}
	return nil
}

// buildParts builds films[i*batchSize:] into parts[i], as many parts at once as there are
// CPUs, up to maxBuilders, and adds the token counts of their texts to stats. It returns the first error, and once
// one is seen, or ctx ends, starts no other part; parts already started run to their end.
func buildParts(ctx context.Context, m mapping.IndexMapping, films packed, parts []string, scratch string, opts BuildOptions, stats map[string]FieldStats) error {
	type result struct {
		films int
		stats map[string]FieldStats
		err   error
	}
	jobs := make(chan int)
	stop := make(chan struct{})
	go func() {
		defer close(jobs)
		for i := range parts {
			select {
			case jobs <- i:
			case <-stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	workers := min(runtime.GOMAXPROCS(0), maxBuilders, len(parts))
	// Buffered for every part, so a worker never waits on a collector that returned.
	results := make(chan result, len(parts))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				from, to := i*batchSize, min((i+1)*batchSize, films.len())
				st := map[string]FieldStats{}
				if testHookPart != nil {
					testHookPart(i)
				}
				err := buildPart(m, films, from, to, parts[i], scratch, st)
				results <- result{films: to - from, stats: st, err: err}
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	done := 0
	var err error
	for r := range results {
		if err != nil {
			continue // draining what was started
		}
		if err = r.err; err == nil {
			for f, s := range r.stats {
				t := stats[f]
				t.Docs += s.Docs
				t.Tokens += s.Tokens
				stats[f] = t
			}
			done += r.films
			err = step(ctx, opts, done, films.len())
		}
		if err != nil {
			close(stop)
		}
	}
	if err == nil && done < films.len() {
		// The feeder stopped early: ctx ended between parts.
		err = fmt.Errorf("build interrupted: %w", ctx.Err())
	}
	return err
}

// buildPart writes films [from, to) as a complete index of one segment at dir, with Bleve's
// offline builder, and adds the token counts of their texts to stats.
func buildPart(m mapping.IndexMapping, films packed, from, to int, dir, scratch string, stats map[string]FieldStats) error {
	b, err := bleve.NewBuilder(dir, m, map[string]any{
		"batchSize":       to - from, // one segment: the merge of the parts is ours
		"buildPathPrefix": scratch,   // not /tmp: a killed build leaves nothing outside its .tmp
	})
	if err != nil {
		return fmt.Errorf("create index %s: %w", dir, err)
	}
	for i := from; i < to; i++ {
		src := films.source(i)
		f, err := decodeFilm(src)
		if err != nil {
			return fmt.Errorf("film %d: %w", i, err)
		}
		d := documentFrom(f, src)
		countTokens(d, stats)
		if err := b.Index(f.ID, d); err != nil {
			return fmt.Errorf("index %s: %w", f.ID, err)
		}
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("close index %s: %w", dir, err)
	}
	return nil
}

// segmentPlugin is the segment format Bleve's builder writes (scorch's default), so that it
// can open and merge what the builder wrote.
var segmentPlugin = &zapv17.ZapPlugin{}

// mergeMax is the most segments one merge reads: the 36k films' 73 parts merge in one pass;
// ten times as many merge in two levels, as Bleve's builder does with the same limit.
var mergeMax = 100 // a variable for tests

// mergeParts merges the segments of the built parts, in order, so their documents keep the
// films' order, and puts the result in place of the segment of parts[0], the index: what the
// builder does with its own segments at the end of one build. Above mergeMax segments it
// merges in levels, the groups of a level at once, one per CPU. When ctx ends, the merges stop
// at their next check and mergeParts returns an error.
func mergeParts(ctx context.Context, parts []string, scratch string) error {
	paths := make([]string, len(parts))
	for i, p := range parts {
		// The builder names its store "store" and writes one segment into it.
		found, err := filepath.Glob(filepath.Join(p, "store", "*.zap"))
		if err != nil || len(found) != 1 {
			return fmt.Errorf("merge index: part %s holds %d segments; want 1 (%v)", p, len(found), err)
		}
		paths[i] = found[0]
	}
	final := paths[0]
	// Bleve's merge checks closed between fields and postings lists: a cancelled build returns
	// soon after, not at the merge's end.
	closed := make(chan struct{})
	stopped := context.AfterFunc(ctx, func() { close(closed) })
	defer stopped()
	for level := 0; len(paths) > 1; level++ {
		groups := make([][]string, 0, (len(paths)+mergeMax-1)/mergeMax)
		for i := 0; i < len(paths); i += mergeMax {
			groups = append(groups, paths[i:min(i+mergeMax, len(paths))])
		}
		next := make([]string, len(groups))
		errs := make([]error, len(groups))
		sem := make(chan struct{}, runtime.GOMAXPROCS(0))
		var wg sync.WaitGroup
		for i, g := range groups {
			next[i] = filepath.Join(scratch, fmt.Sprintf("merged-%d-%05d.zap", level, i))
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				errs[i] = mergeSegments(g, next[i], closed)
			})
		}
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("build interrupted while merging: %w", err)
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("merge index: %w", err)
		}
		paths = next
	}
	if paths[0] == final {
		return nil // one part: its segment is the index's
	}
	if err := os.Rename(paths[0], final); err != nil {
		return fmt.Errorf("merge index: %w", err)
	}
	return nil
}

// mergeSegments merges the segment files paths, in order, into a new one at dst. A single
// path is linked, not copied.
func mergeSegments(paths []string, dst string, closed chan struct{}) error {
	if len(paths) == 1 {
		return os.Link(paths[0], dst)
	}
	segs := make([]segapi.Segment, 0, len(paths))
	defer func() {
		for _, s := range segs {
			s.Close()
		}
	}()
	for _, p := range paths {
		s, err := segmentPlugin.Open(p)
		if err != nil {
			return fmt.Errorf("open %s: %w", p, err)
		}
		segs = append(segs, s)
	}
	if _, _, err := segmentPlugin.Merge(segs, make([]*roaring.Bitmap, len(segs)), dst, closed, nil); err != nil {
		return fmt.Errorf("merge %d segments into %s: %w", len(segs), dst, err)
	}
	return nil
}
