package algolia

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"filmsearch/internal/index"
)

// apostropheFilm is a film whose title must reach the reader unescaped. Its year keeps the
// collection's decade counts as they are.
const apostropheFilm = `Swan's Lake (1961)
Description: A village troupe stages its own "swan" ballet with borrowed tutus & a gramophone.
Fact: The title's apostrophe tests that nothing escapes it twice.
`

var (
	sharedOnce sync.Once
	sharedIx   *index.Index
	sharedErr  error
	tempRoot   string
)

// TestMain keeps the shared index in one temp dir removed at exit; t.TempDir cannot outlive the
// first test that would create it.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "algolia-test-")
	if err != nil {
		panic(err)
	}
	tempRoot = dir
	code := m.Run()
	if sharedIx != nil {
		sharedIx.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// testIndex returns an index of the collection in ../../corpus plus apostropheFilm, built once
// for the package. It is read-only and safe to share between parallel tests.
func testIndex(t testing.TB) *index.Index {
	t.Helper()
	sharedOnce.Do(func() { sharedIx, sharedErr = buildIndex(tempRoot) })
	if sharedErr != nil {
		t.Fatalf("build test index: %v", sharedErr)
	}
	return sharedIx
}

func buildIndex(dir string) (*index.Index, error) {
	src := filepath.Join(dir, "corpus")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir("../../corpus")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join("../../corpus", e.Name()))
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(src, e.Name()), data, 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.WriteFile(filepath.Join(src, "zz-apostrophe.txt"), []byte(apostropheFilm), 0o644); err != nil {
		return nil, err
	}
	root := filepath.Join(dir, "index")
	if _, _, err := index.PublishCorpus(context.Background(), src, root, index.PublishOptions{}); err != nil {
		return nil, err
	}
	return index.Open(root)
}
