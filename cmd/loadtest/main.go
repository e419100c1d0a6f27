// Command loadtest sends searches to a searchd on this machine for a bounded time and reports
// throughput, latency percentiles and answers by status. It refuses any target that is not a
// loopback address, and runs at most a minute, so it cannot be pointed at someone else's server.
//
//	go run ./cmd/loadtest --url http://127.0.0.1:8080 --concurrency 64 --duration 10s
//
// It exits non-zero when any request failed with a 5xx other than 503 or in transport: at
// saturation, 429 and 503 are the only acceptable refusals. It also exits non-zero when more
// than --max-refused of the answers were refusals, since such a run measured the rate limiter:
// start searchd with SEARCHD_RATE=-1 to measure search.
//
// To measure how well searchd keeps its deadline, send the costliest queries and say what the
// deadline is; the report then shows how far past it the answers came:
//
//	searchd --search-timeout 500ms --rate=-1 --cache-entries 0 &
//	go run ./cmd/loadtest --random-words 64 --concurrency 16 --deadline 500ms --max-refused 1
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"filmsearch/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

const (
	maxDuration    = 60 * time.Second
	maxConcurrency = 1024
	maxRandomWords = 64 // index.MaxQueryTerms
	defaultQueries = "../shared/data/benchmark-queries.txt"
)

// builtinQueries are used when no query file is given and the shared one is absent.
var builtinQueries = []string{
	"ballet", "swan lake", "nutcracker", "revolution", "love", "tragic love", "bolshoi", "kirov",
	"sleeping beauty", "giselle", "spartacus", "romeo and juliet", "dance", "war", "1975", "nutcr",
	"balet", "tchaikovsky", `"swan lake"`, "love -giselle", "the", "christmas", "prokofiev", "film",
}

type config struct {
	url         *url.URL
	queries     []string
	concurrency int
	duration    time.Duration
	path        string
	requests    int64
	maxRefused  float64
	json        bool
	// randomWords > 0: each request is that many random words of wordLen letters, none a
	// word of the collection as a rule, so each is looked up and corrected: the costliest path.
	randomWords int
	wordLen     int
	deadline    time.Duration // > 0: report the answers that came later than this
}

