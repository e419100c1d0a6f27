// Package testkit is what the tests of several packages share: a temp root that outlives any one
// test, the repository's corpus, builds of it made once per test binary, and one headless
// Chromium. Only tests import it; internal/index's own tests cannot (it imports index) and keep
// their fixture.
//
// A package that uses TempDir, Build, Index or Browser calls Main from its TestMain. Every
// function is safe for use by parallel tests.
package testkit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"filmsearch/internal/index"
)

// kit is the state of one test binary.
var kit struct {
	mu       sync.Mutex
	root     string            // the temp root, "" before Main
	builds   map[string]*build // by corpus directory
	corpora  map[string]*build // made corpus directories, by name
	cleanups []func()          // run by Main after the tests, last first
}

// build is a fixture made once: its directory or its error.
type build struct {
	once sync.Once
	dir  string
	err  error
}

// Main runs the tests of m, then removes everything the kit made (builds, the browser, the temp
// root) and exits. TestMain calls it, after any set-up of its own.
func Main(m *testing.M) {
	dir, err := os.MkdirTemp("", "filmsearch-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		os.Exit(2)
	}
	kit.mu.Lock()
	kit.root = dir
	kit.mu.Unlock()
	code := m.Run()
	kit.mu.Lock()
	cleanups := kit.cleanups
	kit.cleanups = nil
	kit.mu.Unlock()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// atExit runs f when Main ends.
func atExit(f func()) {
	kit.mu.Lock()
	defer kit.mu.Unlock()
	kit.cleanups = append(kit.cleanups, f)
}

// TempDir makes a new directory under the test binary's temp root: unlike tb.TempDir, it
// outlives tb, for fixtures that later tests share. Main removes it.
func TempDir(tb testing.TB, pattern string) string {
	tb.Helper()
	dir, err := MkdirTemp(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

// MkdirTemp is TempDir for code that must not stop its goroutine, such as a sync.Once; its
// error says when TestMain did not call Main.
func MkdirTemp(pattern string) (string, error) {
	kit.mu.Lock()
	root := kit.root
	kit.mu.Unlock()
	if root == "" {
		return "", errors.New("testkit: TestMain must call testkit.Main")
	}
	return os.MkdirTemp(root, pattern)
}

// CorpusDir is the repository's corpus/ directory, the collection the tests search, found from
// the working directory (a package's, under go test) up to go.mod.
func CorpusDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "corpus")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("testkit: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Corpus returns a collection directory made once per test binary under name: a copy of the
// repository's corpus/ when base is true, with files (name to content) written over it. Tests
// that ask for the same name share it, so they must agree on its content.
func Corpus(tb testing.TB, name string, base bool, files map[string]string) string {
	tb.Helper()
	kit.mu.Lock()
	if kit.corpora == nil {
		kit.corpora = map[string]*build{}
	}
	c := kit.corpora[name]
	if c == nil {
		c = &build{}
		kit.corpora[name] = c
	}
	kit.mu.Unlock()
	src := CorpusDir(tb)
	c.once.Do(func() {
		dir, err := MkdirTemp("corpus-" + name + "-")
		if c.err = err; err != nil {
			return
		}
		if base {
			if c.err = copyFiles(src, dir); c.err != nil {
				return
			}
		}
		for name, content := range files {
			if c.err = os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); c.err != nil {
				return
			}
		}
		c.dir = dir
	})
	if c.err != nil {
		tb.Fatalf("testkit: corpus %s: %v", name, c.err)
	}
	return c.dir
}

// copyFiles copies the regular files of src into dst.
func copyFiles(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Build publishes the collection in corpusDir, the way the indexer does, and returns the index
// root holding the build. It builds each directory once per test binary: the build is
// read-only and shared, so tests open it (Open) and never write to it.
func Build(tb testing.TB, corpusDir string) string {
	tb.Helper()
	abs, err := filepath.Abs(corpusDir)
	if err != nil {
		tb.Fatal(err)
	}
	kit.mu.Lock()
	if kit.builds == nil {
		kit.builds = map[string]*build{}
	}
	b := kit.builds[abs]
	if b == nil {
		b = &build{}
		kit.builds[abs] = b
	}
	kit.mu.Unlock()
	b.once.Do(func() {
		root, err := MkdirTemp("index-")
		if b.err = err; err != nil {
			return
		}
		// Not tb's context: the build outlives tb, and a cancelled build would fail the
		// tests that share it.
		if _, _, b.err = index.PublishCorpus(context.Background(), abs, root, index.PublishOptions{Version: "test"}); b.err == nil {
			b.dir = root
		}
	})
	if b.err != nil {
		tb.Fatalf("testkit: build %s: %v", corpusDir, b.err)
	}
	return b.dir
}

// Open opens the index under root for tb and closes it when tb ends.
func Open(tb testing.TB, root string) *index.Index {
	tb.Helper()
	ix, err := index.Open(root)
	if err != nil {
		tb.Fatalf("testkit: open %s: %v", root, err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// Index opens the shared build of the repository's corpus/ for tb.
func Index(tb testing.TB) *index.Index {
	tb.Helper()
	return Open(tb, Build(tb, CorpusDir(tb)))
}
