package relevance

import (
	"os"
	"testing"
)

var tempRoot string

// mkdirTemp makes a directory removed when the test binary exits: the builds are shared by
// tests and benchmarks, so they outlive any one t.TempDir.
func mkdirTemp(pattern string) (string, error) { return os.MkdirTemp(tempRoot, pattern) }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "relevance-test-")
	if err != nil {
		panic(err)
	}
	tempRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
