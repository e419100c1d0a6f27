package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"filmsearch/internal/index"
)

func TestNormalizeQuery(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Nutcracker", "nutcracker"},
		{"  The   Nutcracker\t", "the nutcracker"},
		{"SWAN\nLake", "swan lake"},
		{"ÉCOLE de danse", "école de danse"},
		{"   ", ""},
		{strings.Repeat("é", 80), strings.Repeat("é", maxInsightQuery/2)},
	}
	for _, tt := range tests {
		if got := normalizeQuery(tt.in); got != tt.want {
			t.Errorf("normalizeQuery(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestInsightsWindow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	in := newInsights()
	in.now = func() time.Time { return now }
	in.record("swan lake", 3, native)
	in.record("Swan  Lake", 3, native)
	in.record("giselle", 1, native)
	in.record("zzqxjv", 0, native)
	in.record("", 42, native) // browsing is not a query

	now = now.Add(5 * time.Hour)
	in.record("giselle", 1, native)
	in.record("zzqxjv", 0, native)
	in.record("zzqxjv", 0, native)

	rep := in.report(10)
	if rep.Searches != 7 || rep.ZeroResultSearches != 3 {
		t.Errorf("report = %d searches, %d zero; want 7, 3", rep.Searches, rep.ZeroResultSearches)
	}
	want := []QueryCount{{"zzqxjv", 3, 3, 0}, {"giselle", 2, 2, 0}, {"swan lake", 2, 2, 0}}
	if fmt.Sprint(rep.TopQueries) != fmt.Sprint(want) {
		t.Errorf("top queries = %v; want %v", rep.TopQueries, want)
	}
	if got := in.report(1).TopQueries; len(got) != 1 {
		t.Errorf("report(1) = %d queries; want 1", len(got))
	}

	// 20 hours later the first hour has left the 24-hour window.
	now = now.Add(20 * time.Hour)
	rep = in.report(10)
	want = []QueryCount{{"zzqxjv", 2, 2, 0}, {"giselle", 1, 1, 0}}
	if fmt.Sprint(rep.TopQueries) != fmt.Sprint(want) || rep.Searches != 3 {
		t.Errorf("after 25h: %d searches, top %v; want 3, %v", rep.Searches, rep.TopQueries, want)
	}
	// A bucket reused a day later starts empty.
	now = now.Add(19 * time.Hour)
	in.record("odette", 1, native)
	if rep := in.report(10); rep.Searches != 1 {
		t.Errorf("a day after the last search: %d searches, %v; want only the new one", rep.Searches, rep.TopQueries)
	}
}

// TestTopTableBounded: a flood of one-off queries churns the least frequent slot and leaves
// frequent queries counted.
func TestTopTableBounded(t *testing.T) {
	t.Parallel()
	var tt topTable
	for range 5 {
		tt.add("swan lake", 3, native)
	}
	tt.add("giselle", 3, native)
	tt.add("giselle", 3, native)
	for i := range 10_000 {
		tt.add(fmt.Sprintf("junk %d", i), 3, native)
	}
	if len(tt.m) != 3 {
		t.Fatalf("table holds %d keys; want at most 3", len(tt.m))
	}
	if tt.m["swan lake"] == nil || tt.m["swan lake"].n != 5 || tt.m["giselle"] == nil || tt.m["giselle"].n != 2 {
		t.Errorf("frequent queries lost to a flood: %v", tt.m)
	}
}

func TestInsightsEndpoint(t *testing.T) {
	t.Parallel()
	const key = "k"
	h := newTestHandler(t, Options{AdminKey: key, CacheEntries: 8})
	for _, target := range []string{
		"/api/search?q=Nutcracker",
		"/api/search?q=%20nutcracker%20%20",          // same query, other spelling
		"/api/search?q=nutcracker",                   // a cache hit counts too
		"/api/search?q=nutcracker&decade=1970s",      // filters are ignored
		"/api/search?q=nutcracker&page=2&per_page=1", // paging is the same search
		"/api/search?q=zzqxjv",
		"/api/search?q=ZZQXJV",
		"/api/search?q=swan",
		"/api/search", // browsing
	} {
		if rec := get(t, h, target); rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d", target, rec.Code)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/api/admin/insights?limit=2", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("insights = %d: %s", rec.Code, rec.Body)
	}
	var rep InsightReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(rep.TopQueries), "[{nutcracker 4 4 0} {zzqxjv 2 2 0}]"; got != want {
		t.Errorf("top queries = %s; want %s", got, want)
	}
	if got, want := fmt.Sprint(rep.TopZeroResult), "[{zzqxjv 2 2 0}]"; got != want {
		t.Errorf("top zero-result queries = %s; want %s", got, want)
	}
	if rep.Searches != 7 || rep.ZeroResultSearches != 2 || rep.WindowSeconds != 86400 {
		t.Errorf("report = %+v; want 7 searches, 2 zero-result, a day's window", rep)
	}
	// Nothing about who searched: httptest's client address is 192.0.2.1.
	if strings.Contains(rec.Body.String(), "192.0.2.1") {
		t.Errorf("insights mention a client address: %s", rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("insights Cache-Control = %q; want no-store", cc)
	}
	// Without the key, nothing.
	if rec := get(t, h, "/api/admin/insights"); rec.Code != http.StatusUnauthorized {
		t.Errorf("insights without a key = %d; want 401", rec.Code)
	}
}

// TestInsightsInstantSearch: searches through the InstantSearch protocol count beside native
// ones when the server and the protocol share Stats; facet-count requests do not.
func TestInsightsInstantSearch(t *testing.T) {
	t.Parallel()
	st := NewStats()
	h := newTestHandler(t, Options{AdminKey: "k", Stats: st})
	is := st.ObserveInstantSearch(testIndex(t))
	for _, req := range []index.Request{
		{Query: "Nutcracker", Page: 1, PerPage: 20},
		{Query: "nutcracker", Page: 1, PerPage: 1},  // a facet count of the same batch
		{Query: "nutcracker", Page: 2, PerPage: 20}, // the next page
		{Query: "zzqxjv", Page: 1, PerPage: 20},
	} {
		if _, err := is.Search(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	get(t, h, "/api/search?q=nutcracker")
	req := httptest.NewRequest(http.MethodGet, "/api/admin/insights", nil)
	req.Header.Set("Authorization", "Bearer k")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var rep InsightReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(rep.TopQueries), "[{nutcracker 2 1 1} {zzqxjv 1 0 1}]"; got != want {
		t.Errorf("top queries = %s; want %s", got, want)
	}
	if rep.Searches != 3 || rep.InstantSearch != 2 || rep.ZeroResultSearches != 1 {
		t.Errorf("report = %+v; want 3 searches, 2 of them InstantSearch, 1 zero-result", rep)
	}
}

func TestTrafficSeries(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 30, 20, 0, time.UTC)
	tr := newTraffic()
	tr.now = func() time.Time { return now }
	for i := range 100 {
		tr.record(native, 1, time.Duration(i+1)*time.Millisecond/10) // 0.1 .. 10 ms
	}
	tr.count(instantSearch, 0)
	now = now.Add(3 * time.Minute)
	tr.record(instantSearch, 0, 2*time.Millisecond)
	s := tr.series(6, 10) // the last hour, in 10-minute slots
	last := s[len(s)-1]
	if len(s) != 6 || last.Total() != 102 || last.Searches[instantSearch] != 2 || last.Zero != 2 {
		t.Fatalf("series = %+v; want the last slot with 102 searches, 2 InstantSearch, 2 zero", s[len(s)-1])
	}
	p50, _ := last.Percentile(50)
	p99, _ := last.Percentile(99)
	if p50 < 5 || p50 > 5*latGrowth || p99 < 9.9 || p99 > 9.9*latGrowth {
		t.Errorf("p50 = %.2f, p99 = %.2f ms; want about 5 and 9.9, at most 25%% above", p50, p99)
	}
	if _, ok := s[0].Percentile(50); ok {
		t.Error("an empty slot has a percentile")
	}
	// A day later the minute's bucket is reused, empty.
	now = now.Add(24 * time.Hour)
	if s := tr.series(144, 10); s[len(s)-1].Total() != 0 {
		t.Errorf("a day later the current slot has %d searches; want 0", s[len(s)-1].Total())
	}
}
