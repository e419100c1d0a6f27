package index

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bindex "github.com/blevesearch/bleve_index_api"
)

// A query of two common words ("silent comedy") has some 15 thousand candidate films and over
// a dozen cursors: most of its time is the walk over their postings, on one core while the
// other idles. When such a query runs with a core to spare, its films are cut into ranges by
// document number and ranked by several workers at once, each with cursors, matchers, facet
// counts and a top of its own; the counts are then added up and the tops merged. Every film is
// scored as it would be in one pass, so the hits, their order, the total and the facets are
// the same.

// splitWork is the work (candidate films times cursors, as keepWithinBudget counts it) from
// which a query is split, when a core is spare. On the 36k films a step costs about 10 ns and
// the helper starts 0.3 to 0.7 ms late (waking a thread, opening its cursors). On the
// benchmark queries, split against one pass: under 70k steps (under 1 ms) 5 to 50% slower;
// 140k to 230k steps (1.3 to 1.8 ms) 0 to 25% faster; the three over 380k ("silent comedy"
// 520k, "family drama" 680k, "musical comedy" 390k; 4.3 to 5.5 ms) 30% faster. Those three
// set the p99; splitting the middle ones would take a second core for little. Tests set it
// to 0 to split every query.
var splitWork = uint64(300_000)

// chunksPerWorker: the films are cut into this many ranges per worker, which the workers take
// in turn. The films are in year order and a word's films are not spread evenly ("silent" is
// in the first quarter), so halves would leave one worker with most of the work.
const chunksPerWorker = 4

// lender lends a search up to n places among the queries running, for its helpers, and the
// function that gives them back.
type lender func(n int) (got int, giveBack func())

// lend takes up to n more places among the queries running, without waiting, but only while
// fewer queries than cores run and only as many as the scheduler has cores idle: the helpers
// then use cores that would idle, and under load every search keeps to one core as before.
func (ix *Index) lend(n int) (got int, giveBack func()) {
	n = min(n, idleCores())
	for got < n && len(ix.running) < runtime.GOMAXPROCS(0) {
		select {
		case ix.running <- struct{}{}:
			got++
		default:
			n = got // every place taken since
		}
	}
	return got, func() {
		for range got {
			<-ix.running
		}
	}
}

// idleCores is how many cores run no goroutine of this process with none waiting for one.
// The places of Index.running count searches only: under load over HTTP most of the time
// goes to reading requests and writing answers, and searches alone would seem to leave a
// core idle. It costs some 130 ns.
func idleCores() int {
	s := []metrics.Sample{{Name: "/sched/goroutines/running:goroutines"}, {Name: "/sched/goroutines/runnable:goroutines"}}
	metrics.Read(s)
	procs := runtime.GOMAXPROCS(0)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return procs - 1 // a runtime without these counts: the caller's is the one known busy
	}
	return max(0, procs-int(s[0].Value.Uint64()+s[1].Value.Uint64()))
}

// work is what ranking costs: each candidate film costs a step of every cursor.
func (rk *ranking) work() uint64 {
	candidates := rk.candidates()
	if rk.phrased != nil {
		candidates = uint64(len(rk.phrased))
	}
	return candidates * uint64(len(rk.cursors)+len(rk.passive))
}

// workers returns how many workers rank the query, with the places lent for them to give back.
func (rk *ranking) workers() (int, func()) {
	if rk.lend == nil || rk.c.browse() || rk.work() < splitWork {
		return 1, func() {}
	}
	got, giveBack := rk.lend(runtime.GOMAXPROCS(0) - 1)
	return 1 + got, giveBack
}

