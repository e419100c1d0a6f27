package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

func TestAcceptsGzip(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, GZIP;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"identity", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"deflate, x-gzip", true},
	} {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v; want %v", tt.header, got, tt.want)
		}
	}
}

func send(h http.Handler, target, acceptEncoding string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func ungzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameAnswer compares two search answers but for took_ms.
func sameAnswer(t *testing.T, what string, a, b []byte) {
	t.Helper()
	var x, y map[string]any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v: %.200s", what, err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v: %.200s", what, err, b)
	}
	delete(x, "took_ms")
	delete(y, "took_ms")
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	if !bytes.Equal(xs, ys) {
		t.Errorf("%s: answers differ:\n%s\n%s", what, xs, ys)
	}
}

// TestGzip: JSON answers are gzipped for clients that accept it, with Vary, from the response
// cache too, which keeps one compressed copy; other clients get the same JSON plain.
func TestGzip(t *testing.T) {
	for _, entries := range []int{0, 16} {
		h := newTestHandler(t, Options{CacheEntries: entries})
		const target = "/api/search?q=ballet&per_page=50"
		plain := send(h, target, "")
		for i := range 2 { // a miss, then (with the cache) a hit
			gz := send(h, target, "gzip, br")
			if gz.Code != 200 || gz.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("cache %d, request %d: %d, Content-Encoding %q; want 200 gzip", entries, i, gz.Code, gz.Header().Get("Content-Encoding"))
			}
			if !strings.Contains(strings.Join(gz.Header().Values("Vary"), ","), "Accept-Encoding") {
				t.Errorf("cache %d: Vary = %q; want Accept-Encoding", entries, gz.Header().Values("Vary"))
			}
			if gz.Body.Len() >= plain.Body.Len()/2 {
				t.Errorf("cache %d: gzipped %d bytes, plain %d; want less than half", entries, gz.Body.Len(), plain.Body.Len())
			}
			sameAnswer(t, "gzip vs plain", ungzip(t, gz.Body.Bytes()), plain.Body.Bytes())
		}
		again := send(h, target, "gzip;q=0")
		if again.Header().Get("Content-Encoding") != "" || !strings.Contains(strings.Join(again.Header().Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("cache %d: gzip;q=0 got Content-Encoding %q, Vary %q; want plain with Vary", entries, again.Header().Get("Content-Encoding"), again.Header().Values("Vary"))
		}
		sameAnswer(t, "plain from the cache", again.Body.Bytes(), plain.Body.Bytes())

		// Errors are JSON too; a short one is not worth compressing.
		bad := send(h, "/api/search?per_page=0", "gzip")
		if bad.Code != 400 || bad.Header().Get("Content-Encoding") != "" || !json.Valid(bad.Body.Bytes()) {
			t.Errorf("cache %d: short error = %d %q; want a plain 400 envelope", entries, bad.Code, bad.Header().Get("Content-Encoding"))
		}
		// Not JSON: not compressed here.
		if m := send(h, "/", "gzip"); m.Header().Get("Content-Type") != "" && strings.HasPrefix(m.Header().Get("Content-Type"), "text/html") && m.Header().Get("Content-Encoding") == "gzip" {
			t.Errorf("the demo page was gzipped by the JSON compressor")
		}
	}
}

// TestCacheStoresCompressed: a cached answer is stored once, gzipped, and a hit sends the
// stored bytes as they are.
func TestCacheStoresCompressed(t *testing.T) {
	srv := newServer(testIndex(t), Options{Logger: zerolog.Nop(), RatePerSecond: -1, CacheEntries: 8})
	h := srv.routes()
	const target = "/api/search?q=love&per_page=50"
	first := send(h, target, "gzip")
	second := send(h, target, "gzip")
	if !bytes.Equal(first.Body.Bytes(), second.Body.Bytes()) {
		t.Error("a hit sent other bytes than the miss that stored them")
	}
	srv.cache.mu.Lock()
	defer srv.cache.mu.Unlock()
	if srv.cache.order.Len() != 1 {
		t.Fatalf("cache holds %d entries; want 1", srv.cache.order.Len())
	}
	it := srv.cache.order.Front().Value.(*cacheItem)
	if !it.gzipped || !bytes.Equal(it.body, second.Body.Bytes()) || srv.cache.bytes != len(it.body) {
		t.Errorf("stored entry: gzipped %v, %d bytes (cache counts %d), sent %d; want the gzipped bytes sent, counted as stored",
			it.gzipped, len(it.body), srv.cache.bytes, second.Body.Len())
	}
}

// BenchmarkGzip: compressing one answer of 10 films as the cache stores it, and as a miss
// streams it.
func BenchmarkGzip(b *testing.B) {
	h := newTestHandler(b, Options{})
	body := send(h, "/api/search?per_page=10&sort=title", "").Body.Bytes()
	b.Run("store", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = len(gzipBytes(body))
		}
		b.ReportMetric(float64(n), "gzip-bytes")
		b.ReportMetric(float64(len(body)), "json-bytes")
	})
	b.Run("stream", func(b *testing.B) {
		compressed := compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write(body)
		}))
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		var n int
		for b.Loop() {
			rec := httptest.NewRecorder()
			compressed.ServeHTTP(rec, req)
			n = rec.Body.Len()
		}
		b.ReportMetric(float64(n), "gzip-bytes")
	})
}
