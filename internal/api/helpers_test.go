package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

var (
	buildOnce sync.Once
	buildRoot string
	buildErr  error
)

// testIndex opens the collection in corpus/, published once per test binary into a temp dir.
func testIndex(t testing.TB) *index.Index {
	t.Helper()
	buildOnce.Do(func() {
		buildRoot, buildErr = os.MkdirTemp("", "api-test-")
		if buildErr == nil {
			_, _, buildErr = index.PublishCorpus(context.Background(), "../../corpus", buildRoot, index.PublishOptions{Version: "test"})
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	ix, err := index.Open(buildRoot)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return ix
}

// newTestHandler serves the collection through the real router. Rate limiting is off unless
// opts sets it, so tests may send many requests.
func newTestHandler(t testing.TB, opts Options) http.Handler {
	t.Helper()
	if opts.RatePerSecond == 0 {
		opts.RatePerSecond = -1
	}
	opts.Logger = zerolog.Nop()
	return NewServer(testIndex(t), opts)
}

// get sends a GET through h and returns the recorded response.
func get(t testing.TB, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildRoot != "" {
		os.RemoveAll(buildRoot)
	}
	os.Exit(code)
}
