package perf

import (
	"fmt"
	"os"
	"sync"
	"testing"
)

var (
	workOnce sync.Once
	work     string
)

// workDir is one temp dir per test process for builds, generated corpora and binaries; TestMain
// removes it, so a run of the large benchmarks leaves nothing behind in /tmp.
func workDir() string {
	workOnce.Do(func() {
		var err error
		if work, err = os.MkdirTemp("", "perf-"); err != nil {
			panic(fmt.Sprintf("perf: %v", err))
		}
	})
	return work
}

// tempDir makes a new directory in workDir.
func tempDir(b testing.TB, pattern string) string {
	b.Helper()
	d, err := os.MkdirTemp(workDir(), pattern)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func TestMain(m *testing.M) {
	code := m.Run()
	if work != "" {
		os.RemoveAll(work)
	}
	os.Exit(code)
}
