package index

import (
	"os"
	"testing"
)

var tempRoot string

func mkdirTemp() (string, error) { return os.MkdirTemp(tempRoot, "collection-") }

// TestMain keeps the shared collection build in one temp dir removed at exit; t.TempDir cannot
// outlive the first test that would create it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "index-test-")
	if err != nil {
		panic(err)
	}
	tempRoot = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
