package api

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes lists every route of the API in one place. Middleware wraps the whole router, not
// r.Use, so that 404 and 405 answers get a request id, an access log line and the envelope too.
func (s *server) routes() http.Handler {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(handleNotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(handleMethodNotAllowed)

	read := func(h http.Handler) http.Handler { return s.cors(s.rateLimit(h)) }
	search := func(h http.Handler) http.Handler { return read(s.limitConcurrency(h)) }

	r.Handle("/api/search", search(s.handleSearch())).Methods(http.MethodGet, http.MethodHead, http.MethodOptions)
	r.Handle("/api/suggest", search(s.handleSuggest())).Methods(http.MethodGet, http.MethodHead, http.MethodOptions)
	r.Handle("/api/films/{id}", read(s.handleFilm())).Methods(http.MethodGet, http.MethodHead, http.MethodOptions)

	r.Handle("/api/admin/reload", s.admin(s.handleReload())).Methods(http.MethodPost)
	r.Handle("/api/admin/reindex", s.admin(s.handleReindex())).Methods(http.MethodPost)

	r.Handle("/healthz", handleHealthz()).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", s.handleReadyz()).Methods(http.MethodGet, http.MethodHead)

	if s.opts.Queries != nil {
		r.Handle("/1/indexes/*/queries", search(s.opts.Queries)).Methods(http.MethodPost, http.MethodOptions)
	}
	if s.opts.FacetValues != nil {
		r.Handle("/1/indexes/{index}/facets/{facet}/query", search(s.opts.FacetValues)).Methods(http.MethodPost, http.MethodOptions)
	}
	if s.opts.Demo != nil {
		for _, p := range []string{"/", "/widget.js", "/demo.js", "/demo.css"} {
			r.Handle(p, s.rateLimit(s.opts.Demo)).Methods(http.MethodGet, http.MethodHead)
		}
	}
	return s.observe(recoverPanics(r))
}
