package perf

import (
	"fmt"
	"sync"
	"testing"

	"filmsearch/internal/testkit"
)

var (
	workOnce sync.Once
	work     string
)

// workDir is one temp dir per test process for builds, generated corpora and binaries, under
// the test kit's root, which TestMain removes: a run of the large benchmarks leaves nothing in
// /tmp.
func workDir() string {
	workOnce.Do(func() {
		var err error
		if work, err = testkit.MkdirTemp("perf-"); err != nil {
			panic(fmt.Sprintf("perf: %v", err))
		}
	})
	return work
}

// tempDir makes a new directory in the test kit's root.
func tempDir(b testing.TB, pattern string) string {
	b.Helper()
	return testkit.TempDir(b, pattern)
}
