package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"filmsearch/internal/index"
)

const corpusDir = "../../corpus"

// lockedBuffer is an io.Writer the server's goroutines and the test may share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func noEnv(string) string { return "" }

// anyPort makes run listen on a loopback port the kernel chooses; boundAddr reads which.
const anyPort = "127.0.0.1:0"

// boundAddr waits for run's "listening" log line in stderr and returns the address it names:
// searchd listens on anyPort, so no other process can take the port between choosing and
// binding it. It fails t if run returns first.
func boundAddr(t *testing.T, stderr *lockedBuffer, done chan error) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		for _, line := range strings.Split(stderr.String(), "\n") {
			var l struct{ Message, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && strings.HasPrefix(l.Message, "listening") && l.Addr != "" {
				return l.Addr
			}
		}
		select {
		case err := <-done:
			done <- err // for the test's cleanup
			t.Fatalf("run returned before listening: %v\nstderr:\n%s", err, stderr)
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line within 30s\nstderr:\n%s", stderr)
		}
	}
}

// daemon is searchd started by run in the background.
type daemon struct {
	base   string
	stderr *lockedBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs searchd with args plus --addr on a port of its choosing, and waits until /readyz
// answers 200. The test's cleanup stops it if the test has not.
func start(t *testing.T, args ...string) *daemon {
	t.Helper()
	return startEnv(t, noEnv, args...)
}

// startEnv is start with an environment.
func startEnv(t *testing.T, getenv func(string) string, args ...string) *daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &daemon{stderr: &lockedBuffer{}, cancel: cancel, done: make(chan error, 1)}
	args = append([]string{"--addr", anyPort}, args...)
	go func() { d.done <- run(ctx, args, getenv, io.Discard, d.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-d.done:
		case <-time.After(15 * time.Second):
			t.Error("searchd did not stop within 15s of cancel")
		}
	})
	d.base = "http://" + boundAddr(t, d.stderr, d.done)

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-d.done:
			t.Fatalf("run returned before ready: %v\nstderr:\n%s", err, d.stderr)
		default:
		}
		if resp, err := http.Get(d.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz: not 200 within 30s\nstderr:\n%s", d.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels run's context and expects it to return nil within a few seconds.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	d.cancel()
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("run after cancel = %v; want nil\nstderr:\n%s", err, d.stderr)
		}
		d.done <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatalf("run did not return within 10s of cancel\nstderr:\n%s", d.stderr)
	}
}

type searchResponse struct {
	Total int `json:"total"`
	Hits  []struct {
		ID         string            `json:"id"`
		Highlights map[string]string `json:"highlights"`
	} `json:"hits"`
}

type readyResponse struct {
	Status   string `json:"status"`
	BuildID  string `json:"build_id"`
	DocCount int    `json:"doc_count"`
}

func getJSON(client *http.Client, url string, v any) (int, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return resp.StatusCode, fmt.Errorf("decode %s: %w (body %q)", url, err, body)
	}
	return resp.StatusCode, nil
}

func TestRunServesAndStops(t *testing.T) {
	t.Parallel()
	d := start(t, "--index", t.TempDir(), "--corpus", corpusDir)

	var ready readyResponse
	if code, err := getJSON(http.DefaultClient, d.base+"/readyz", &ready); err != nil || code != 200 || ready.DocCount != 10 || ready.BuildID == "" {
		t.Errorf("GET /readyz = %d %+v, %v; want 200 with a build id and doc_count 10", code, ready, err)
	}
	var res searchResponse
	code, err := getJSON(http.DefaultClient, d.base+"/api/search?q=revolution", &res)
	if err != nil || code != 200 {
		t.Fatalf("GET /api/search?q=revolution = %d, %v; want 200", code, err)
	}
	if res.Total != 2 || len(res.Hits) != 2 || res.Hits[0].ID != "the-flames-of-paris-1983" {
		t.Errorf("GET /api/search?q=revolution: total %d, hits %+v; want 2 with the-flames-of-paris-1983 first", res.Total, res.Hits)
	}
	if len(res.Hits) > 0 && !strings.Contains(res.Hits[0].Highlights["description"], "<mark>") {
		t.Errorf("GET /api/search?q=revolution: first hit highlights %v; want <mark> in the description", res.Hits[0].Highlights)
	}

	d.stop(t)
	if _, err := http.Get(d.base + "/healthz"); err == nil {
		t.Error("GET /healthz after stop succeeded; want the port closed")
	}
	for _, want := range []string{`"message":"serving ` + d.base + `/"`, `"url":"` + d.base + `/"`, `"message":"stopped"`, `"req_id"`} {
		if !strings.Contains(d.stderr.String(), want) {
			t.Errorf("log has no %s\nstderr:\n%s", want, d.stderr)
		}
	}
}

