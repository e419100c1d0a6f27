package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/api"
	"filmsearch/internal/cli/clitest"
	"filmsearch/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestSaturation drives the real router, with limits far below the offered load, and expects
// refusals only as 429 and 503: no other 5xx and no broken connection.
func TestSaturation(t *testing.T) {
	if testing.Short() {
		t.Skip("a 2 s load test")
	}
	ctx := context.Background()
	ix := testkit.Index(t)
	srv := httptest.NewServer(api.NewServer(ix, api.Options{Logger: zerolog.Nop(), MaxConcurrent: 2, RatePerSecond: 200, RateBurst: 50}))
	defer srv.Close()

	for _, path := range []string{"/api/search", "/api/suggest"} {
		t.Run(path, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := []string{"--url", srv.URL, "--path", path, "--concurrency", "16", "--duration", "1s", "--json", "--max-refused", "1"}
			if err := run(ctx, args, noEnv, &out, &errOut); err != nil {
				t.Errorf("run: %v\n%s%s", err, out.Bytes(), errOut.Bytes())
			}
			var r Report
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatalf("report: %v\n%s", err, out.Bytes())
			}
			t.Logf("%s: %d requests (%.0f/s), p50 %.2f ms, p99 %.2f ms, status %+v", path, r.Requests, r.PerSecond, r.P50MS, r.P99MS, r.Status)
			s := r.Status
			if s.ServerErrors != 0 || s.TransportErrors != 0 || s.OtherClientErrors != 0 || s.Other != 0 {
				t.Errorf("status %+v; want only 2xx, 429 and 503", s)
			}
			if s.OK == 0 || s.RateLimited+s.Unavailable == 0 {
				t.Errorf("status %+v; want successes and refusals both at saturation", s)
			}
			if s.RefusalsWithoutRetryAfter != 0 {
				t.Errorf("%d refusals lacked Retry-After", s.RefusalsWithoutRetryAfter)
			}
			if s.OK+s.RateLimited+s.Unavailable != r.Requests {
				t.Errorf("counts %+v do not add up to %d requests", s, r.Requests)
			}
		})
	}
}

func TestRequestCap(t *testing.T) {
	srv := httptest.NewServer(nil) // 404 for everything: counted as other 4xx
	defer srv.Close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--url", srv.URL, "--requests", "25", "--concurrency", "4", "--json"}, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Requests != 25 || r.Status.OtherClientErrors != 25 {
		t.Errorf("--requests 25 sent %d (%+v); want 25 answered 404", r.Requests, r.Status)
	}
}