// rankSplit ranks the films into k and top with workers at once: rk itself and forks of it.
// The first error stops every worker at its next deadline check and is returned; a worker's
// panic is raised again here, once every worker has stopped.
func (rk *ranking) rankSplit(ctx context.Context, k *counter, top *topN, workers int) error {
	ctx, cancel := context.WithCancel(ctx)
	ctx = byClock(ctx)
	var wg sync.WaitGroup
	// The forks read the snapshot, which is released when the search returns, even by a panic.
	defer func() {
		cancel()
		wg.Wait()
	}()
	n := rk.s.cols.n
	chunks := workers * chunksPerWorker
	var taken atomic.Int64
	// Each worker takes the next range: its cursors only go forward.
	run := func(p *ranking, k *counter, top *topN) error {
		for {
			i := int(taken.Add(1)) - 1
			if i >= chunks {
				return nil
			}
			if err := p.rankRange(ctx, k, top, i*n/chunks, (i+1)*n/chunks); err != nil {
				cancel()
				return err
			}
		}
	}
	type part struct {
		k     *counter
		top   *topN
		err   error
		panic any
	}
	parts := make([]part, workers-1)
	for i := range parts {
		pt := &parts[i]
		wg.Go(func() {
			defer func() {
				if v := recover(); v != nil {
					pt.panic = fmt.Sprintf("%v\n%s", v, debug.Stack())
					cancel()
				}
			}()
			p, err := rk.fork(ctx)
			if err != nil {
				pt.err = err
				cancel()
				return
			}
			defer p.close()
			// Made here rather than by the search's goroutine, so that what this worker
			// writes for every film shares no cache line with what the other writes.
			pt.k, pt.top = k.empty(), newTopN(top.n, top.better)
			pt.err = run(p, pt.k, pt.top)
		})
	}
	errs := []error{run(rk, k, top)}
	wg.Wait()
	for _, pt := range parts {
		if pt.panic != nil {
			panic(fmt.Sprintf("ranking part: %v", pt.panic))
		}
		errs = append(errs, pt.err)
		if pt.k == nil {
			continue // its fork failed
		}
		k.merge(pt.k)
		for _, e := range pt.top.h {
			top.push(e)
		}
	}
	// The first error, not the cancellation it caused in the others.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// fork returns a ranking of rk's plan with cursors and matchers of its own, on a reader of its
// own: Bleve's postings readers are not safe for concurrent use. Closing the fork closes its
// reader.
func (rk *ranking) fork(ctx context.Context) (*ranking, error) {
	r, err := rk.s.reader()
	if err != nil {
		return nil, err
	}
	// Only what open settled is read: rk's first worker is already moving its cursors. What
	// score reads for every film is copied: made beside what the first worker writes for every
	// film, it would share cache lines with it (each worker then took some 50% longer a film
	// than one alone).
	plan := *rk.c
	plan.words, plan.groups = slices.Clone(rk.c.words), slices.Clone(rk.c.groups)
	p := ranking{s: rk.s, c: &plan, r: r, own: r, req: rk.req, all: rk.all, likeness: rk.likeness,
		phrased: slices.Clone(rk.phrased), idf: slices.Clone(rk.idf), decides: slices.Clone(rk.decides)}
	p.scratch()
	for _, lists := range [2][2]*[]*cursor{{&rk.cursors, &p.cursors}, {&rk.passive, &p.passive}} {
		for _, c := range *lists[0] {
			nc, err := c.reopen(ctx, r, rk.s, rk.c.groups[c.group])
			if err != nil {
				p.close()
				return nil, err
			}
			*lists[1] = append(*lists[1], nc)
		}
	}
	for _, q := range rk.c.excluded {
		m, err := newMatcher(ctx, r, rk.s, q)
		if err != nil {
			p.close()
			return nil, err
		}
		p.exclude = append(p.exclude, m)
	}
	return &p, nil
}

// reopen opens the postings (or phrase) of c again on r, before its first film. It reads only
// what open settled, so c may be moving meanwhile.
func (c *cursor) reopen(ctx context.Context, r bindex.IndexReader, s *snapshot, g group) (*cursor, error) {
	nc := cursor{field: c.field, group: c.group, ord: c.ord, param: c.param, avg: c.avg, drive: c.drive, title: c.title, doc: -1}
	if c.ph != nil {
		m, err := newMatcher(ctx, r, s, g.phrase)
		if err != nil {
			return nil, err
		}
		nc.ph = m
		return &nc, nil
	}
	if err := nc.openTerm(ctx, r, g.term, c.field); err != nil {
		return nil, err
	}
	return &nc, nil
}

// clocked is a context whose deadline passes by the clock, not only once its timer has run:
// timers run when a core enters the scheduler, and the workers of a split search hold every
// core without doing so, so a deadline of 1.2 ms was seen 3.8 ms late, after the whole search.
type clocked struct {
	context.Context
	deadline time.Time
}

func byClock(ctx context.Context) context.Context {
	d, ok := ctx.Deadline()
	if !ok {
		return ctx
	}
	return clocked{ctx, d}
}

func (c clocked) Err() error {
	if err := c.Context.Err(); err != nil {
		return err
	}
	if !time.Now().Before(c.deadline) {
		return context.DeadlineExceeded
	}
	return nil
}
