package api

import (
	"net/http"

	"github.com/gorilla/mux"
)

// routes lists every route of the API in one place. Middleware wraps the whole router, not
// r.Use, so that 404 and 405 answers get a request id, an access log line and the envelope too.
func (s *server) routes() http.Handler {
	// SkipClean: a dot-segment id is refused as an id, not redirected to some other path.
	r := mux.NewRouter().SkipClean(true)
	r.NotFoundHandler = http.HandlerFunc(handleNotFound)
	r.MethodNotAllowedHandler = http.HandlerFunc(handleMethodNotAllowed)

	read := func(h http.Handler) http.Handler { return s.cors(s.rateLimit(h)) }
	// The InstantSearch endpoints take a body: it is read in full, under its own timeout,
	// before a search slot is taken, and the batch gets the search deadline once it has one.
	search := func(h http.Handler) http.Handler {
		return read(s.readBodyFirst(s.limitConcurrency(s.withDeadline(h))))
	}
	// Validators and the response cache sit before the concurrency limit: a 304 or a cache hit
	// takes no search slot.
	cached := func(h http.Handler) http.Handler { return read(s.cacheable(h)) }
	r.Use(nameRoute)

	r.Handle("/api/search", cached(s.limitConcurrency(s.handleSearch()))).Methods(http.MethodGet, http.MethodHead, http.MethodOptions)
	r.Handle("/api/suggest", cached(s.limitConcurrency(s.handleSuggest()))).Methods(http.MethodGet, http.MethodHead, http.MethodOptions)
	r.Handle("/api/films/{id}", cached(s.handleFilm())).Methods(http.MethodGet, http.MethodHead, http.MethodOptions)
	r.Handle("/api/films/{id}/similar", cached(s.limitConcurrency(s.handleSimilar()))).Methods(http.MethodGet, http.MethodHead, http.MethodOptions)

	r.Handle("/api/admin/reload", s.admin(s.handleReload())).Methods(http.MethodPost)
	r.Handle("/api/admin/reindex", s.admin(s.handleReindex())).Methods(http.MethodPost)
	r.Handle("/api/admin/insights", s.admin(s.handleInsights())).Methods(http.MethodGet, http.MethodHead)
	// The dashboard: HTML for a person, the key as a Basic password; never CORS, never cached.
	r.Handle("/admin", s.adminPage(s.handleDashboard())).Methods(http.MethodGet, http.MethodHead)

	r.Handle("/healthz", handleHealthz()).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", s.handleReadyz()).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/metrics", s.metrics.handler()).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/openapi.json", handleOpenAPI()).Methods(http.MethodGet, http.MethodHead)

	if s.opts.Queries != nil {
		r.Handle("/1/indexes/*/queries", search(s.opts.Queries)).Methods(http.MethodPost, http.MethodOptions)
	}
	if s.opts.FacetValues != nil {
		r.Handle("/1/indexes/{index}/facets/{facet}/query", search(s.opts.FacetValues)).Methods(http.MethodPost, http.MethodOptions)
	}
	if s.opts.Demo != nil {
		for _, p := range []string{"/", "/widget.js", "/demo.js", "/demo.css"} {
			// Not rate limited: every visitor of an embedding site loads the widget, cheaply.
			r.Handle(p, s.opts.Demo).Methods(http.MethodGet, http.MethodHead)
		}
	}
	return s.observe(s.instrument(compress(recoverPanics(r))))
}
