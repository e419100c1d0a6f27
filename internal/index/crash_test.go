package index

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// crashFilms is the size of the build the indexer is killed in: a few seconds of work, so the
// kills land in loading, batches, merging and publishing.
const crashFilms = 12000

// TestIndexerKilled kills a real indexer process with SIGKILL at random points of a large build
// and checks each time that current still serves the previous build intact; then runs it on a
// "full disk", which must fail cleanly; a final run must succeed and leave nothing behind.
func TestIndexerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the indexer binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "indexer")
	build := exec.Command(goTool, "build", "-o", bin, "./cmd/indexer")
	build.Dir = "../.."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	large := filepath.Join(tmp, "films.jsonl")
	writeJSONL(t, large, crashFilms)
	root := filepath.Join(tmp, "index")

	indexer := func(corpusPath string) *exec.Cmd {
		cmd := exec.Command(bin, "--force", "--corpus", corpusPath, "--index", root)
		cmd.Env = append(os.Environ(), "INDEXER_KEEP=")
		return cmd
	}
	if out, err := indexer("../../corpus").CombinedOutput(); err != nil {
		t.Fatalf("first build: %v\n%s", err, out)
	}
	first := readState(t, root)

	// Time a whole run first, elsewhere, so the kills land across a run on any machine.
	timing := exec.Command(bin, "--corpus", large, "--index", filepath.Join(tmp, "timing"))
	start := time.Now()
	if out, err := timing.CombinedOutput(); err != nil {
		t.Fatalf("timing build: %v\n%s", err, out)
	}
	whole := time.Since(start)

	rng := rand.New(rand.NewPCG(6, 2)) // fixed: the same kill points, as fractions of a run
	for i := range 5 {
		cmd := indexer(large)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(float64(whole) * (0.05 + 0.9*rng.Float64()))
		time.Sleep(delay)
		cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
		err := cmd.Wait()

		// A run that finished before the kill may have published the large build; either way
		// current must name an intact build that serves all its documents.
		st := readState(t, root)
		switch {
		case st.current == first.current && reflect.DeepEqual(st.manifest, first.manifest):
		case st.manifest.DocCount == crashFilms:
			t.Logf("kill %d after %v came too late: the build finished (%v)", i+1, delay, err)
		default:
			t.Fatalf("kill %d after %v: current = %s %+v; want %s or a complete large build", i+1, delay, st.current, st.manifest, first.current)
		}
		checkServes(t, root, st.manifest.DocCount)
	}

	// A full disk: the kernel refuses writes past 2 MB (RLIMIT_FSIZE), as a full disk would.
	// The build must fail with a clear message and change nothing served.
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatalf("prlimit (util-linux) is needed to simulate a full disk: %v", err)
	}
	before := readState(t, root)
	full := exec.Command(prlimit, "--fsize=2000000", "--", bin, "--force", "--corpus", large, "--index", root)
	out, err := full.CombinedOutput()
	if err == nil {
		t.Fatalf("build with a 2 MB file size limit succeeded:\n%s", out)
	}
	t.Logf("build on a full disk: %s", lastLine(string(out)))
	if !strings.Contains(string(out), "file too large") {
		t.Errorf("build on a full disk said %q; want the write error named", lastLine(string(out)))
	}
	if after := readState(t, root); after.current != before.current || !reflect.DeepEqual(after.manifest, before.manifest) {
		t.Errorf("after a failed build current = %s %+v; want %s %+v", after.current, after.manifest, before.current, before.manifest)
	}
	checkServes(t, root, before.manifest.DocCount)

	final := indexer(large)
	out, err = final.CombinedOutput()
	if err != nil {
		t.Fatalf("final build: %v\n%s", err, out)
	}
	t.Logf("final build: %s (user %v)", strings.TrimSpace(lastLine(string(out))), final.ProcessState.UserTime())
	st := readState(t, root)
	if st.manifest.DocCount != crashFilms {
		t.Errorf("final build has %d documents; want %d", st.manifest.DocCount, crashFilms)
	}
	checkServes(t, root, crashFilms)
	leftovers, _ := filepath.Glob(filepath.Join(root, buildsDir, "*"+tmpSuffix))
	links, _ := filepath.Glob(filepath.Join(root, currentLink+".tmp-*"))
	if len(leftovers)+len(links) > 0 {
		t.Errorf("left behind after the final build: %v %v", leftovers, links)
	}
}

func writeJSONL(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, film := range syntheticFilms(n) {
		if err := enc.Encode(film); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}
