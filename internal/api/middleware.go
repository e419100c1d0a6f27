package api

import (
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