// TestRunDrains checks that shutdown first fails /readyz while still answering searches, and
// that requests served then are whole: the cancelled run context must not cancel them.
func TestRunDrains(t *testing.T) {
	t.Parallel()
	d := start(t, "--index", t.TempDir(), "--corpus", corpusDir, "--drain-delay", "3s")
	client := &http.Client{Timeout: 5 * time.Second}
	d.cancel()
	deadline := time.Now().Add(2 * time.Second)
	for {
		var ready readyResponse
		code, _ := getJSON(client, d.base+"/readyz", &ready)
		if code == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz during drain: %d; want 503", code)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var res searchResponse
	code, err := getJSON(client, d.base+"/api/search?q=revolution", &res)
	if err != nil || code != http.StatusOK || res.Total != 2 {
		t.Errorf("GET /api/search?q=revolution during drain = %d, total %d, %v; want 200 with 2 hits", code, res.Total, err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("run = %v; want nil", err)
		}
		d.done <- err
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of cancel")
	}
}

// TestRunSwapsUnderLoad publishes builds while clients search: no request may fail, and the
// last build ends up served.
func TestRunSwapsUnderLoad(t *testing.T) {
	t.Parallel()
	indexDir := t.TempDir()
	// No rate limit, and a deadline far above any search: under -race on a busy machine a
	// fuzzy search can take a while, and this test is about swaps, not deadlines.
	d := start(t, "--index", indexDir, "--corpus", corpusDir, "--poll", "50ms", "--rate=-1", "--search-timeout", "20s")

	var (
		requests atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	targets := []string{"/api/search?q=revolution", "/api/search?q=love&decade=1970s", "/api/search", "/api/suggest?q=nutc", "/api/films/giselle-1975", "/api/search?q=nutcraker"}
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := g; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				target := targets[i%len(targets)]
				var v map[string]any
				code, err := getJSON(client, d.base+target, &v)
				requests.Add(1)
				if err == nil && code != http.StatusOK {
					err = fmt.Errorf("status %d: %v", code, v)
				}
				if err == nil && v["error"] != nil {
					err = fmt.Errorf("error body: %v", v)
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Errorf("GET %s: %w", target, err))
				}
				// Steady load, not a saturating one: the publisher needs CPU too.
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}

	// Twenty publishes take most of this package's time under -race; -short does five.
	publishes := 20
	if testing.Short() {
		publishes = 5
	}
	ctx := context.Background()
	var last index.Manifest
	for i := range publishes {
		m, _, err := index.PublishCorpus(ctx, corpusDir, indexDir, index.PublishOptions{})
		if err != nil {
			close(stop)
			wg.Wait()
			t.Fatalf("publish %d: %v", i+1, err)
		}
		last = m
	}

	// Wait for the poll to pick up the last build, still under load.
	var ready readyResponse
	deadline := time.Now().Add(10 * time.Second)
	for ready.BuildID != last.ID {
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
		if _, err := getJSON(http.DefaultClient, d.base+"/readyz", &ready); err != nil {
			t.Log(err)
		}
	}
	close(stop)
	wg.Wait()

	if ready.BuildID != last.ID || ready.DocCount != 10 {
		t.Errorf("GET /readyz = %+v; want build_id %s, doc_count 10", ready, last.ID)
	}
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed during %d publishes; first: %v\nstderr:\n%s", n, requests.Load(), publishes, firstErr.Load(), tail(d.stderr.String(), 4000))
	}
	if requests.Load() < 20 {
		t.Errorf("only %d requests ran during the swaps; want many", requests.Load())
	}
	swaps := strings.Count(d.stderr.String(), "swapped in new build")
	if swaps == 0 {
		t.Errorf("log has no swap\nstderr:\n%s", tail(d.stderr.String(), 4000))
	}
	t.Logf("%d requests during %d publishes, %d swaps, %d failed reloads", requests.Load(), publishes, swaps, strings.Count(d.stderr.String(), "reload failed"))
	d.stop(t)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func TestRunVersionAndFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		stdout  string // substring
		stderr  string // substring
		env     map[string]string
	}{
		{"version", []string{"--version"}, false, "searchd " + version, "", nil},
		{"unknown flag", []string{"--no-such-flag"}, true, "", "flag provided but not defined: -no-such-flag", nil},
		{"bad duration", []string{"--poll", "soon"}, true, "", "invalid value", nil},
		{"bad number", []string{"--max-concurrent", "many"}, true, "", "invalid value", nil},
		{"stray argument", []string{"serve"}, true, "", "", nil},
		{"zero poll", []string{"--poll", "0s"}, true, "", "", nil},
		{"negative poll", []string{"--poll=-1s"}, true, "", "", nil},
		{"malformed environment", []string{"--version"}, true, "", "", map[string]string{"SEARCHD_POLL": "soon"}},
		{"help", []string{"--help"}, false, "SEARCHD_ADMIN_KEY", "", nil},
		{"short help", []string{"-h"}, false, "-rebuild-stale", "", nil},
		{"unknown log format", []string{"--log-format", "xml"}, true, "", "", nil},
		{"unknown log format in env", []string{"--version"}, true, "", "", map[string]string{"SEARCHD_LOG_FORMAT": "xml"}},
		{"malformed boolean", []string{"--version"}, true, "", "", map[string]string{"SEARCHD_REBUILD_STALE": "maybe"}},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := run(ctx, tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
		cancel()
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: run(%q) = %v; want error %v", tt.name, tt.args, err, tt.wantErr)
		}
		if !strings.Contains(stdout.String(), tt.stdout) {
			t.Errorf("%s: run(%q) stdout = %q; want %q in it", tt.name, tt.args, stdout.String(), tt.stdout)
		}
		if !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("%s: run(%q) stderr = %q; want %q in it", tt.name, tt.args, stderr.String(), tt.stderr)
		}
	}
}

