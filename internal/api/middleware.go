package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"runtime/debug"
	"slices"
	"time"

	"github.com/rs/zerolog/hlog"
)

// observe gives every request a logger, a request id (also sent as X-Request-Id) and one access
// log line.
func (s *server) observe(h http.Handler) http.Handler {
	h = hlog.AccessHandler(func(r *http.Request, status, size int, d time.Duration) {
		ev := hlog.FromRequest(r).Info()
		if status >= 500 {
			ev = hlog.FromRequest(r).Warn()
		}
		ev.Str("method", r.Method).Str("path", r.URL.Path).Int("status", status).
			Int("size", size).Float64("took_ms", float64(d.Microseconds())/1000).Msg("request")
	})(h)
	h = hlog.RequestIDHandler("req_id", "X-Request-Id")(h)
	return hlog.NewHandler(s.opts.Logger)(h)
}

// recoverPanics answers a panic with 500 in the envelope and logs the stack; the server lives on.
func recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				hlog.FromRequest(r).Error().Interface("panic", v).Bytes("stack", debug.Stack()).Msg("panic")
				writeError(w, r, &Error{Code: CodeInternal, Message: "internal error"})
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// cors allows the read-only endpoints to be called from other origins: any origin by default,
// else the allowlist. Credentials are never allowed, so a page cannot act as its visitor.
func (s *server) cors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && (len(s.opts.CORSOrigins) == 0 || slices.Contains(s.opts.CORSOrigins, origin))
		w.Header().Add("Vary", "Origin")
		if allowed {
			if len(s.opts.CORSOrigins) == 0 {
				w.Header().Set("Access-Control-Allow-Origin", "*")
			} else {
				w.Header().Set("Access-Control-Allow-Origin", origin)
			}
			w.Header().Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After, ETag")
		}
		if r.Method == http.MethodOptions {
			if allowed {
				w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type, X-Algolia-Application-Id, X-Algolia-API-Key, X-Algolia-Agent")
				w.Header().Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// limitConcurrency refuses a search when MaxConcurrent are already running: a fast 503 beats
// an unbounded queue that times everyone out.
func (s *server) limitConcurrency(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.sem <- struct{}{}:
			defer func() { <-s.sem }()
			h.ServeHTTP(w, r)
		default:
			s.metrics.shed.Inc()
			writeError(w, r, &Error{Code: CodeUnavailable, Message: "too many searches at once; retry shortly", RetryAfter: 1})
		}
	})
}

// Request bodies are read in full before a concurrency slot is taken, so a client trickling its
// body holds a connection, not a search slot.
const (
	// maxBodyBytes is how much of a body readBodyFirst keeps: the InstantSearch limit (a test
	// ties them) plus one byte, so the handler sees that a body is too large and says so.
	maxBodyBytes = 64<<10 + 1
	// defaultBodyTimeout bounds the time to receive a body, from the end of the headers.
	defaultBodyTimeout = 5 * time.Second
)

// readBodyFirst reads up to maxBodyBytes of the request body within the body timeout and hands
// the handler a body that replays them. A read that fails (the deadline passed, the client
// left) is replayed too, as the error the handler's own read returns after the bytes that came,
// so each protocol answers it in its own shape: a 408 for the deadline.
func (s *server) readBodyFirst(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		// Without a connection (httptest's recorder) there is no deadline to set; the server's
		// ReadTimeout still applies.
		_ = rc.SetReadDeadline(time.Now().Add(s.opts.BodyTimeout))
		// The deadline stays: the server drains what is left of a body too large under it,
		// and sets its own deadlines for the next request on the connection.
		data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes))
		var body io.Reader = bytes.NewReader(data)
		if err != nil {
			body = io.MultiReader(body, errReader{err})
		}
		r.Body = io.NopCloser(body)
		h.ServeHTTP(w, r)
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// withDeadline gives a request the search deadline. The InstantSearch handlers run a batch of
// searches under it: the batch as a whole stops there, and so does each search in it.
func (s *server) withDeadline(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.SearchTimeout)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
