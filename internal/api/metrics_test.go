package api

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

// scrape returns the series of GET /metrics by name with labels, as written in the text format.
func scrape(t *testing.T, h http.Handler) map[string]float64 {
	t.Helper()
	rec := get(t, h, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d; want 200", rec.Code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Options{Version: "v-test", CacheEntries: 8})
	for _, target := range []string{
		"/api/search?q=nutcracker",
		"/api/search?q=nutcracker", // a cache hit: no second engine search
		"/api/search?q=zzqxjv",
		"/api/search?per_page=0",
		"/api/films/no-such-film-1900",
		"/no/such/path",
	} {
		get(t, h, target)
	}
	m := scrape(t, h)
	man := testIndex(t).Manifest()
	tests := []struct {
		series string
		want   float64
	}{
		{`searchd_http_requests_total{code="200",route="/api/search"}`, 3},
		{`searchd_http_requests_total{code="400",route="/api/search"}`, 1},
		{`searchd_http_requests_total{code="404",route="/api/films/{id}"}`, 1},
		{`searchd_http_requests_total{code="404",route="unmatched"}`, 1},
		{`searchd_http_request_duration_seconds_count{route="/api/search"}`, 4},
		{`searchd_search_duration_seconds_count`, 2},
		{`searchd_search_hits_count`, 2},
		{`searchd_search_hits_bucket{le="0"}`, 1},
		{`searchd_search_zero_results_total`, 1},
		{`searchd_response_cache_requests_total{result="hit"}`, 1},
		{`searchd_response_cache_requests_total{result="miss"}`, 4},
		{`searchd_rate_limited_total`, 0},
		{`searchd_shed_total`, 0},
		{`searchd_index_documents`, float64(man.DocCount)},
		{`searchd_build_info{build_id="` + man.ID + `",version="v-test"}`, 1},
		{`searchd_index_swaps_total`, 0},
	}
	for _, tt := range tests {
		if got, ok := m[tt.series]; !ok || got != tt.want {
			t.Errorf("%s = %v (present %v); want %v", tt.series, got, ok, tt.want)
		}
	}
	if m["searchd_search_duration_seconds_sum"] <= 0 {
		t.Errorf("searchd_search_duration_seconds_sum = %v; want > 0", m["searchd_search_duration_seconds_sum"])
	}
	for _, name := range []string{"searchd_build_age_seconds", "go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := m[name]; !ok {
			t.Errorf("%s missing from /metrics", name)
		}
	}
}

func TestMetricsRateLimitedAndShed(t *testing.T) {
	t.Parallel()
	// Rate limit: a burst of one, so the second request is refused.
	h := newTestHandlerFor(t, testIndex(t), Options{RatePerSecond: 0.001, RateBurst: 1})
	get(t, h, "/api/search?q=swan")
	if rec := get(t, h, "/api/search?q=swan"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("second request = %d; want 429", rec.Code)
	}
	if got := scrape(t, h)["searchd_rate_limited_total"]; got != 1 {
		t.Errorf("searchd_rate_limited_total = %v; want 1", got)
	}

	// Shedding: one search slot, held by a search that waits.
	bs := &blockingSearcher{Index: testIndex(t), entered: make(chan struct{}), release: make(chan struct{})}
	h = newTestHandlerFor(t, bs, Options{MaxConcurrent: 1})
	var wg sync.WaitGroup
	wg.Go(func() { get(t, h, "/api/search?q=swan") })
	<-bs.entered
	if rec := get(t, h, "/api/search?q=ballet"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("search while the only slot is taken = %d; want 503", rec.Code)
	}
	close(bs.release)
	wg.Wait()
	if got := scrape(t, h)["searchd_shed_total"]; got != 1 {
		t.Errorf("searchd_shed_total = %v; want 1", got)
	}
}

// TestMetricsRegistryPerServer: many servers in one process, each with its own series.
func TestMetricsRegistryPerServer(t *testing.T) {
	t.Parallel()
	a, b := newTestHandler(t, Options{}), newTestHandler(t, Options{})
	get(t, a, "/api/search?q=swan")
	if got := scrape(t, b)[`searchd_search_duration_seconds_count`]; got != 0 {
		t.Errorf("server b counted server a's search: %v", got)
	}
}

type blockingSearcher struct {
	*index.Index
	once             sync.Once
	entered, release chan struct{}
}

func (b *blockingSearcher) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	b.once.Do(func() { close(b.entered) })
	<-b.release
	return b.Index.Search(ctx, req)
}

func newTestHandlerFor(t testing.TB, s Searcher, opts Options) http.Handler {
	t.Helper()
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = -1
	}
	opts.Logger = zerolog.Nop()
	return NewServer(s, opts)
}
