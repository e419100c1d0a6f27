package index

import (
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
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
// work budget, the correction budget and the searches running at once.
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
