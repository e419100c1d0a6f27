package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// searchIDs returns the ids of every hit of req, in order, with the total.
func searchIDs(t *testing.T, ix *Index, req Request) ([]string, int) {
	t.Helper()
	req.PerPage = MaxPerPage
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		t.Fatalf("%+v: %v", req, err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, res.Total
}

// TestPlanKeepsResults: the plan (the rarest word drives match=all, phrases drive their
// films) only saves work; hits, their order and the totals are those of the plain plan, where
// every word finds films.
func TestPlanKeepsResults(t *testing.T) {
	ix := testCollection(t)
	var reqs []Request
	for _, q := range []string{"swan lake", "ballet love", "tragic love ballet", "the bolshoi ballet theatre",
		`"swan lake"`, `"swan lake" bolshoi`, `ballet "romeo and juliet"`, `"the nutcracker" ballet -swan`,
		"film ballet music dance love", "revolution", "gisele pushkin"} {
		reqs = append(reqs, Request{Query: q}, Request{Query: q, Match: MatchAll})
	}
	for _, req := range reqs {
		planning = false
		want, wantTotal := searchIDs(t, ix, req)
		planning = true
		got, gotTotal := searchIDs(t, ix, req)
		if gotTotal != wantTotal || !slices.Equal(got, want) {
			t.Errorf("%q match=%q: planned %d %v; plain %d %v", req.Query, req.Match, gotTotal, got, wantTotal, want)
		}
	}
}

// TestBudgetKeepsHits: a query over the work budget drops words that only score, so the films
// it finds, and so the total and facets, stay the same; only their order may change.
func TestBudgetKeepsHits(t *testing.T) {
	ix := testCollection(t)
	defer func(b uint64) { workBudget = b }(workBudget)
	for _, q := range []string{"swan lake ballet bolshoi kirov love tragic revolution", "ballet love"} {
		req := Request{Query: q}
		workBudget = 1 << 62
		want, wantTotal := searchIDs(t, ix, req)
		workBudget = 1
		got, gotTotal := searchIDs(t, ix, req)
		slices.Sort(want)
		slices.Sort(got)
		if gotTotal != wantTotal || !slices.Equal(got, want) {
			t.Errorf("%q over budget: %d %v; within %d %v", q, gotTotal, got, wantTotal, want)
		}
	}
}

// TestQueuedSearchGivesUpOnTime: with every place taken, a search waits for one only until
// its deadline, and gets one as soon as a place is free.
func TestQueuedSearchGivesUpOnTime(t *testing.T) {
	ix := testCollection(t)
	for range cap(ix.running) {
		ix.running <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := ix.Search(ctx, Request{Query: "swan"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Search while every place is taken = %v; want context.DeadlineExceeded", err)
	}
	if _, err := ix.Suggest(ctx, "swa", 3); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Suggest while every place is taken = %v; want context.DeadlineExceeded", err)
	}
	<-ix.running
	if _, err := ix.Search(context.Background(), Request{Query: "swan"}); err != nil {
		t.Errorf("Search with a place free: %v", err)
	}
	for range cap(ix.running) - 1 {
		<-ix.running
	}
}

// TestPlanLimitsDocumented ties the README's limits table to the query plan's limits: the
// work budget, the split threshold, the correction budget and the searches running at once.
func TestPlanLimitsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := func(key string) string {
		for line := range strings.Lines(string(readme)) {
			if strings.HasPrefix(line, "|") && strings.Contains(line, key) {
				return line
			}
		}
		t.Fatalf("README has no limits row naming %s", key)
		return ""
	}
	thousands := func(n int) string {
		s := strconv.Itoa(n)
		for i := len(s) - 3; i > 0; i -= 3 {
			s = s[:i] + "," + s[i:]
		}
		return s
	}
	for key, want := range map[string]string{
		"`workBudget`":   "| " + thousands(int(workBudget)) + " |",
		"`splitWork`":    "| " + thousands(int(splitWork)) + " |",
		"`maxTypoNodes`": thousands(maxTypoNodes) + " nodes",
		"`maxTypoWords`": strconv.Itoa(maxTypoWords) + " words",
	} {
		if r := row(key); !strings.Contains(r, want) {
			t.Errorf("README row of %s does not say %q:\n%s", key, want, r)
		}
	}
	ix := testCollection(t)
	if r := row("`Index.running`"); cap(ix.running) != 2*runtime.GOMAXPROCS(0) || !strings.Contains(r, "| 2 × cores |") {
		t.Errorf("searches at once: %d for %d cores; README row:\n%s", cap(ix.running), runtime.GOMAXPROCS(0), r)
	}
}

// splitRequests are requests that take every path of a ranking: words, phrases, exclusions,
// match=all, filters, facets, the other sorts and deep pages.
func splitRequests(queries []string) []Request {
	var reqs []Request
	for _, q := range queries {
		reqs = append(reqs,
			Request{Query: q},
			Request{Query: q, Match: MatchAll},
			Request{Query: q, Sort: SortYear, Page: 2, PerPage: 5},
			Request{Query: q, Sort: SortYearDesc, Decades: []string{"1970s", "1980s"}},
			Request{Query: q, Sort: SortTitle, YearMin: 1960, YearMax: 1990, Conjunctive: true},
			Request{Query: q, Page: 3, PerPage: 7, Facets: []string{FacetDecade}},
		)
	}
	return reqs
}

// compareSplit runs each request on s in one pass and split across workers at every size of
// work, and fails on any difference in the whole result. It returns how many were split.
func compareSplit(t *testing.T, s *snapshot, reqs []Request) int {
	t.Helper()
	defer func(w uint64) { splitWork = w }(splitWork)
	var lent atomic.Int64
	lend := func(n int) (int, func()) { lent.Add(1); return n, func() {} }
	ctx := context.Background()
	for _, req := range reqs {
		splitWork = math.MaxUint64
		want, err := s.search(ctx, req, lend)
		if err != nil {
			t.Fatalf("%+v: %v", req, err)
		}
		splitWork = 0
		got, err := s.search(ctx, req, lend)
		if err != nil {
			t.Fatalf("%+v split: %v", req, err)
		}
		want.TookMS, got.TookMS = 0, 0
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%+v: split gives %d hits of %d %v; one pass %d of %d %v",
				req, len(got.Hits), got.Total, hitIDs(got), len(want.Hits), want.Total, hitIDs(want))
		}
		// Scores before they are rounded, to the last bit, and the counts of every facet.
		splitWork = math.MaxUint64
		wantES, wantK := rankEntries(t, s, req, lend)
		splitWork = 0
		gotES, gotK := rankEntries(t, s, req, lend)
		if !slices.Equal(gotES, wantES) || !reflect.DeepEqual(gotK, wantK) {
			t.Errorf("%+v: split ranks %d films (%d counted); one pass %d (%d)", req, len(gotES), gotK.total, len(wantES), wantK.total)
		}
	}
	return int(lent.Load())
}

