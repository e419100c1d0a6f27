package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"filmsearch/internal/index"
)

// metrics are the Prometheus series of one server, in a registry of its own: no global state,
// so a test can build as many servers as it likes. Safe for concurrent use.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec   // route, code
	latency     *prometheus.HistogramVec // route
	searchTime  prometheus.Histogram
	searchHits  prometheus.Histogram
	zeroResults prometheus.Counter
	rateLimited prometheus.Counter
	shed        prometheus.Counter
	cache       *prometheus.CounterVec // result: hit, miss
}

// swapCounter is implemented by a Searcher that can say how many builds it swapped in, as
// *index.Index does. It is optional so that test doubles need not.
type swapCounter interface{ Swaps() int64 }

// refusalReporter is implemented by a Searcher that refuses damaged builds, as *index.Index
// does: the build current names when it was refused, and how many were refused.
type refusalReporter interface {
	Refused() (index.Refusal, bool)
	Refusals() int64
}

func newMetrics(s Searcher, version string) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "searchd_http_requests_total",
			Help: "HTTP requests by route template and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "searchd_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route template.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		searchTime: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "searchd_search_duration_seconds",
			Help:    "Time the index took to run one search (native API, cache misses only).",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2},
		}),
		searchHits: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "searchd_search_hits",
			Help:    "Matching films per search.",
			Buckets: []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
		}),
		zeroResults: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "searchd_search_zero_results_total",
			Help: "Searches with a query that matched nothing.",
		}),
		rateLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "searchd_rate_limited_total",
			Help: "Requests refused with 429 by the per-client rate limit.",
		}),
		shed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "searchd_shed_total",
			Help: "Searches refused with 503 because the concurrency limit was reached.",
		}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "searchd_response_cache_requests_total",
			Help: "Lookups in the in-process response cache, by result (hit, miss).",
		}, []string{"result"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.searchTime, m.searchHits, m.zeroResults,
		m.rateLimited, m.shed, m.cache,
		buildCollector{s: s, version: version},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// Present from the first scrape, so rate() works from zero.
	m.cache.WithLabelValues("hit")
	m.cache.WithLabelValues("miss")
	return m
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// observeSearch records one search the index ran: took is the engine's time.
func (m *metrics) observeSearch(took time.Duration, total int, query string) {
	m.searchTime.Observe(took.Seconds())
	m.searchHits.Observe(float64(total))
	if total == 0 && query != "" {
		m.zeroResults.Inc()
	}
}

// routeKey holds, in a request's context, where the router writes the matched route template.
type routeKey struct{}

// instrument counts and times every request by route template. It wraps the router, which
// records the template through nameRoute; requests no route matched are labelled "unmatched",
// so a scan of random paths cannot grow the series without bound.
func (s *server) instrument(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := "unmatched"
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, &route))
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		s.metrics.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// nameRoute is router middleware (it runs for matched routes only) that tells instrument the
// route's template.
func nameRoute(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(routeKey{}).(*string); ok {
			if t, err := mux.CurrentRoute(r).GetPathTemplate(); err == nil {
				*p = t
			}
		}
		h.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// buildCollector reports the served build at scrape time, so a swap shows at once.
type buildCollector struct {
	s       Searcher
	version string
}

var (
	descBuildInfo = prometheus.NewDesc("searchd_build_info",
		"The build being served (value 1), by build id, and searchd's version.", []string{"build_id", "version"}, nil)
	descDocuments = prometheus.NewDesc("searchd_index_documents",
		"Documents in the build being served.", nil, nil)
	descBuildAge = prometheus.NewDesc("searchd_build_age_seconds",
		"Seconds since the served build was created.", nil, nil)
	descSwaps = prometheus.NewDesc("searchd_index_swaps_total",
		"Builds swapped in since start.", nil, nil)
	descRefusals = prometheus.NewDesc("searchd_build_refusals_total",
		"Builds refused since start because they were damaged or could not be opened.", nil, nil)
	descRefused = prometheus.NewDesc("searchd_build_refused",
		"1 while current names a refused build (an older one is served), else 0.", nil, nil)
)

func (c buildCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descBuildInfo
	ch <- descDocuments
	ch <- descBuildAge
	ch <- descSwaps
	ch <- descRefusals
	ch <- descRefused
}

func (c buildCollector) Collect(ch chan<- prometheus.Metric) {
	m := c.s.Manifest()
	if m.ID != "" {
		ch <- prometheus.MustNewConstMetric(descBuildInfo, prometheus.GaugeValue, 1, m.ID, c.version)
	}
	ch <- prometheus.MustNewConstMetric(descDocuments, prometheus.GaugeValue, float64(m.DocCount))
	if !m.CreatedAt.IsZero() {
		ch <- prometheus.MustNewConstMetric(descBuildAge, prometheus.GaugeValue, time.Since(m.CreatedAt).Seconds())
	}
	if sc, ok := c.s.(swapCounter); ok {
		ch <- prometheus.MustNewConstMetric(descSwaps, prometheus.CounterValue, float64(sc.Swaps()))
	}
	if rr, ok := c.s.(refusalReporter); ok {
		_, refused := rr.Refused()
		ch <- prometheus.MustNewConstMetric(descRefusals, prometheus.CounterValue, float64(rr.Refusals()))
		ch <- prometheus.MustNewConstMetric(descRefused, prometheus.GaugeValue, map[bool]float64{true: 1}[refused])
	}
}
