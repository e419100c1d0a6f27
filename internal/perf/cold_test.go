package perf

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/api"
	"filmsearch/internal/index"
)

// The first-time benchmarks run the real binaries the way a reader meets them: an indexer
// builds the collection once into a temp dir, and each round starts a fresh searchd, warms it
// on other queries and asks each benchmark query exactly once over HTTP (loopback,
// keep-alive), so no response cache can answer. SQLite FTS5 does the same request in process
// (scripts/fts5-bench.py --first-time) in the same round, so the two share the machine's load.
//
// Set FILMSEARCH_BENCH_BIN to a directory holding searchd and indexer to skip building them.

// warmQueries are asked of a fresh searchd (and of FTS5) before the timed ones: queries of the
// same shape that are not in benchmark-queries.txt.
var warmQueries = []string{
	"pirate", "cowboy", "detective story", "submarine", "ghost", "wedding", "baseball",
	"horror", "robot", "island", "train robbery", "murder mystery", "police", "ocean",
	"magic", "president", "lawyer", "doctor", "gold rush", "war hero", "small town",
	"car chase", "mountain", "desert", "army", "navy", "newspaper", "singer", "mother",
	"brothers", "love story", "indian", "texas", "london", "ship", "nurse", "king",
	"witch", "monster", "heist",
}

// firstTimeRound is one round's latencies in ms: searchd over HTTP and FTS5 in process.
type firstTimeRound struct {
	p50, p99, ftsP50, ftsP99 float64
	ftsBuild, ftsRSS         float64
}

var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