func parseFlags(args []string, getenv func(string) string, stdout, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := cli.NewEnv(getenv)
	rawURL := fs.String("url", env.String("LOADTEST_URL", "http://127.0.0.1:8080"), "searchd base URL; loopback only (LOADTEST_URL)")
	queries := fs.String("queries", env.String("LOADTEST_QUERIES", ""), "file of queries, one a line; default "+defaultQueries+" if present, else a built-in list (LOADTEST_QUERIES)")
	fs.IntVar(&c.concurrency, "concurrency", env.Int("LOADTEST_CONCURRENCY", 8), "requests in flight at once (LOADTEST_CONCURRENCY)")
	fs.DurationVar(&c.duration, "duration", env.Duration("LOADTEST_DURATION", 10*time.Second), "how long to run, at most 60s (LOADTEST_DURATION)")
	fs.StringVar(&c.path, "path", env.String("LOADTEST_PATH", "/api/search"), "endpoint: /api/search or /api/suggest (LOADTEST_PATH)")
	fs.Int64Var(&c.requests, "requests", int64(env.Int("LOADTEST_REQUESTS", 0)), "stop after this many requests; 0: no cap (LOADTEST_REQUESTS)")
	fs.Float64Var(&c.maxRefused, "max-refused", env.Float("LOADTEST_MAX_REFUSED", 0.5), "fail when more than this share of answers are refusals (429, 503); 1 never fails (LOADTEST_MAX_REFUSED)")
	fs.BoolVar(&c.json, "json", env.Bool("LOADTEST_JSON", false), "print the report as JSON (LOADTEST_JSON)")
	fs.IntVar(&c.randomWords, "random-words", env.Int("LOADTEST_RANDOM_WORDS", 0), "instead of --queries, send this many random words per query, fresh each request, up to 64 (LOADTEST_RANDOM_WORDS)")
	fs.IntVar(&c.wordLen, "word-len", env.Int("LOADTEST_WORD_LEN", 9), "letters of each random word, 1 to 15 (LOADTEST_WORD_LEN)")
	fs.DurationVar(&c.deadline, "deadline", env.Duration("LOADTEST_DEADLINE", 0), "searchd's --search-timeout: report how far past it answers came; 0: off (LOADTEST_DEADLINE)")
	if err := cli.Parse(fs, args, stdout,
		"loadtest sends searches to a searchd on this machine for a bounded time and reports throughput, latency and answers by status.",
		"loadtest [--url http://127.0.0.1:8080] [--concurrency N] [--duration 10s] [--path /api/search] [--json]"); err != nil {
		return c, err
	}
	if err := env.Err(); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	u, err := loopbackURL(*rawURL)
	if err != nil {
		return c, err
	}
	c.url = u
	switch {
	case c.duration <= 0 || c.duration > maxDuration:
		return c, fmt.Errorf("--duration %v: must be above 0 and at most %v", c.duration, maxDuration)
	case c.concurrency < 1 || c.concurrency > maxConcurrency:
		return c, fmt.Errorf("--concurrency %d: must be from 1 to %d", c.concurrency, maxConcurrency)
	case c.path != "/api/search" && c.path != "/api/suggest":
		return c, fmt.Errorf("--path %q: must be /api/search or /api/suggest", c.path)
	case c.requests < 0:
		return c, fmt.Errorf("--requests %d: must not be negative", c.requests)
	case !(c.maxRefused >= 0 && c.maxRefused <= 1):
		return c, fmt.Errorf("--max-refused %v: must be from 0 to 1", c.maxRefused)
	case c.randomWords < 0 || c.randomWords > maxRandomWords:
		return c, fmt.Errorf("--random-words %d: must be from 0 to %d", c.randomWords, maxRandomWords)
	case c.wordLen < 1 || c.wordLen > 15:
		return c, fmt.Errorf("--word-len %d: must be from 1 to 15", c.wordLen)
	case c.deadline < 0:
		return c, fmt.Errorf("--deadline %v: must not be negative", c.deadline)
	}
	if c.randomWords > 0 {
		return c, nil
	}
	c.queries, err = loadQueries(*queries)
	return c, err
}

// loopbackURL parses raw and accepts it only when its host is this machine: 127.0.0.0/8, ::1
// or localhost.
func loopbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("--url %q: want an http:// or https:// URL", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("--url %q: want a base URL like http://127.0.0.1:8080", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--url %q: refusing a target that is not loopback (127.0.0.0/8, ::1, localhost)", raw)
	}
	u.Path = ""
	return u, nil
}

func loadQueries(path string) ([]string, error) {
	if path == "" {
		if _, err := os.Stat(defaultQueries); err != nil {
			return builtinQueries, nil
		}
		path = defaultQueries
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("queries: %w", err)
	}
	defer f.Close()
	var qs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if q := strings.TrimSpace(sc.Text()); q != "" {
			qs = append(qs, q)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("queries %s: %w", path, err)
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("queries %s: no queries", path)
	}
	return qs, nil
}

