package api

import (
	"net/http"

	"github.com/rs/zerolog"
)

// NewStarting returns what searchd serves between listening and having a build to search, such
// as during its first build: /healthz answers 200 (the process lives), /readyz 503 with status
// "starting" and reason (what searchd is doing, for an operator), and every other path 503
// unavailable with Retry-After. It has no index and no admin action. reason is called per
// request and must be safe for concurrent use.
func NewStarting(logger zerolog.Logger, reason func() string) http.Handler {
	s := &server{opts: Options{Logger: logger}}
	mux := http.NewServeMux()
	mux.Handle("/healthz", handleHealthz())
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "starting", "reason": reason(), "doc_count": 0})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &Error{Code: CodeUnavailable, Message: "searchd is starting: " + reason(), RetryAfter: 5})
	})
	return s.observe(recoverPanics(mux))
}
