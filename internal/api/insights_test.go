package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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
	in.record("swan lake", 3)
	in.record("Swan  Lake", 3)
	in.record("giselle", 1)
	in.record("zzqxjv", 0)
	in.record("", 42) // browsing is not a query

	now = now.Add(5 * time.Hour)
	in.record("giselle", 1)
	in.record("zzqxjv", 0)
	in.record("zzqxjv", 0)

	rep := in.report(10)
	if rep.Searches != 7 || rep.ZeroResultSearches != 3 {
		t.Errorf("report = %d searches, %d zero; want 7, 3", rep.Searches, rep.ZeroResultSearches)
	}
	want := []QueryCount{{"zzqxjv", 3}, {"giselle", 2}, {"swan lake", 2}}
	if fmt.Sprint(rep.TopQueries) != fmt.Sprint(want) {
		t.Errorf("top queries = %v; want %v", rep.TopQueries, want)
	}
	if got := in.report(1).TopQueries; len(got) != 1 {
		t.Errorf("report(1) = %d queries; want 1", len(got))
	}

	// 20 hours later the first hour has left the 24-hour window.
	now = now.Add(20 * time.Hour)
	rep = in.report(10)
	want = []QueryCount{{"zzqxjv", 2}, {"giselle", 1}}
	if fmt.Sprint(rep.TopQueries) != fmt.Sprint(want) || rep.Searches != 3 {
		t.Errorf("after 25h: %d searches, top %v; want 3, %v", rep.Searches, rep.TopQueries, want)
	}
	// A bucket reused a day later starts empty.
	now = now.Add(19 * time.Hour)
	in.record("odette", 1)
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
		tt.add("swan lake", 3)
	}
	tt.add("giselle", 3)
	tt.add("giselle", 3)
	for i := range 10_000 {
		tt.add(fmt.Sprintf("junk %d", i), 3)
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
	if got, want := fmt.Sprint(rep.TopQueries), "[{nutcracker 4} {zzqxjv 2}]"; got != want {
		t.Errorf("top queries = %s; want %s", got, want)
	}
	if got, want := fmt.Sprint(rep.TopZeroResult), "[{zzqxjv 2}]"; got != want {
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
