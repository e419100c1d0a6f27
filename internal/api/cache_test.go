package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

// countingSearcher counts engine searches and can pretend another build is served.
type countingSearcher struct {
	*index.Index
	searches atomic.Int64
	mu       sync.Mutex
	build    string
}

func (c *countingSearcher) Search(ctx context.Context, req index.Request) (*index.Result, error) {
	c.searches.Add(1)
	return c.Index.Search(ctx, req)
}

func (c *countingSearcher) Manifest() index.Manifest {
	m := c.Index.Manifest()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.build != "" {
		m.ID = c.build
	}
	return m
}

func (c *countingSearcher) swap(build string) {
	c.mu.Lock()
	c.build = build
	c.mu.Unlock()
}

func getWith(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestCacheHeaders(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Options{CacheMaxAge: 45e9})
	tests := []struct {
		target    string
		cacheable bool
	}{
		{"/api/search?q=swan&decade=1950s", true},
		{"/api/suggest?q=nut", true},
		{"/api/films/the-nutcracker-1977", true},
		{"/api/search?per_page=0", false},
		{"/api/films/no-such-film-1900", false},
	}
	for _, tt := range tests {
		rec := get(t, h, tt.target)
		etag, cc := rec.Header().Get("ETag"), rec.Header().Get("Cache-Control")
		if tt.cacheable {
			if rec.Code != http.StatusOK || !strings.HasPrefix(etag, `W/"`) || cc != "public, max-age=45, stale-while-revalidate=45" {
				t.Errorf("GET %s = %d, ETag %q, Cache-Control %q; want 200, a weak ETag, max-age=45", tt.target, rec.Code, etag, cc)
			}
		} else if etag != "" || cc != "no-store" {
			t.Errorf("GET %s = %d, ETag %q, Cache-Control %q; want no ETag and no-store", tt.target, rec.Code, etag, cc)
		}
		if v := rec.Header().Values("Vary"); len(v) == 0 || v[0] != "Origin" {
			t.Errorf("GET %s: Vary = %q; want Origin", tt.target, v)
		}
	}
}

func TestETag(t *testing.T) {
	t.Parallel()
	cs := &countingSearcher{Index: testIndex(t)}
	h := newTestHandlerFor(t, cs, Options{})
	etag := func(target string) string { return get(t, h, target).Header().Get("ETag") }

	a := etag("/api/search?q=swan&decade=1950s&sort=year")
	if b := etag("/api/search?sort=year&decade=1950s&q=swan"); a != b {
		t.Errorf("parameter order changed the ETag: %s, %s", a, b)
	}
	if b := etag("/api/search?q=swan&decade=1960s&sort=year"); a == b {
		t.Errorf("different requests share the ETag %s", a)
	}

	// A matching If-None-Match is answered with 304 before any search runs, whatever the
	// spelling of the tag (strong, weak, in a list).
	before := cs.searches.Load()
	for _, inm := range []string{a, strings.TrimPrefix(a, "W/"), `"other", ` + a} {
		rec := getWith(t, h, "/api/search?q=swan&decade=1950s&sort=year", "If-None-Match", inm)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != a {
			t.Errorf("If-None-Match %s = %d, %d bytes, ETag %q; want 304, empty, %s", inm, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), a)
		}
	}
	if n := cs.searches.Load() - before; n != 0 {
		t.Errorf("304 answers ran %d searches; want 0", n)
	}
	if rec := getWith(t, h, "/api/search?q=swan&decade=1950s&sort=year", "If-None-Match", `W/"stale"`); rec.Code != http.StatusOK {
		t.Errorf("a stale If-None-Match = %d; want 200", rec.Code)
	}

	// A new build changes every ETag, so caches revalidate into the new build's answers.
	cs.swap("another-build")
	if b := etag("/api/search?q=swan&decade=1950s&sort=year"); b == a || b == "" {
		t.Errorf("ETag after a swap = %q; want a new one (was %s)", b, a)
	}
	if rec := getWith(t, h, "/api/search?q=swan&decade=1950s&sort=year", "If-None-Match", a); rec.Code != http.StatusOK {
		t.Errorf("the old build's ETag after a swap = %d; want 200", rec.Code)
	}
}

func TestResponseCache(t *testing.T) {
	t.Parallel()
	cs := &countingSearcher{Index: testIndex(t)}
	h := newTestHandlerFor(t, cs, Options{CacheEntries: 2})
	first := get(t, h, "/api/search?q=swan")
	second := get(t, h, "/api/search?q=swan")
	if n := cs.searches.Load(); n != 1 {
		t.Errorf("two equal searches ran %d engine searches; want 1", n)
	}
	if first.Body.String() != second.Body.String() || second.Header().Get("ETag") != first.Header().Get("ETag") ||
		second.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("cached answer differs: %q %q vs %q %q", second.Header(), second.Body, first.Header(), first.Body)
	}
	// Errors are not cached: two of them would have evicted swan from a cache of two.
	get(t, h, "/api/films/no-such-film-1900")
	get(t, h, "/api/search?q=swan&facet_size=0")
	get(t, h, "/api/search?q=swan")
	if n := cs.searches.Load(); n != 1 {
		t.Errorf("errors took cache slots: swan searched %d times; want 1", n)
	}
	// Bounded: a third distinct answer evicts the least recently used.
	before := cs.searches.Load()
	get(t, h, "/api/search?q=giselle")
	get(t, h, "/api/search?q=ballet")
	get(t, h, "/api/search?q=ballet")
	get(t, h, "/api/search?q=swan") // evicted
	if n := cs.searches.Load() - before; n != 3 {
		t.Errorf("after eviction: %d engine searches; want 3 (giselle, ballet, swan again)", n)
	}
	// A swap empties the cache.
	cs.swap("another-build")
	before = cs.searches.Load()
	get(t, h, "/api/search?q=ballet")
	if n := cs.searches.Load() - before; n != 1 {
		t.Errorf("after a swap: %d engine searches; want 1", n)
	}
}

