package api

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// fill tracks n distinct active clients in l.
func fill(l *rateLimiter, n int) {
	for i := range n {
		l.allow(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
	}
}

// TestAttackRateLimiterFull fills the table with 100,000 active clients. Before, every request
// then scanned the table under one lock (3,900 -> 178 req/s) and all new clients shared one
// bucket, so one of them could starve the rest. Now each new client gets its own bucket and a
// request costs the same at any table size.
func TestAttackRateLimiterFull(t *testing.T) {
	l := newRateLimiter(1.0/60, 3)
	fill(l, maxClients)
	if n := l.size(); n > maxClients {
		t.Fatalf("table holds %d clients; want at most %d", n, maxClients)
	}
	// A new client spends its burst; another new client still has its own.
	for i := range 3 {
		if !l.allow("198.51.100.1") {
			t.Fatalf("new client A, request %d refused; want its own burst of 3", i+1)
		}
	}
	if l.allow("198.51.100.1") {
		t.Error("new client A, request 4 allowed; want refused")
	}
	if !l.allow("198.51.100.2") {
		t.Error("new client B refused after A spent its burst: new clients share a bucket")
	}

	// 5,000 requests from new clients at a full table: the old table took 5-25 ms each
	// (minutes in all); a sharded one takes microseconds. The bound is loose for -race and a
	// busy machine.
	start := time.Now()
	for i := range 5000 {
		l.allow(fmt.Sprintf("203.0.%d.%d", i>>8&255, i&255))
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("5,000 requests at a full table took %v; want well under 2s", d)
	}
	if n := l.size(); n > maxClients {
		t.Errorf("table holds %d clients; want at most %d", n, maxClients)
	}
}

// TestRateLimiterForgetsIdle checks that clients idle for clientIdle leave the table.
func TestRateLimiterForgetsIdle(t *testing.T) {
	l := newRateLimiter(1, 1)
	fill(l, 1000)
	// Age every client past clientIdle.
	for i := range l.shards {
		for e := l.shards[i].recent.Front(); e != nil; e = e.Next() {
			e.Value.(*client).seen = time.Now().Add(-2 * clientIdle)
		}
	}
	// Requests forget idle clients of their own shard, a few each: 10,000 new clients reach
	// every shard often enough to forget all 1,000.
	for i := range 10_000 {
		l.allow(fmt.Sprintf("192.0.%d.%d", i>>8&255, i&255))
	}
	if n := l.size(); n != 10_000 {
		t.Errorf("after 1,000 idle clients aged out and 10,000 new ones came: table holds %d; want 10,000", n)
	}
}

// TestAttackForwardedForLines sends, through a trusted proxy, a client-written
// X-Forwarded-For line that changes with every request, followed by the line the proxy
// appends with the client's real address. Only the first line was read, so the client chose its
// own key and was never limited. Now the proxy's hop is the key.
func TestAttackForwardedForLines(t *testing.T) {
	h := NewServer(testIndex(t), Options{Logger: zerolog.Nop(), RatePerSecond: 1.0 / 60, RateBurst: 3, TrustedProxyIP: "192.0.2.1"})
	codes := []int{}
	for i := range 5 {
		req := httptest.NewRequest(http.MethodGet, "/api/films/giselle-1975", nil)
		req.RemoteAddr = "192.0.2.1:4000"
		req.Header.Add("X-Forwarded-For", fmt.Sprintf("10.9.8.%d", i))
		req.Header.Add("X-Forwarded-For", "203.0.113.7")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		codes = append(codes, rec.Code)
	}
	want := []int{200, 200, 200, 429, 429}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("5 requests from one client behind the proxy, spoofed first lines: %v; want %v", codes, want)
	}
	for _, tt := range []struct {
		name  string
		lines []string
		want  string
	}{
		{"one line, several hops", []string{"10.0.0.1, 203.0.113.7"}, "203.0.113.7"},
		{"two lines", []string{"10.0.0.1", "203.0.113.7"}, "203.0.113.7"},
		{"last line with a trailing comma", []string{"10.0.0.1", "203.0.113.7,"}, "203.0.113.7"},
		{"empty last line", []string{"203.0.113.7", ""}, "203.0.113.7"},
		{"malformed last hop", []string{"10.0.0.1", "not-an-ip"}, "192.0.2.1"},
		{"ipv6", []string{"2001:db8::1"}, "2001:db8::1"},
		{"none", nil, "192.0.2.1"},
	} {
		s := &server{opts: Options{TrustedProxyIP: "192.0.2.1"}}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "192.0.2.1:4000"
		for _, l := range tt.lines {
			req.Header.Add("X-Forwarded-For", l)
		}
		if got := s.clientIP(req); got != tt.want {
			t.Errorf("%s: clientIP(%q) = %q; want %q", tt.name, tt.lines, got, tt.want)
		}
	}
}

func BenchmarkRateLimiterFull(b *testing.B) {
	l := newRateLimiter(50, 100)
	fill(l, maxClients)
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = fmt.Sprintf("203.0.%d.%d", i>>8&255, i&255)
	}
	i := 0
	for b.Loop() {
		l.allow(keys[i%len(keys)])
		i++
	}
}

// FuzzClientIP feeds X-Forwarded-For lines from the trusted proxy. Properties: no panic; the
// key is the proxy itself or a valid IP written as the last hop of the last line with one.
func FuzzClientIP(f *testing.F) {
	for _, s := range []string{"10.0.0.1\n203.0.113.7", "10.0.0.1, 203.0.113.7,", "\n", "::1", "not-an-ip", ",,,", "1.2.3.4\n\n"} {
		f.Add(s)
	}
	s := &server{opts: Options{TrustedProxyIP: "192.0.2.1"}}
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "192.0.2.1:4000"
		for _, l := range strings.Split(header, "\n") {
			req.Header.Add("X-Forwarded-For", l)
		}
		got := s.clientIP(req)
		if got == "192.0.2.1" {
			return
		}
		hops := strings.Split(strings.ReplaceAll(header, "\n", ","), ",")
		last := ""
		for i := len(hops) - 1; i >= 0 && last == ""; i-- {
			last = strings.TrimSpace(hops[i])
		}
		if ip := net.ParseIP(last); ip == nil || ip.String() != got {
			t.Fatalf("clientIP(%q) = %q; want the proxy or the last hop %q", header, got, last)
		}
	})
}