// binaries builds searchd and indexer once per process, as `make build` does, or returns
// FILMSEARCH_BENCH_BIN.
func binaries(b *testing.B) string {
	b.Helper()
	binOnce.Do(func() {
		if d := os.Getenv("FILMSEARCH_BENCH_BIN"); d != "" {
			binDir = d
			return
		}
		if binDir, binErr = os.MkdirTemp(workDir(), "bin-"); binErr != nil {
			return
		}
		// go test puts its own toolchain first on PATH.
		cmd := exec.Command("go", "build", "-trimpath", "-o", binDir+"/", "filmsearch/cmd/searchd", "filmsearch/cmd/indexer")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		b.Fatal(binErr)
	}
	return binDir
}

// collection returns a collection directory of n films with the project's synonyms: the corpus
// itself, or the corpus repeated with ids varied ("-r1", "-r2"...), written once per
// process into a temp dir.
func collection(b *testing.B, n int) (dir, jsonl string) {
	b.Helper()
	loadFilms(b) // skips when the corpus is absent
	collMu.Lock()
	defer collMu.Unlock()
	if d, ok := collDirs[n]; ok {
		return d, filepath.Join(d, "films.jsonl")
	}
	dir = tempDir(b, fmt.Sprintf("corpus-%d-", n))
	jsonl = filepath.Join(dir, "films.jsonl")
	// A copy, not a link: a collection directory's loader reads regular files only.
	err := repeatCorpus(corpusPath(), jsonl, n)
	if err == nil {
		var syn []byte
		if syn, err = os.ReadFile("../../corpus/" + index.SynonymsFile); err == nil {
			err = os.WriteFile(filepath.Join(dir, index.SynonymsFile), syn, 0o644)
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	collDirs[n] = dir
	return dir, jsonl
}

var (
	collMu   sync.Mutex
	collDirs = map[int]string{}
	ixMu     sync.Mutex
	ixDirs   = map[int]string{}
)

// repeatCorpus writes n films to dst: the lines of src in turn, round r > 0 with "-r<r>"
// appended to each id, as BenchmarkScale's scaled does in memory.
func repeatCorpus(src, dst string, n int) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	for i := 0; i < n; i++ {
		line, round := lines[i%len(lines)], i/len(lines)
		if round > 0 {
			var f map[string]any
			d := json.NewDecoder(bytes.NewReader(line))
			d.UseNumber()
			if err := d.Decode(&f); err != nil {
				out.Close()
				return err
			}
			f["id"] = fmt.Sprintf("%s-r%d", f["id"], round)
			if line, err = json.Marshal(f); err != nil {
				out.Close()
				return err
			}
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// buildStats is what one indexer run cost.
type buildStats struct {
	seconds, cpuSeconds, rssMB float64
}

// runIndexer publishes the collection in dir into a fresh index root and returns the root and
// the cost of the build, timed around the whole process.
func runIndexer(b *testing.B, bin, coll string) (string, buildStats) {
	b.Helper()
	root := tempDir(b, "index-")
	cmd := exec.Command(filepath.Join(bin, "indexer"), "--corpus", coll, "--index", root, "--force")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t := time.Now()
	err := cmd.Run()
	took := time.Since(t)
	if err != nil {
		b.Fatalf("indexer: %v\n%s", err, out.Bytes())
	}
	st := cmd.ProcessState
	return root, buildStats{
		seconds:    took.Seconds(),
		cpuSeconds: (st.UserTime() + st.SystemTime()).Seconds(),
		rssMB:      maxRSSMB(st),
	}
}

// indexRoot returns a build of n films made by the indexer binary once per process (or by
// BenchmarkIndexer, or the build FILMSEARCH_BENCH_INDEX keeps), with its collection.
func indexRoot(b *testing.B, n int) (root, coll, jsonl string) {
	b.Helper()
	bin := binaries(b)
	coll, jsonl = collection(b, n)
	ixMu.Lock()
	defer ixMu.Unlock()
	if root, ok := ixDirs[n]; ok {
		return root, coll, jsonl
	}
	if os.Getenv("FILMSEARCH_BENCH_INDEX") != "" && n == len(loadFilms(b)) {
		// The kept build of the in-process benchmarks: the same films and synonyms, made by
		// index.Publish instead of the indexer, so searchd serves it as stale but the same.
		root = openScaledRoot(b, n)
		ixDirs[n] = root
		return root, coll, jsonl
	}
	root, st := runIndexer(b, bin, coll)
	b.Logf("indexer, %d films: %.1f s, %.1f s CPU, peak RSS %.0f MB", n, st.seconds, st.cpuSeconds, st.rssMB)
	ixDirs[n] = root
	return root, coll, jsonl
}

// fts5Result is what scripts/fts5-bench.py --json prints.
type fts5Result struct {
	Films     int     `json:"films"`
	BuildS    float64 `json:"build_s"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	P50MS     float64 `json:"p50_ms"`
	P99MS     float64 `json:"p99_ms"`
	Requests  int     `json:"requests"`
	// CPUSeconds is the script's user and system time, measured from outside.
	CPUSeconds float64 `json:"-"`
}

// runFTS5 runs the FTS5 script on jsonl with args after the positional ones, or skips the
// benchmark when python3 or its FTS5 is missing.
func runFTS5(b *testing.B, jsonl string, args ...string) fts5Result {
	b.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		b.Skip("no python3 for the FTS5 side")
	}
	argv := append([]string{"../../scripts/fts5-bench.py", jsonl}, args...)
	cmd := exec.Command("python3", append(argv, "--json")...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && strings.Contains(stderr.String(), "no such module: fts5") {
		b.Skip("python3's sqlite3 has no FTS5")
	}
	if err != nil {
		b.Fatalf("fts5-bench.py: %v\n%s", err, stderr.Bytes())
	}
	var r fts5Result
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("fts5-bench.py printed %q: %v", out, err)
	}
	r.CPUSeconds = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return r
}

// searchd is one running searchd process.
type searchd struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client
	done   chan error
}

// startSearchd starts searchd on a free loopback port over the build in root and waits until
// /readyz answers 200. The rate limit is off: a benchmark is one client asking fast.
func startSearchd(b *testing.B, bin, root, coll string) *searchd {
	b.Helper()
	cmd := exec.Command(filepath.Join(bin, "searchd"), "--addr", "127.0.0.1:0", "--index", root,
		"--corpus", coll, "--rebuild-stale=false", "--rate", "-1", "--log-format", "json", "--poll", "1h")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	s := &searchd{cmd: cmd, done: make(chan error, 1)}
	// The first log line that names the listener gives the port; the rest of the log (one
	// access line per request) is read and dropped, as a log shipper would.
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		sent := false
		for sc.Scan() {
			if sent {
				continue
			}
			var line struct{ Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Addr != "" {
				addr <- line.Addr
				sent = true
			}
		}
		io.Copy(io.Discard, stderr)
		s.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.url = "http://" + a
	case err := <-s.done:
		b.Fatalf("searchd exited before listening: %v", err)
	case <-time.After(time.Minute):
		s.stop()
		b.Fatal("searchd did not log its address within a minute")
	}
	s.client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		resp, err := s.client.Get(s.url + "/readyz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			b.Fatalf("searchd not ready within 5 minutes: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// search asks q once, with the extra parameters in params ("&match=all"), and returns how
// long the whole exchange took, body read.
func (s *searchd) search(q, params string) (time.Duration, error) {
	t := time.Now()
	resp, err := s.client.Get(s.url + "/api/search?q=" + url.QueryEscape(q) + params)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(t)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("search %q: %s", q, resp.Status)
	}
	return took, err
}

// stop ends searchd as systemd would, with SIGTERM... and SIGKILL when it lingers.
func (s *searchd) stop() {
	if s.client != nil {
		s.client.CloseIdleConnections()
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// firstTime runs one round: FTS5 built in a fresh python3 and a fresh searchd over root, both
// warmed on warmQueries; then each query once to searchd (with the extra parameters in params)
// and at once to FTS5, so the two are timed side by side under the same load.
func firstTime(b *testing.B, bin, root, coll, jsonl string, qs []string, warm, params string) firstTimeRound {
	b.Helper()
	fts := startFTS5(b, jsonl, warm)
	defer fts.stop()
	s := startSearchd(b, bin, root, coll)
	defer s.stop()
	for _, q := range warmQueries {
		if _, err := s.search(q, params); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, len(qs))
	ftsLat := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		d, err := s.search(q, params)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, d)
		if d, err = fts.search(q); err != nil {
			b.Fatal(err)
		}
		ftsLat = append(ftsLat, d)
	}
	return firstTimeRound{
		p50: percentile(lat, 0.5), p99: percentile(lat, 0.99),
		ftsP50: percentile(ftsLat, 0.5), ftsP99: percentile(ftsLat, 0.99),
		ftsBuild: fts.BuildS, ftsRSS: fts.PeakRSSMB,
	}
}

// fts5 is scripts/fts5-bench.py --serve: FTS5 built and warmed, timing the queries it is sent.
type fts5 struct {
	fts5Result
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startFTS5 starts the FTS5 side of a round and waits until it has built and warmed up.
func startFTS5(b *testing.B, jsonl, warm string) *fts5 {
	b.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		b.Skip("no python3 for the FTS5 side")
	}
	cmd := exec.Command("python3", "../../scripts/fts5-bench.py", jsonl, queriesPath(), "--serve", "--warm", warm)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	f := &fts5{cmd: cmd, in: in, out: bufio.NewReader(out)}
	line, err := f.out.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &f.fts5Result)
	}
	if err != nil {
		f.stop()
		if strings.Contains(stderr.String(), "no such module: fts5") {
			b.Skip("python3's sqlite3 has no FTS5")
		}
		b.Fatalf("fts5-bench.py --serve: %v\n%s", err, stderr.Bytes())
	}
	return f
}

// search has FTS5 answer q and returns the time it took in process.
func (f *fts5) search(q string) (time.Duration, error) {
	if _, err := io.WriteString(f.in, q+"\n"); err != nil {
		return 0, err
	}
	line, err := f.out.ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("fts5 %q: %w", q, err)
	}
	ms, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
	return time.Duration(ms * float64(time.Millisecond)), err
}

func (f *fts5) stop() {
	f.in.Close()
	f.cmd.Wait()
}

// percentile in ms, by the rule of timed and fts5-bench.py: the sorted sample at p*(n-1).
func percentile(lat []time.Duration, p float64) float64 {
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[int(p*float64(len(s)-1))].Microseconds()) / 1000
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

// warmFile writes warmQueries, less any benchmark query, to a temp file for the FTS5 script.
func warmFile(b *testing.B, qs []string) string {
	b.Helper()
	var sb strings.Builder
	for _, q := range warmQueries {
		if slices.Contains(qs, q) {
			b.Fatalf("warm-up query %q is a benchmark query", q)
		}
		sb.WriteString(q + "\n")
	}
	p := filepath.Join(b.TempDir(), "warm.txt")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkIndexer times the indexer binary publishing the collection from scratch, with its
// peak RSS, beside FTS5 building the same films in memory: one build each per iteration,
// medians over the iterations. films=362540 is the corpus ten times over.
func BenchmarkIndexer(b *testing.B) {
	for _, mult := range []int{1, 10} {
		b.Run("films="+strconv.Itoa(36254*mult), func(b *testing.B) {
			n := len(loadFilms(b)) * mult
			bin := binaries(b)
			coll, jsonl := collection(b, n)
			var secs, cpu, rss, ftsSecs, ftsCPU, ftsRSS []float64
			var root string
			for b.Loop() {
				if root != "" {
					os.RemoveAll(root)
				}
				var st buildStats
				root, st = runIndexer(b, bin, coll)
				f := runFTS5(b, jsonl, queriesPath(), "0")
				b.Logf("indexer %.1f s (%.1f s CPU), peak RSS %.0f MB; fts5 %.1f s (%.1f s CPU for the whole script), peak RSS %.0f MB",
					st.seconds, st.cpuSeconds, st.rssMB, f.BuildS, f.CPUSeconds, f.PeakRSSMB)
				secs, cpu, rss = append(secs, st.seconds), append(cpu, st.cpuSeconds), append(rss, st.rssMB)
				ftsSecs, ftsCPU, ftsRSS = append(ftsSecs, f.BuildS), append(ftsCPU, f.CPUSeconds), append(ftsRSS, f.PeakRSSMB)
			}
			// The last build serves BenchmarkFirstQuery when it runs next, instead of another.
			ixMu.Lock()
			if _, ok := ixDirs[n]; !ok {
				ixDirs[n] = root
			} else {
				os.RemoveAll(root)
			}
			ixMu.Unlock()
			b.ReportMetric(median(secs), "build-s")
			b.ReportMetric(median(cpu), "build-cpu-s")
			b.ReportMetric(median(rss), "peak-RSS-MB")
			b.ReportMetric(median(ftsSecs), "fts5-build-s")
			b.ReportMetric(median(ftsCPU), "fts5-cpu-s")
			b.ReportMetric(median(ftsRSS), "fts5-peak-RSS-MB")
			b.ReportMetric(median(secs)/median(ftsSecs), "build-x-fts5")
			b.ReportMetric(median(cpu)/median(ftsCPU), "cpu-x-fts5")
		})
	}
}

// BenchmarkFirstQuery is the first-time query benchmark of the issue: one round per iteration
// (run it with -benchtime 3x), medians over the rounds. match=most is the request the search
// box sends; match=all requires every word, as FTS5's request does. films=362540 is the corpus
// ten times over; `make bench-360k` runs it.
func BenchmarkFirstQuery(b *testing.B) {
	for _, mult := range []int{1, 10} {
		b.Run("films="+strconv.Itoa(36254*mult), func(b *testing.B) {
			for _, match := range []string{index.MatchMost, index.MatchAll} {
				b.Run("match="+match, func(b *testing.B) {
					benchFirstQuery(b, len(loadFilms(b))*mult, "&match="+match)
				})
			}
		})
	}
}

func benchFirstQuery(b *testing.B, n int, params string) {
	qs := benchQueries(b)
	warm := warmFile(b, qs)
	bin := binaries(b)
	root, coll, jsonl := indexRoot(b, n)
	var rounds []firstTimeRound
	for b.Loop() {
		r := firstTime(b, bin, root, coll, jsonl, qs, warm, params)
		b.Logf("round %d: searchd p50 %.3f p99 %.3f ms; fts5 p50 %.3f p99 %.3f ms; p50 ratio %.2f",
			len(rounds)+1, r.p50, r.p99, r.ftsP50, r.ftsP99, r.p50/r.ftsP50)
		rounds = append(rounds, r)
	}
	pick := func(f func(firstTimeRound) float64) float64 {
		xs := make([]float64, len(rounds))
		for i, r := range rounds {
			xs[i] = f(r)
		}
		return median(xs)
	}
	b.ReportMetric(pick(func(r firstTimeRound) float64 { return r.p50 }), "p50-ms")
	b.ReportMetric(pick(func(r firstTimeRound) float64 { return r.p99 }), "p99-ms")
	b.ReportMetric(pick(func(r firstTimeRound) float64 { return r.ftsP50 }), "fts5-p50-ms")
	b.ReportMetric(pick(func(r firstTimeRound) float64 { return r.ftsP99 }), "fts5-p99-ms")
	b.ReportMetric(pick(func(r firstTimeRound) float64 { return r.p50 / r.ftsP50 }), "p50-x-fts5")
	b.ReportMetric(pick(func(r firstTimeRound) float64 { return r.p99 / r.ftsP99 }), "p99-x-fts5")
}

// BenchmarkFirstQueryInProcess is BenchmarkFirstQuery without HTTP and processes, for CPU
// profiles: each iteration opens the build afresh, warms it on other queries and asks each
// benchmark query once.
//
//	go test ./internal/perf -run '^$' -bench FirstQueryInProcess -benchtime 20x -cpuprofile cpu.out
func BenchmarkFirstQueryInProcess(b *testing.B) {
	ctx := context.Background()
	firstTimes(b, func(ix *index.Index) (func(q string) error, func()) {
		return func(q string) error {
			_, err := ix.Search(ctx, index.Request{Query: q})
			return err
		}, func() {}
	})
}

// BenchmarkFirstQueryHTTPInProcess is BenchmarkFirstQueryInProcess through the API's handler
// and a real loopback connection, in this process: beside BenchmarkFirstQuery, it tells what a
// fresh searchd process costs apart from HTTP and JSON.
func BenchmarkFirstQueryHTTPInProcess(b *testing.B) {
	firstTimes(b, func(ix *index.Index) (func(q string) error, func()) {
		srv := httptest.NewServer(api.NewServer(ix, api.Options{Logger: zerolog.Nop(), RatePerSecond: -1}))
		s := &searchd{url: srv.URL, client: srv.Client()}
		return func(q string) error {
			_, err := s.search(q, "")
			return err
		}, srv.Close
	})
}

// firstTimes opens the build afresh for each iteration, has start put what asks in front of it
// (nothing, or the API's handler), warms it on other queries and times each benchmark query
// once; stop is called before the build closes.
func firstTimes(b *testing.B, start func(ix *index.Index) (ask func(q string) error, stop func())) {
	root := openScaledRoot(b, 36254)
	qs := benchQueries(b)
	var lat []time.Duration
	for b.Loop() {
		b.StopTimer()
		ix, err := index.Open(root)
		if err != nil {
			b.Fatal(err)
		}
		ask, stop := start(ix)
		for _, q := range warmQueries {
			if err := ask(q); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		for _, q := range qs {
			t := time.Now()
			if err := ask(q); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
		b.StopTimer()
		stop()
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(percentile(lat, 0.5), "p50-ms")
	b.ReportMetric(percentile(lat, 0.99), "p99-ms")
}