// TestRunBusyPort checks that a taken address fails at once, before any index is built.
func TestRunBusyPort(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	indexDir := t.TempDir()
	startAt := time.Now()
	err = run(ctx, []string{"--addr", ln.Addr().String(), "--index", indexDir, "--corpus", corpusDir}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("run on a busy port = %v; want a listen error", err)
	}
	if d := time.Since(startAt); d > 2*time.Second {
		t.Errorf("run on a busy port took %v to fail; want at once", d)
	}
	if _, err := index.Current(indexDir); !errors.Is(err, index.ErrNoBuild) {
		t.Errorf("after a busy port, index.Current = %v; want ErrNoBuild: nothing built", err)
	}
}

func TestRunEnvironment(t *testing.T) {
	t.Parallel()
	const addr = "127.0.0.1:8081"
	env := map[string]string{"SEARCHD_ADDR": "127.0.0.1:1", "SEARCHD_INDEX": t.TempDir(), "SEARCHD_CORPUS": corpusDir, "SEARCHD_POLL": "1h"}
	c, _, err := parseFlags([]string{"--addr", addr}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != addr || c.index != env["SEARCHD_INDEX"] || c.corpus != corpusDir || c.poll != time.Hour {
		t.Errorf("parseFlags with env %v and --addr %s = %+v; want the flag's addr and the rest from env", env, addr, c)
	}
	c, _, err = parseFlags(nil, noEnv, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:8080" || c.index != "data/index" || c.corpus != "corpus" || c.poll != 2*time.Second {
		t.Errorf("parseFlags with no flags or env = %+v; want the defaults", c)
	}
}

// TestRunAdminReindex rebuilds through the admin endpoint: the new build is published and served
// without a restart, and the endpoint refuses a wrong key.
func TestRunAdminReindex(t *testing.T) {
	t.Parallel()
	const key = "test-admin-key"
	d := startEnv(t, func(k string) string { return map[string]string{"SEARCHD_ADMIN_KEY": key}[k] },
		"--index", t.TempDir(), "--corpus", "../../corpus", "--poll", "1h")
	client := &http.Client{Timeout: 10 * time.Second}
	var before readyResponse
	if _, err := getJSON(client, d.base+"/readyz", &before); err != nil {
		t.Fatal(err)
	}
	post := func(auth string) int {
		req, _ := http.NewRequest(http.MethodPost, d.base+"/api/admin/reindex", nil)
		req.Header.Set("Authorization", auth)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("reindex with a wrong key = %d; want 401", code)
	}
	if code := post("Bearer " + key); code != http.StatusAccepted {
		t.Fatalf("reindex = %d; want 202", code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var now readyResponse
		if _, err := getJSON(client, d.base+"/readyz", &now); err != nil {
			t.Fatal(err)
		}
		if now.BuildID != before.BuildID {
			if now.DocCount != 10 {
				t.Errorf("reindexed build has %d documents; want 10", now.DocCount)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("build id still %s 30s after reindex\nstderr:\n%s", before.BuildID, d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.stop(t)
}

// TestRunTwoStartOnEmptyIndex starts two searchd on one empty index directory at once: one
// builds, the other waits for that build instead of failing on the build lock.
func TestRunTwoStartOnEmptyIndex(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var wg sync.WaitGroup
	ds := make([]*daemon, 2)
	for i := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds[i] = start(t, "--index", dir, "--corpus", "../../corpus")
		}()
	}
	wg.Wait()
	client := &http.Client{Timeout: 10 * time.Second}
	var ids []string
	for _, d := range ds {
		if d == nil {
			t.FailNow() // start already reported why
		}
		var r readyResponse
		if _, err := getJSON(client, d.base+"/readyz", &r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.BuildID)
	}
	if ids[0] != ids[1] {
		t.Errorf("the two serve builds %v; want the one build", ids)
	}
}

// TestAttackDamagedBuildAtStart points current at a copy of the served build with random bytes
// in its segment, which made searchd panic on every start. Now it starts on the good build, says
// so in /readyz and /metrics, and refuses the damaged build again on SIGHUP's path (Reload).
func TestAttackDamagedBuildAtStart(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	good, _, err := index.PublishCorpus(context.Background(), corpusDir, root, index.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bad := good.ID + "-damaged"
	damageCopy(t, filepath.Join(root, "builds", good.ID), filepath.Join(root, "builds", bad))
	if err := os.Remove(filepath.Join(root, "current")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("builds", bad), filepath.Join(root, "current")); err != nil {
		t.Fatal(err)
	}

	d := start(t, "--index", root, "--poll", "50ms")
	client := &http.Client{Timeout: 10 * time.Second}
	var ready struct {
		readyResponse
		Refused struct {
			BuildID string `json:"build_id"`
			Reason  string `json:"reason"`
		} `json:"refused"`
	}
	if code, err := getJSON(client, d.base+"/readyz", &ready); err != nil || code != http.StatusOK {
		t.Fatalf("GET /readyz = %d, %v", code, err)
	}
	if ready.BuildID != good.ID || ready.Refused.BuildID != bad || ready.Refused.Reason != "the build is damaged" {
		t.Errorf("/readyz = %+v; want %s served and %s refused as damaged", ready, good.ID, bad)
	}
	var res searchResponse
	if code, err := getJSON(client, d.base+"/api/search?q=swan", &res); err != nil || code != http.StatusOK || res.Total == 0 {
		t.Errorf("search on the fallback build = %d, %+v, %v; want hits", code, res, err)
	}
	time.Sleep(200 * time.Millisecond) // a few polls: each must keep the good build
	resp, err := client.Get(d.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"searchd_build_refused 1", "searchd_build_refusals_total 1", `searchd_build_info{build_id="` + good.ID} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if !strings.Contains(d.stderr.String(), "current build refused") {
		t.Errorf("the refusal was not logged:\n%s", d.stderr)
	}
	d.stop(t)
}

// damageCopy copies the build in from to to and writes random bytes over a tenth of its
// segment, 10% in: the damage that panicked Bleve while it loaded facet columns.
func damageCopy(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if de.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(p, ".zap") {
			rng := rand.New(rand.NewPCG(1, 13))
			for i := len(b) / 10; i < len(b)/10+256 && i < len(b); i++ {
				b[i] = byte(rng.Uint32())
			}
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAttackShutdownDuringReindex asks for an admin reindex of a collection that takes seconds
// to build and then shuts searchd down (what SIGTERM does: run's context ends). Shutdown
// waited for the whole build; now it cancels the build and returns promptly, publishing
// nothing.
func TestAttackShutdownDuringReindex(t *testing.T) {
	t.Parallel()
	const key = "test-admin-key"
	root, first, big := reindexFixture(t)
	d := startEnv(t, func(k string) string { return map[string]string{"SEARCHD_ADMIN_KEY": key}[k] },
		"--index", root, "--corpus", big, "--poll", "1h", "--rebuild-stale=false") // the admin asks for the rebuild
	req, _ := http.NewRequest(http.MethodPost, d.base+"/api/admin/reindex", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("reindex = %d; want 202", resp.StatusCode)
	}
	time.Sleep(500 * time.Millisecond) // the build is under way

	start := time.Now()
	d.cancel()
	select {
	case err := <-d.done:
		if err != nil {
			t.Errorf("run = %v; want nil", err)
		}
		d.done <- err
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return within 30s of shutdown")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown during a reindex took %v; want under 5s\n%s", took, tail(d.stderr.String(), 3000))
	}
	if !strings.Contains(d.stderr.String(), "reindex cancelled by shutdown") {
		t.Errorf("the cancelled reindex was not logged:\n%s", tail(d.stderr.String(), 2000))
	}
	if cur, err := index.Current(root); err != nil || filepath.Base(cur) != first.ID {
		t.Errorf("current = %s, %v after a cancelled reindex; want %s", cur, err, first.ID)
	}
}

// idleConn opens a keep-alive connection from the loopback address from, sends one request
// and reads its answer, leaving the connection idle. It returns nil when searchd closed the
// connection instead of answering.
func idleConn(t *testing.T, base, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	c, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		c.Close()
		return nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c
}

// closed reports whether searchd has closed c.
func closed(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err := c.Read(make([]byte, 1))
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestAttackIdleConnections holds many idle keep-alive connections, about 23 KB each with no
// cap (20,000 held 482 MB). Now one client keeps at most --max-conns-per-client, and at
// --max-conns an idle connection is closed to make room for a new client.
func TestAttackIdleConnections(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	if _, _, err := index.PublishCorpus(context.Background(), corpusDir, root, index.PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	d := start(t, "--index", root, "--max-conns", "30", "--max-conns-per-client", "10")

	// One client: the first 10 connections are served, the rest closed at once.
	var held []net.Conn
	refused := 0
	for range 15 {
		if c := idleConn(t, d.base, "127.0.0.2"); c != nil {
			held = append(held, c)
		} else {
			refused++
		}
	}
	if len(held) != 10 || refused != 5 {
		t.Errorf("15 connections from one client: %d served, %d refused; want 10 and 5", len(held), refused)
	}

	// Fill the listener with idle connections from other clients, then come as a new one.
	// (The test's own /readyz connection, idle in its client, counts too.)
	for _, from := range []string{"127.0.0.3", "127.0.0.4", "127.0.0.5"} {
		for range 10 {
			c := idleConn(t, d.base, from)
			if c == nil {
				t.Fatalf("a connection from %s with %d held was refused; want an idle one closed for it", from, len(held))
			}
			held = append(held, c)
		}
	}
	time.Sleep(50 * time.Millisecond)
	open := 0
	for _, c := range held {
		if !closed(c) {
			open++
		}
	}
	if open > 30 || open < 29 {
		t.Errorf("%d of the %d connections held are open; want 29 or 30 (--max-conns 30)", open, len(held))
	}
	d.stop(t)
}

// TestAttackEveryBuildDamaged damages the only build. With no good build to fall back to,
// searchd would fail the same way on every restart; it indexes the corpus instead, as on a
// fresh checkout.
func TestAttackEveryBuildDamaged(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	only, _, err := index.PublishCorpus(context.Background(), corpusDir, root, index.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "builds", only.ID)
	damageCopy(t, dir, dir+".copy")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dir+".copy", dir); err != nil {
		t.Fatal(err)
	}
	d := start(t, "--index", root, "--corpus", corpusDir)
	var ready readyResponse
	if code, err := getJSON(http.DefaultClient, d.base+"/readyz", &ready); err != nil || code != http.StatusOK {
		t.Fatalf("GET /readyz = %d, %v", code, err)
	}
	if ready.BuildID == only.ID || ready.DocCount != 10 {
		t.Errorf("/readyz = %+v; want a new build of the 10 films", ready)
	}
	if !strings.Contains(d.stderr.String(), "no build opens; indexing the corpus") {
		t.Errorf("the rebuild was not logged:\n%s", tail(d.stderr.String(), 2000))
	}
	d.stop(t)
}

// reindexFixture publishes the collection under root and writes beside it a corpus of 20,000
// films, large enough that rebuilding from it takes a while.
func reindexFixture(t *testing.T) (root string, first index.Manifest, big string) {
	t.Helper()
	root = t.TempDir()
	first, _, err := index.PublishCorpus(context.Background(), corpusDir, root, index.PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	big = t.TempDir()
	f, err := os.Create(filepath.Join(big, "films.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20_000 {
		fmt.Fprintf(f, `{"title":"The Crimson Dancer %d","year":%d,"description":"A ballet film about a river, a winter station and the night train number %d."}`+"\n", i, 1900+i%120, i)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return root, first, big
}