// Report is what one run measured. Latencies are in milliseconds and cover completed requests:
// those cut off by the end of the run are not counted.
type Report struct {
	URL         string  `json:"url"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	PerSecond   float64 `json:"requests_per_second"`
	P50MS       float64 `json:"p50_ms"`
	P90MS       float64 `json:"p90_ms"`
	P99MS       float64 `json:"p99_ms"`
	MaxMS       float64 `json:"max_ms"`
	Status      Counts  `json:"status"`
	// Overshoot, with --deadline: the answers that came after it, by how much.
	Overshoot *Overshoot `json:"overshoot,omitempty"`
}

// Overshoot is how far past the deadline answers came, over those that did.
type Overshoot struct {
	DeadlineMS float64 `json:"deadline_ms"`
	Late       int     `json:"late"`        // answers after the deadline
	Over100MS  int     `json:"over_100_ms"` // answers more than 100 ms after it
	P50MS      float64 `json:"p50_ms"`      // of late answers, past the deadline
	P99MS      float64 `json:"p99_ms"`
	MaxMS      float64 `json:"max_ms"`
}

// Counts are answers by kind. ServerErrors excludes 503, which is a refusal.
type Counts struct {
	OK                int `json:"2xx"`
	RateLimited       int `json:"429"`
	Unavailable       int `json:"503"`
	OtherClientErrors int `json:"other_4xx"`
	ServerErrors      int `json:"5xx"`
	Other             int `json:"other"` // 1xx, 3xx
	TransportErrors   int `json:"transport_errors"`
	// RefusalsWithoutRetryAfter counts 429 and 503 answers that lacked a Retry-After header.
	RefusalsWithoutRetryAfter int `json:"refusals_without_retry_after"`
}

func (c *Counts) add(o Counts) {
	c.OK += o.OK
	c.RateLimited += o.RateLimited
	c.Unavailable += o.Unavailable
	c.OtherClientErrors += o.OtherClientErrors
	c.ServerErrors += o.ServerErrors
	c.Other += o.Other
	c.TransportErrors += o.TransportErrors
	c.RefusalsWithoutRetryAfter += o.RefusalsWithoutRetryAfter
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	rep := load(ctx, cfg)
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printTable(stdout, rep)
	}
	if n := rep.Status.ServerErrors + rep.Status.TransportErrors; n > 0 {
		return fmt.Errorf("%d requests failed (5xx other than 503, or transport errors)", n)
	}
	if refused := rep.Status.RateLimited + rep.Status.Unavailable; rep.Requests > 0 && float64(refused) > cfg.maxRefused*float64(rep.Requests) {
		return fmt.Errorf("%d of %d answers were refusals (429 %d, 503 %d), more than --max-refused %v: this measured the limits, not search; "+
			"for throughput start searchd with SEARCHD_RATE=-1 (its per-client limit is 50 req/s, burst 100)",
			refused, rep.Requests, rep.Status.RateLimited, rep.Status.Unavailable, cfg.maxRefused)
	}
	return nil
}

// load runs cfg.concurrency workers until the duration ends or the request cap is reached.
func load(ctx context.Context, cfg config) Report {
	ctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	client := &http.Client{
		Transport: &http.Transport{
			Proxy:               nil, // loopback only: never through a proxy
			MaxIdleConns:        cfg.concurrency,
			MaxIdleConnsPerHost: cfg.concurrency,
			IdleConnTimeout:     30 * time.Second,
		},
		Timeout: 30 * time.Second,
		// A redirect could lead off this machine.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()

	base := cfg.url.String() + cfg.path + "?q="
	var next atomic.Int64
	type result struct {
		lat    []time.Duration
		counts Counts
	}
	results := make([]result, cfg.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.concurrency {
		wg.Go(func() {
			res := &results[w]
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if cfg.requests > 0 && i >= cfg.requests {
					return
				}
				var q string
				if cfg.randomWords > 0 {
					q = randomWords(rng, cfg.randomWords, cfg.wordLen)
				} else {
					q = cfg.queries[i%int64(len(cfg.queries))]
				}
				target := base + url.QueryEscape(q)
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
				if err != nil {
					res.counts.TransportErrors++
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				lat := time.Since(t0)
				if err != nil {
					if ctx.Err() == nil {
						res.counts.TransportErrors++
					}
					continue // cut off by the end of the run: not a sample
				}
				res.lat = append(res.lat, lat)
				switch s := resp.StatusCode; {
				case s >= 200 && s < 300:
					res.counts.OK++
				case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
					if s == http.StatusTooManyRequests {
						res.counts.RateLimited++
					} else {
						res.counts.Unavailable++
					}
					if resp.Header.Get("Retry-After") == "" {
						res.counts.RefusalsWithoutRetryAfter++
					}
				case s >= 400 && s < 500:
					res.counts.OtherClientErrors++
				case s >= 500:
					res.counts.ServerErrors++
				default:
					res.counts.Other++
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)

	rep := Report{URL: cfg.url.String() + cfg.path, Concurrency: cfg.concurrency, Seconds: round(elapsed.Seconds())}
	var all []time.Duration
	for _, r := range results {
		all = append(all, r.lat...)
		rep.Status.add(r.counts)
	}
	slices.Sort(all)
	rep.Requests = len(all)
	if elapsed > 0 {
		rep.PerSecond = round(float64(len(all)) / elapsed.Seconds())
	}
	rep.P50MS, rep.P90MS, rep.P99MS = ms(percentile(all, 50)), ms(percentile(all, 90)), ms(percentile(all, 99))
	if len(all) > 0 {
		rep.MaxMS = ms(all[len(all)-1])
	}
	if cfg.deadline > 0 {
		rep.Overshoot = overshoot(all, cfg.deadline)
	}
	return rep
}

// overshoot measures the answers of sorted that came after deadline.
func overshoot(sorted []time.Duration, deadline time.Duration) *Overshoot {
	o := &Overshoot{DeadlineMS: ms(deadline)}
	i, _ := slices.BinarySearch(sorted, deadline+1)
	var past []time.Duration
	for _, d := range sorted[i:] {
		past = append(past, d-deadline)
		if d-deadline > 100*time.Millisecond {
			o.Over100MS++
		}
	}
	o.Late = len(past)
	o.P50MS, o.P99MS = ms(percentile(past, 50)), ms(percentile(past, 99))
	if len(past) > 0 {
		o.MaxMS = ms(past[len(past)-1])
	}
	return o
}

// randomWords returns n words of length random lower-case ASCII letters.
func randomWords(rng *rand.Rand, n, length int) string {
	b := make([]byte, 0, n*(length+1))
	for i := range n {
		if i > 0 {
			b = append(b, ' ')
		}
		for range length {
			b = append(b, byte('a'+rng.IntN(26)))
		}
	}
	return string(b)
}

// percentile is the nearest-rank percentile of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(i-1, 0)]
}

func ms(d time.Duration) float64 { return round(float64(d.Microseconds()) / 1000) }

func round(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func printTable(w io.Writer, r Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "target\t%s\n", r.URL)
	fmt.Fprintf(tw, "concurrency\t%d\n", r.Concurrency)
	fmt.Fprintf(tw, "duration\t%.2fs\n", r.Seconds)
	fmt.Fprintf(tw, "requests\t%d\t(%.1f/s)\n", r.Requests, r.PerSecond)
	fmt.Fprintf(tw, "latency ms\tp50 %.2f\tp90 %.2f\tp99 %.2f\tmax %.2f\n", r.P50MS, r.P90MS, r.P99MS, r.MaxMS)
	s := r.Status
	fmt.Fprintf(tw, "status\t2xx %d\t429 %d\t503 %d\tother 4xx %d\t5xx %d\ttransport errors %d\n",
		s.OK, s.RateLimited, s.Unavailable, s.OtherClientErrors, s.ServerErrors, s.TransportErrors)
	if o := r.Overshoot; o != nil {
		fmt.Fprintf(tw, "past %.0f ms\t%d late\t%d over 100 ms\tp50 %.2f\tp99 %.2f\tmax %.2f\n", o.DeadlineMS, o.Late, o.Over100MS, o.P50MS, o.P99MS, o.MaxMS)
	}
	if s.Other > 0 || s.RefusalsWithoutRetryAfter > 0 {
		fmt.Fprintf(tw, "notes\tother statuses %d\trefusals without Retry-After %d\n", s.Other, s.RefusalsWithoutRetryAfter)
	}
	tw.Flush()
}