func TestResponseCacheBounds(t *testing.T) {
	t.Parallel()
	c := newResponseCache(3)
	for _, k := range []string{"a", "b", "c", "d"} {
		c.put("b1", k, cacheEntry{body: []byte(k)})
	}
	if c.len() != 3 {
		t.Errorf("cache of 3 holds %d", c.len())
	}
	if _, ok := c.get("b1", "a"); ok {
		t.Errorf("least recently used entry survived")
	}
	if _, ok := c.get("b2", "d"); ok || c.len() != 0 {
		t.Errorf("a new build did not empty the cache: %d entries", c.len())
	}
	if newResponseCache(0) != nil {
		t.Errorf("newResponseCache(0) != nil; want the cache off")
	}
}

// TestAttackIfNoneMatchStar sends If-None-Match: * with requests that are errors. "*" was
// answered 304 before the handler ran, so a 400 or a 404 turned into "not modified", and a
// shared cache could keep serving a stale 200 for them. Now "*" is a 304 only when the answer
// would be a 200, from the cache or not.
func TestAttackIfNoneMatchStar(t *testing.T) {
	t.Parallel()
	for _, entries := range []int{0, 16} {
		h := newTestHandler(t, Options{CacheEntries: entries})
		for _, tt := range []struct {
			target string
			want   int
		}{
			{"/api/films/no-such-film-1900", http.StatusNotFound},
			{"/api/films/..", http.StatusBadRequest},
			{"/api/search?page=0", http.StatusBadRequest},
			{"/api/search?q=swan&q=lake", http.StatusBadRequest},
			{"/api/suggest?limit=99", http.StatusBadRequest},
			{"/api/search?q=swan", http.StatusNotModified},
			{"/api/search?q=swan", http.StatusNotModified}, // again: from the cache when on
			{"/api/films/giselle-1975", http.StatusNotModified},
		} {
			rec := getWith(t, h, tt.target, "If-None-Match", "*")
			if rec.Code != tt.want {
				t.Errorf("cache %d: GET %s with If-None-Match: * = %d; want %d", entries, tt.target, rec.Code, tt.want)
			}
			if rec.Code == http.StatusNotModified && (rec.Body.Len() != 0 || rec.Header().Get("ETag") == "") {
				t.Errorf("cache %d: GET %s: 304 with %d bytes, ETag %q; want empty, with an ETag", entries, tt.target, rec.Body.Len(), rec.Header().Get("ETag"))
			}
		}
	}
}

// blockedLog holds each access log line of a search until release is closed.
type blockedLog struct{ release chan struct{} }

func (l blockedLog) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte(`"path":"/api/search"`)) {
		select {
		case <-l.release:
		case <-time.After(10 * time.Second):
		}
	}
	return len(p), nil
}

// TestAnswerBeforeAccessLog: a first-time answer reaches the reader whole while its access log
// line is still being written, for a gzipped answer, a plain one and one too short to gzip.
func TestAnswerBeforeAccessLog(t *testing.T) {
	log := blockedLog{release: make(chan struct{})}
	srv := httptest.NewServer(NewServer(testIndex(t), Options{Logger: zerolog.New(log), RatePerSecond: -1, CacheEntries: 8}))
	defer srv.Close()
	defer close(log.release) // before the server closes: it waits for the lines held
	for _, c := range []struct{ target, encoding string }{
		{"/api/search?q=love&per_page=50", "gzip"},
		{"/api/search?q=ballet", "identity"},
		{"/api/search?q=zzqxv", "gzip"},
	} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+c.target, nil)
		if c.encoding != "" {
			req.Header.Set("Accept-Encoding", c.encoding)
		}
		// A connection of its own: the last one is still busy logging.
		client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.target, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || strconv.Itoa(len(body)) != resp.Header.Get("Content-Length") {
			t.Fatalf("%s: %d, %d bytes of %s, %v; want the whole answer before the log line", c.target, resp.StatusCode, len(body), resp.Header.Get("Content-Length"), err)
		}
		if resp.Header.Get("Content-Encoding") == "gzip" {
			body = ungzip(t, body)
		} else if c.encoding == "gzip" && len(body) >= minGzipBytes {
			t.Errorf("%s: %d bytes not gzipped", c.target, len(body))
		}
		if !json.Valid(body) {
			t.Errorf("%s: %q is not JSON", c.target, body)
		}
	}
}
