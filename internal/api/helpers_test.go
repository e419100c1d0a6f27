package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// testIndex opens the collection in corpus/, published once per test binary.
func testIndex(t testing.TB) *index.Index { return testkit.Index(t) }

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
