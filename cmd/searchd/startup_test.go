package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filmsearch/internal/cli/clitest"
)

// TestHelp: --help exits 0 with every flag and its variable, and the README's searchd table
// lists exactly those.
func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--help"}, noEnv, &out, io.Discard); err != nil {
		t.Fatalf("run --help = %v; want nil (exit 0)", err)
	}
	h := clitest.CheckHelp(t, out.String(), "version")
	clitest.CompareReadme(t, h, "../../README.md", "### searchd", "version")
}

// writeCorpus writes n films to dir/films.jsonl, plus the ballet corpus's gazetteer.
func writeCorpus(t *testing.T, dir string, n int, extra ...string) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"title": "Film number %d", "year": %d, "description": "A story of dancers and the sea, number %d.", "facts": ["It was shot in %d."]}`+"\n", i, 1920+i%90, i, 1920+i%90)
	}
	for _, line := range extra {
		b.WriteString(line + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "films.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunAnswersDuringFirstBuild: searchd listens before its first build, so /healthz is 200
// and /readyz 503 with a reason while it builds, then 200. Not parallel: its build would slow
// the timed shutdown of TestAttackShutdownDuringReindex on two cores.
func TestRunAnswersDuringFirstBuild(t *testing.T) {
	corpusPath := t.TempDir()
	writeCorpus(t, corpusPath, 4000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr := &lockedBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", anyPort, "--index", t.TempDir(), "--corpus", filepath.Join(corpusPath, "films.jsonl")}, noEnv, io.Discard, stderr)
	}()
	base := "http://" + boundAddr(t, stderr, done)
	var sawStarting, sawHealthy bool
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 60s\n%s", stderr)
		}
		var ready struct {
			Status, Reason string
		}
		code, err := getJSON(http.DefaultClient, base+"/readyz", &ready)
		if err != nil {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		if code == 200 {
			break
		}
		if code == 503 && ready.Status == "starting" && strings.Contains(ready.Reason, "indexing the corpus") {
			sawStarting = true
			var health struct{ Status string }
			if code, err := getJSON(http.DefaultClient, base+"/healthz", &health); err == nil && code == 200 {
				sawHealthy = true
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !sawStarting || !sawHealthy {
		t.Errorf("during the first build: /readyz starting seen %v, /healthz 200 seen %v; want both\n%s", sawStarting, sawHealthy, stderr)
	}
	if !strings.Contains(stderr.String(), `"url":"`+base+`/"`) {
		t.Errorf("log names no url %s/\n%s", base, stderr)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v; want nil", err)
	}
}

// TestRunRebuildsStaleCorpus is the operator's edit-and-restart: a film added to the corpus
// while searchd was down is found after the next start, without running the indexer; with
// --rebuild-stale=false the old build is served and the log says why.
func TestRunRebuildsStaleCorpus(t *testing.T) {
	t.Parallel()
	corpusPath, indexDir := t.TempDir(), t.TempDir()
	writeCorpus(t, corpusPath, 20)
	d := start(t, "--index", indexDir, "--corpus", corpusPath)
	d.stop(t)

	writeCorpus(t, corpusPath, 20, `{"title": "Zanzibar Nights", "year": 1961, "description": "A newly added film."}`)
	d = startEnv(t, func(k string) string { return map[string]string{"SEARCHD_ADMIN_KEY": "k"}[k] },
		"--index", indexDir, "--corpus", corpusPath, "--rebuild-stale=false")
	var res searchResponse
	if _, err := getJSON(http.DefaultClient, d.base+"/api/search?q=zanzibar", &res); err != nil || res.Total != 0 {
		t.Errorf("--rebuild-stale=false: search zanzibar = %d hits, %v; want 0 (the old build)", res.Total, err)
	}
	// The dashboard says so too.
	req, _ := http.NewRequest(http.MethodGet, d.base+"/admin", nil)
	req.SetBasicAuth("operator", "k")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Error(err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `id="notice">the served build is stale`) {
			t.Errorf("GET /admin = %d; want 200 with the stale notice:\n%.2000s", resp.StatusCode, body)
		}
	}
	d.stop(t)
	if log := d.stderr.String(); !strings.Contains(log, `"level":"error"`) || !strings.Contains(log, "stale") || !strings.Contains(log, `"reason":"corpus"`) {
		t.Errorf("--rebuild-stale=false: log does not say the build is stale at error level:\n%s", log)
	}

	d = start(t, "--index", indexDir, "--corpus", corpusPath)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := getJSON(http.DefaultClient, d.base+"/api/search?q=zanzibar", &res); err == nil && res.Total == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the added film is not found within 30s\n%s", d.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	d.stop(t)

	// Up to date now: a restart rebuilds nothing.
	d = start(t, "--index", indexDir, "--corpus", corpusPath)
	d.stop(t)
	if strings.Contains(d.stderr.String(), "stale") || strings.Contains(d.stderr.String(), "indexing") {
		t.Errorf("restart on an up-to-date build mentions a rebuild:\n%s", d.stderr)
	}
}
