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

// castFilms are films with the fields the first collection lacks: genres (several per film),
// director and cast. Drama: 3 films, Dance: 3, Musical: 2; Drama and Dance together: 2.
const castFilms = `{"id":"anna-on-the-ice-1950","title":"Anna on the Ice","year":1950,"description":"A figure skater from Leningrad becomes a dancer.","facts":[],"companies":["Lenfilm"],"director":"Ivan Petrov","genres":["Drama","Dance"],"cast":["Maria Ivanova","Oleg Smirnov"]}
{"id":"winter-waltz-1953","title":"Winter Waltz","year":1953,"description":"A waltz at a winter ball brings two rivals together.","facts":[],"companies":["Mosfilm"],"director":"Anna Sokolova","genres":["Musical","Dance"],"cast":["Oleg Smirnov"]}
{"id":"the-last-rehearsal-1961","title":"The Last Rehearsal","year":1961,"description":"An old choreographer prepares his final season.","facts":[],"companies":["Mosfilm"],"director":"Ivan Petrov","genres":["Drama"],"cast":["Pavel Orlov"]}
{"id":"coda-1968","title":"Coda","year":1968,"description":"A dancer's last performance, told in song.","facts":[],"companies":["Lenfilm"],"director":"Anna Sokolova","genres":["Drama","Dance","Musical"],"cast":["Maria Ivanova"]}
{"id":"bright-stage-1972","title":"Bright Stage","year":1972,"description":"A film of a theatre's hundredth season.","facts":[],"companies":["Mosfilm"]}
`

var (
	castOnce sync.Once
	castIx   *index.Index
	castErr  error
)

// castIndex returns an index of castFilms, built once for the package and safe to share.
func castIndex(t testing.TB) *index.Index {
	t.Helper()
	castOnce.Do(func() {
		dir := filepath.Join(tempRoot, "cast")
		src := filepath.Join(dir, "corpus")
		if castErr = os.MkdirAll(src, 0o755); castErr != nil {
			return
		}
		if castErr = os.WriteFile(filepath.Join(src, "films.jsonl"), []byte(castFilms), 0o644); castErr != nil {
			return
		}
		root := filepath.Join(dir, "index")
		if _, _, castErr = index.PublishCorpus(context.Background(), src, root, index.PublishOptions{}); castErr == nil {
			castIx, castErr = index.Open(root)
		}
	})
	if castErr != nil {
		t.Fatalf("build the cast index: %v", castErr)
	}
	return castIx
}

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
	for _, ix := range []*index.Index{sharedIx, castIx} {
		if ix != nil {
			ix.Close()
		}
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