func TestFlags(t *testing.T) {
	for _, c := range []struct {
		args    []string
		wantErr string // empty: accepted
	}{
		{[]string{"--url", "http://127.0.0.1:8080"}, ""},
		{[]string{"--url", "http://127.1.2.3:1"}, ""},
		{[]string{"--url", "http://localhost:8080/"}, ""},
		{[]string{"--url", "http://[::1]:8080"}, ""},
		{[]string{"--url", "https://LOCALHOST"}, ""},
		{[]string{"--url", "http://example.com"}, "not loopback"},
		{[]string{"--url", "http://10.0.0.1:8080"}, "not loopback"},
		{[]string{"--url", "http://0.0.0.0:8080"}, "not loopback"},
		{[]string{"--url", "http://[::ffff:8.8.8.8]"}, "not loopback"},
		{[]string{"--url", "http://127.0.0.1.example.com"}, "not loopback"},
		{[]string{"--url", "http://localhost.example.com"}, "not loopback"},
		{[]string{"--url", "http://127.0.0.1@example.com"}, "base URL"},
		{[]string{"--url", "ftp://127.0.0.1"}, "http"},
		{[]string{"--url", "http://127.0.0.1/api/search?q=x"}, "base URL"},
		{[]string{"--duration", "61s"}, "duration"},
		{[]string{"--duration", "0s"}, "duration"},
		{[]string{"--concurrency", "0"}, "concurrency"},
		{[]string{"--concurrency", "100000"}, "concurrency"},
		{[]string{"--path", "/api/films/x"}, "path"},
		{[]string{"--path", "/api/suggest"}, ""},
		{[]string{"--requests", "-1"}, "requests"},
		{[]string{"--queries", "does-not-exist.txt"}, "queries"},
		{[]string{"extra"}, "unexpected"},
		{[]string{"--max-refused", "1.5"}, "max-refused"},
		{[]string{"--max-refused", "NaN"}, "max-refused"},
		{[]string{"--random-words", "64", "--word-len", "15", "--deadline", "500ms"}, ""},
		{[]string{"--random-words", "65"}, "random-words"},
		{[]string{"--random-words", "-1"}, "random-words"},
		{[]string{"--random-words", "3", "--word-len", "16"}, "word-len"},
		{[]string{"--deadline", "-1s"}, "deadline"},
	} {
		_, err := parseFlags(c.args, noEnv, io.Discard, io.Discard)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("parseFlags(%q) = %v; want accepted", c.args, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("parseFlags(%q) = %v; want an error about %q", c.args, err, c.wantErr)
		}
	}
	// The environment supplies defaults; flags win.
	env := func(k string) string { return map[string]string{"LOADTEST_URL": "http://example.com"}[k] }
	if _, err := parseFlags(nil, env, io.Discard, io.Discard); err == nil {
		t.Error("LOADTEST_URL=http://example.com accepted")
	}
	if _, err := parseFlags([]string{"--url", "http://127.0.0.1:1"}, env, io.Discard, io.Discard); err != nil {
		t.Errorf("--url beats LOADTEST_URL: %v", err)
	}
}

func noEnv(string) string { return "" }

// TestMostlyRefused: a run whose answers are mostly refusals fails and says why.
func TestMostlyRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	args := []string{"--url", srv.URL, "--requests", "20", "--concurrency", "2"}
	err := run(context.Background(), args, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "20 of 20 answers were refusals") || !strings.Contains(err.Error(), "SEARCHD_RATE=-1") {
		t.Errorf("run against a server that refuses all = %v; want an error naming the refusals and SEARCHD_RATE=-1", err)
	}
	if err := run(context.Background(), append(args, "--max-refused", "1"), noEnv, io.Discard, io.Discard); err != nil {
		t.Errorf("run --max-refused 1 = %v; want nil", err)
	}
}

// TestOvershoot: with --random-words each query is that many fresh words of --word-len letters,
// and with --deadline the report says how far past it the answers came.
func TestOvershoot(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query().Get("q")
		words := strings.Fields(q)
		mu.Lock()
		dup := seen[q]
		seen[q] = true
		mu.Unlock()
		if len(words) != 3 || len(words[0]) != 5 || dup {
			http.Error(w, "want 3 fresh words of 5 letters: "+q, http.StatusBadRequest)
			return
		}
		if words[0][0] < 'n' { // about half the answers late
			time.Sleep(40 * time.Millisecond)
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var out bytes.Buffer
	args := []string{"--url", srv.URL, "--random-words", "3", "--word-len", "5", "--deadline", "20ms", "--requests", "40", "--concurrency", "4", "--json", "--max-refused", "1"}
	if err := run(context.Background(), args, noEnv, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	o := r.Overshoot
	if r.Requests != 40 || r.Status.Unavailable != 40 || o == nil {
		t.Fatalf("report %+v, overshoot %+v; want 40 answers of 503 and an overshoot", r, o)
	}
	if o.DeadlineMS != 20 || o.Late < 5 || o.Late > 35 || o.P50MS < 20 || o.MaxMS < o.P99MS || o.P99MS < o.P50MS || o.Over100MS > o.Late {
		t.Errorf("overshoot %+v; want 20 ms, some late answers about 20 ms past it, ordered percentiles", o)
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("run --help = %v; want nil (exit 0)", err)
	}
	h := clitest.CheckHelp(t, out.String())
	clitest.CompareReadme(t, h, "../../README.md", "### loadtest")
}