func hitIDs(res *Result) []string {
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, fmt.Sprintf("%s:%g", h.ID, h.Score))
	}
	return ids
}

// TestSplitKeepsResults: a query ranked in parts at once finds the same hits, in the same
// order with the same scores, and the same total and facets as in one pass. Four workers
// (sixteen ranges) on a collection of a few dozen films put a boundary between most films.
func TestSplitKeepsResults(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	ix := testCollection(t)
	s := ix.acquire()
	defer s.release()
	reqs := splitRequests([]string{"swan lake", "ballet love", "tragic love ballet", "the bolshoi ballet theatre",
		`"swan lake"`, `"swan lake" bolshoi`, `ballet "romeo and juliet"`, `"the nutcracker" ballet -swan`,
		"ballet -love", "dance -ballet -swan", "film ballet music dance love", "revolution", "gisele pushkin",
		"balet swn", "dancers", "swanlake", "", "kirov and the bolshoi"})
	if split := compareSplit(t, s, reqs); split == 0 {
		t.Errorf("no request of %d was split", len(reqs))
	}
}

// keptBuild opens the kept benchmark build of the 36k films, closed when t ends; t is
// skipped without one.
func keptBuild(t *testing.T) *Index {
	t.Helper()
	root := os.Getenv("FILMSEARCH_BENCH_INDEX")
	if root == "" || testing.Short() {
		t.Skip("set FILMSEARCH_BENCH_INDEX to a kept benchmark build")
	}
	ix, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// TestSplitKeepsResults36k is TestSplitKeepsResults on the kept benchmark build and its
// queries, where the parts hold thousands of films each.
func TestSplitKeepsResults36k(t *testing.T) {
	ix := keptBuild(t)
	dir := "../../../shared/data" // beside the benchmark corpus, as internal/perf finds them
	if c := os.Getenv("FILMSEARCH_BENCH_CORPUS"); c != "" {
		dir = filepath.Dir(c)
	}
	queries, err := os.ReadFile(filepath.Join(dir, "benchmark-queries.txt"))
	if err != nil {
		t.Skip(err)
	}
	s := ix.acquire()
	defer s.release()
	var qs []string
	for line := range strings.Lines(string(queries)) {
		if q := strings.TrimSpace(line); q != "" {
			qs = append(qs, q)
		}
	}
	qs = append(qs, `"silent comedy"`, `comedy -silent`, `"world war" drama`)
	if split := compareSplit(t, s, splitRequests(qs)); split == 0 {
		t.Errorf("no request was split")
	}
}

// TestLendKeepsToSpareCores: a search is lent places for helpers only while fewer searches
// than cores run and a core is idle, and never more than are free.
func TestLendKeepsToSpareCores(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	ix := testCollection(t)
	ix.running = make(chan struct{}, 4)
	ix.running <- struct{}{} // the search itself
	got, giveBack := 0, func() {}
	for range 100 { // the collector's workers may hold the other core for a moment
		if got, giveBack = ix.lend(3); got > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if got != 1 || len(ix.running) != 2 {
		t.Errorf("lend(3) with one search of 2 cores = %d, %d places taken; want 1, 2", got, len(ix.running))
	}
	giveBack()
	if len(ix.running) != 1 {
		t.Errorf("given back: %d places taken; want 1", len(ix.running))
	}
	ix.running <- struct{}{} // another search
	if got, _ := ix.lend(3); got != 0 {
		t.Errorf("lend(3) with two searches on 2 cores = %d; want 0", got)
	}
	<-ix.running
	// One search, but the other core busy with other work of the process: nothing to lend.
	var stop atomic.Bool
	spinning := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()
	wg.Go(func() {
		close(spinning)
		for n := 0; !stop.Load(); n++ { // busy, never waiting
		}
	})
	<-spinning
	if got, _ := ix.lend(3); got != 0 {
		t.Errorf("lend(3) with one search and a busy goroutine on 2 cores = %d; want 0", got)
	}
}

// rankEntries ranks req's first hits as run does, before they are rounded into a Result.
func rankEntries(t *testing.T, s *snapshot, req Request, lend lender) ([]entry, *counter) {
	t.Helper()
	ctx := context.Background()
	if err := req.normalize(); err != nil {
		t.Fatal(err)
	}
	pq, err := parseQuery(req.Query)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.reader()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := s.compile(ctx, r, pq)
	if err != nil {
		t.Fatal(err)
	}
	k := newCounter(s.cols, req)
	rk := &ranking{s: s, c: c, r: r, req: req, all: req.Match == MatchAll, lend: lend}
	defer rk.close()
	if err := rk.open(ctx); err != nil {
		t.Fatal(err)
	}
	es, err := rk.rank(ctx, k, MaxDepth)
	if err != nil {
		t.Fatal(err)
	}
	return es, k
}

// TestSplitStopsAtDeadline: a split search stops every worker at its deadline. On the kept
// benchmark build, "silent comedy" with a deadline a quarter of what it takes answers the
// deadline error before it would have finished; on any build, a search cancelled as its
// workers start answers the cancellation.
func TestSplitStopsAtDeadline(t *testing.T) {
	defer func(w uint64) { splitWork = w }(splitWork)
	splitWork = 0
	ix := testCollection(t)
	s := ix.acquire()
	defer s.release()
	ctx, cancel := context.WithCancel(context.Background())
	lend := func(n int) (int, func()) { cancel(); return n, func() {} }
	if _, err := s.search(ctx, Request{Query: "ballet love"}, lend); !errors.Is(err, context.Canceled) {
		t.Errorf("split search cancelled as it splits = %v; want context.Canceled", err)
	}

	big := keptBuild(t)
	bs := big.acquire()
	defer bs.release()
	always := func(n int) (int, func()) { return n, func() {} }
	req := Request{Query: "silent comedy"}
	full := time.Hour
	for range 3 {
		start := time.Now()
		if _, err := bs.search(context.Background(), req, always); err != nil {
			t.Fatal(err)
		}
		full = min(full, time.Since(start))
	}
	ctx, cancel = context.WithTimeout(context.Background(), full/4)
	defer cancel()
	start := time.Now()
	_, err := bs.search(ctx, req, always)
	took := time.Since(start)
	t.Logf("%q takes %v; with a deadline of %v, %v", req.Query, full, full/4, took)
	// Before it would have finished: on a loaded machine (load 8) three quarters of it was
	// sometimes not enough for the scheduler.
	if !errors.Is(err, context.DeadlineExceeded) || took >= full {
		t.Errorf("split search with a deadline of %v = %v after %v; want the deadline error before %v", full/4, err, took, full)
	}
}

// TestDirectPostingsAgree: reading zap's postings directly finds the films Bleve's term reader
// finds, in the same order, with the same scores (to float32's precision, which the reader's
// 1/sqrt(length) keeps).
func TestDirectPostingsAgree(t *testing.T) {
	ix := testCollection(t)
	for _, q := range []string{"swan lake", "ballet love", "tragic love ballet", "the bolshoi ballet theatre",
		`"swan lake" bolshoi`, "revolution", "gisele pushkin", "film ballet music dance love", "kirov"} {
		for _, match := range []string{MatchMost, MatchAll} {
			req := Request{Query: q, Match: match, PerPage: MaxPerPage}
			direct.off = true
			want, err := ix.Search(context.Background(), req)
			direct.off = false
			if err != nil {
				t.Fatal(err)
			}
			got, err := ix.Search(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Total != want.Total || len(got.Hits) != len(want.Hits) {
				t.Fatalf("%q %s: direct %d hits of %d; term reader %d of %d", q, match, len(got.Hits), got.Total, len(want.Hits), want.Total)
			}
			for i := range got.Hits {
				g, w := got.Hits[i], want.Hits[i]
				if g.ID != w.ID || math.Abs(g.Score-w.Score) > 1e-6*max(1, math.Abs(w.Score)) {
					t.Errorf("%q %s, hit %d: direct %s %.9f; term reader %s %.9f", q, match, i, g.ID, g.Score, w.ID, w.Score)
				}
			}
		}
	}
}
