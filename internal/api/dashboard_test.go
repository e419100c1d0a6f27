package api

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

func dashboardRequest(h http.Handler, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/admin", nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestDashboardAccess(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Options{AdminKey: "sekret", CacheEntries: 8})
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	for _, tt := range []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"no key", nil, 401},
		{"wrong bearer", map[string]string{"Authorization": "Bearer nope"}, 401},
		{"wrong basic", map[string]string{"Authorization": basic("admin", "nope")}, 401},
		{"bearer", map[string]string{"Authorization": "Bearer sekret"}, 200},
		{"basic, any user", map[string]string{"Authorization": basic("anyone", "sekret")}, 200},
		{"cross-origin", map[string]string{"Authorization": "Bearer sekret", "Origin": "https://evil.example"}, 200},
	} {
		rec := dashboardRequest(h, tt.header)
		if rec.Code != tt.want {
			t.Errorf("%s: GET /admin = %d; want %d", tt.name, rec.Code, tt.want)
		}
		hd := rec.Header()
		if hd.Get("Cache-Control") != "no-store" || hd.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: Cache-Control %q, Access-Control-Allow-Origin %q; want no-store and no CORS", tt.name, hd.Get("Cache-Control"), hd.Get("Access-Control-Allow-Origin"))
		}
		if tt.want == 401 && !strings.HasPrefix(hd.Get("WWW-Authenticate"), "Basic ") {
			t.Errorf("%s: WWW-Authenticate %q; want a Basic challenge, so a browser asks", tt.name, hd.Get("WWW-Authenticate"))
		}
	}
	if rec := dashboardRequest(newTestHandler(t, Options{}), map[string]string{"Authorization": "Bearer "}); rec.Code != 404 {
		t.Errorf("GET /admin without a configured key = %d; want 404", rec.Code)
	}
	req := httptest.NewRequest(http.MethodOptions, "/admin", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Code == 200 || rec.Code == 204 {
		t.Errorf("preflight of /admin = %d with ACAO %q; want refused", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
}

// TestDashboardContent: the page shows the served build, the searches of both protocols, the
// queries escaped, and its one stylesheet matches the hash its CSP allows.
func TestDashboardContent(t *testing.T) {
	t.Parallel()
	st := NewStats()
	ix := testIndex(t)
	h := newTestHandlerFor(t, ix, Options{AdminKey: "k", Stats: st, Notice: func() string { return "rebuilding <now>" }})
	for _, q := range []string{"nutcracker", "nutcracker", "<script>alert(1)</script>", "swan"} {
		get(t, h, "/api/search?q="+strings.ReplaceAll(q, " ", "+"))
	}
	if _, err := st.ObserveInstantSearch(ix).Search(t.Context(), index.Request{Query: "giselle", Page: 1, PerPage: 20}); err != nil {
		t.Fatal(err)
	}
	rec := dashboardRequest(h, map[string]string{"Authorization": "Bearer k"})
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /admin = %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	body := rec.Body.String()
	for _, want := range []string{
		ix.Manifest().ID, "<td class=\"q\">nutcracker</td>", "<td class=\"q\">giselle</td>",
		"&lt;script&gt;alert(1)&lt;/script&gt;", `aria-labelledby="rate-t rate-d"`, `aria-labelledby="lat-t lat-d"`,
		"Films by decade", "Bolshoi Ballet", `<p class="warn" id="notice">rebuilding &lt;now&gt;</p>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("dashboard has a <script>: unescaped query, or a script it should not need")
	}
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no <style>")
	}
	sum := sha256.Sum256([]byte(m[1]))
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q does not allow the page's stylesheet by its hash, or allows more than it", csp)
	}
}

// TestDashboardCharts: a day of traffic draws a bar per busy slot and the percentile lines.
func TestDashboardCharts(t *testing.T) {
	t.Parallel()
	srv := newServer(testIndex(t), Options{Logger: zerolog.Nop(), AdminKey: "k"})
	now := time.Now()
	fillDay(srv, now)
	d := srv.dashboard(t.Context())
	if n := strings.Count(string(d.Rate), `class="native"`); n < 100 {
		t.Errorf("rate chart has %d native bars; want one for each of most of the day's 144 slots", n)
	}
	if n := strings.Count(string(d.Latency), "<polyline"); n < 3 {
		t.Errorf("latency chart has %d lines; want p50, p90 and p99", n)
	}
	if d.Tiles[1].Value == "0" {
		t.Errorf("tiles = %+v; want the day's searches", d.Tiles)
	}
}

// fillDay records a made-up day of searches into srv's Stats, ending at now: a daily rhythm of
// native searches, some InstantSearch, a few that find nothing, and slower hours.
func fillDay(srv *server, now time.Time) {
	tr, in := srv.traffic, srv.insights
	queries := []string{"swan lake", "nutcracker", "giselle", "romeo and juliet", "spartacus", "bolshoi", "sleeping beauty", "kirov"}
	zero := []string{"the red shoes", "nureyev", "zzqxjv"}
	for m := 24*60 - 1; m >= 0; m-- {
		at := now.Add(-time.Duration(m) * time.Minute)
		tr.now = func() time.Time { return at }
		in.now = tr.now
		hour := at.Hour()
		n := 2 + (hour*7+m%5)%9
		if hour >= 8 && hour < 22 {
			n += 6
		}
		for i := range n {
			p := native
			if i%4 == 3 {
				p = instantSearch
			}
			took := time.Duration(300+((m*37+i*91)%1400)) * time.Microsecond
			if hour == 14 && i%5 == 0 {
				took *= 8
			}
			q, total := queries[(m+i*i)%len(queries)], 3
			if (m+i)%23 == 0 {
				q, total = zero[(m+i)%len(zero)], 0
			}
			tr.record(p, total, took)
			in.record(q, total, p)
		}
	}
	tr.now, in.now = time.Now, time.Now
}

// TestLatencyChartLoneSlot: a slot with neighbours that timed nothing still shows, as a ring.
func TestLatencyChartLoneSlot(t *testing.T) {
	t.Parallel()
	tr := newTraffic()
	tr.record(native, 1, 3*time.Millisecond)
	svg := string(latencyChart(tr.series(dashSlots, dashSlotWidth)))
	if n := strings.Count(svg, "<circle"); n != 3 || strings.Contains(svg, "<polyline") {
		t.Errorf("one timed slot drew %d rings and polyline %v; want 3 rings (p50, p90, p99), no line", n, strings.Contains(svg, "<polyline"))
	}
}
