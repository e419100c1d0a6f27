package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

// childBuilds returns the pids of this process's children that are builds.
func childBuilds(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 2 || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		env, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if strings.Contains(string(env), buildChildEnv+"=") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestAttackReindexKilledForMemory runs an admin reindex and kills its build with SIGKILL, as
// the kernel's OOM killer does. The build ran inside searchd and took it from 47 MB to 1.2 GB,
// so under MemoryMax=1G the kernel killed searchd itself. Now the build is a child process:
// searchd keeps serving its build, reports the failure, and the next reindex publishes.
// Not parallel: it looks for the children of this test process.
func TestAttackReindexKilledForMemory(t *testing.T) {
	const key = "test-admin-key"
	root, first, big := reindexFixture(t)
	d := startEnv(t, func(k string) string { return map[string]string{"SEARCHD_ADMIN_KEY": key}[k] },
		"--index", root, "--corpus", big, "--poll", "1h", "--rebuild-stale=false")
	reindex := func() {
		t.Helper()
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
	}
	reindex()
	var pids []int
	for deadline := time.Now().Add(10 * time.Second); len(pids) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no child build process 10s after the reindex\n%s", tail(d.stderr.String(), 2000))
		}
		time.Sleep(20 * time.Millisecond)
		pids = childBuilds(t)
	}
	time.Sleep(300 * time.Millisecond) // into the build
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(d.stderr.String(), "reindex failed"); {
		if time.Now().After(deadline) {
			t.Fatalf("the killed build was not reported within 10s\n%s", tail(d.stderr.String(), 2000))
		}
		time.Sleep(20 * time.Millisecond)
	}
	var ready readyResponse
	if code, err := getJSON(client, d.base+"/readyz", &ready); err != nil || code != http.StatusOK || ready.BuildID != first.ID {
		t.Fatalf("after the build was killed: /readyz = %d %+v, %v; want 200 with build %s", code, ready, err, first.ID)
	}
	var res searchResponse
	if code, err := getJSON(client, d.base+"/api/search?q=nutcracker", &res); err != nil || code != http.StatusOK || res.Total == 0 {
		t.Errorf("search after the build was killed = %d, %d hits, %v; want 200 with hits", code, res.Total, err)
	}
	if cur, err := index.Current(root); err != nil || filepath.Base(cur) != first.ID {
		t.Errorf("current = %s, %v after a killed build; want %s", cur, err, first.ID)
	}

	// The killed build left its .tmp and released its lock: the next one publishes (a small
	// collection, so a loaded machine builds it in seconds).
	small := ""
	for i := range 10 {
		small += fmt.Sprintf(`{"title":"The Crimson Dancer %d","year":1950,"description":"A ballet film."}`+"\n", i)
	}
	if err := os.WriteFile(filepath.Join(big, "films.jsonl"), []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	reindex()
	for deadline := time.Now().Add(60 * time.Second); ; {
		if _, err := getJSON(client, d.base+"/readyz", &ready); err != nil {
			t.Fatal(err)
		}
		if ready.BuildID != first.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new build 60s after the second reindex\n%s", tail(d.stderr.String(), 3000))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ready.DocCount != 10 {
		t.Errorf("reindexed build has %d films; want 10", ready.DocCount)
	}
	d.stop(t)
}

// TestRefusedLikeIndexer: searchd's first build and its admin reindex refuse a collection with
// the very error of index.PublishCorpus, which the indexer's refusal equals (cmd/indexer's
// TestRefusedLikeSearchd), though they run in a child process.
func TestRefusedLikeIndexer(t *testing.T) {
	t.Parallel()
	refused := testkit.RefusedCorpora(t)
	for _, c := range refused {
		_, _, want := index.PublishCorpus(t.Context(), c.Dir, t.TempDir(), index.PublishOptions{})
		err := run(t.Context(), []string{"--addr", anyPort, "--index", t.TempDir(), "--corpus", c.Dir}, noEnv, io.Discard, io.Discard)
		if want == nil || err == nil || err.Error() != "initial build: "+want.Error() {
			t.Errorf("%s: first build = %v; want initial build: %v", c.Name, err, want)
		}
	}

	// The admin reindex of a served collection whose files were replaced by a refused one's.
	const key = "test-admin-key"
	served := t.TempDir()
	if err := os.WriteFile(filepath.Join(served, "films.txt"), []byte("Giselle (1975)\nDescription: A tragic love story.\nFact: Filmed at the Bolshoi.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startEnv(t, func(k string) string { return map[string]string{"SEARCHD_ADMIN_KEY": key}[k] },
		"--index", t.TempDir(), "--corpus", served, "--poll", "1h")
	client := &http.Client{Timeout: 10 * time.Second}
	for i, c := range refused {
		old, _ := filepath.Glob(filepath.Join(served, "*"))
		for _, f := range old {
			os.Remove(f)
		}
		files, _ := filepath.Glob(filepath.Join(c.Dir, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil {
				err = os.WriteFile(filepath.Join(served, filepath.Base(f)), b, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		_, _, want := index.PublishCorpus(t.Context(), served, t.TempDir(), index.PublishOptions{})
		req, _ := http.NewRequest(http.MethodPost, d.base+"/api/admin/reindex", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("%s: reindex = %d; want 202", c.Name, resp.StatusCode)
		}
		if got := reindexFailure(t, d, i+1); want == nil || got != want.Error() {
			t.Errorf("%s: admin reindex failed with %q; want %v", c.Name, got, want)
		}
	}
	d.stop(t)
}

// reindexFailure waits for the nth "reindex failed" line of d's log and returns its error.
func reindexFailure(t *testing.T, d *daemon, n int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var failures []string
		for _, line := range strings.Split(d.stderr.String(), "\n") {
			var l struct{ Message, Error string }
			if json.Unmarshal([]byte(line), &l) == nil && strings.HasPrefix(l.Message, "reindex failed") {
				failures = append(failures, l.Error)
			}
		}
		if len(failures) >= n {
			return failures[n-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reindex failure %d within 30s\nstderr:\n%s", n, d.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
