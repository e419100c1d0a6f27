// Package api is searchd's HTTP interface: the native JSON API of DESIGN.md, the operational
// endpoints, and the middleware that keeps hostile traffic away from the index. NewServer
// returns one http.Handler with every route; the handler is safe for concurrent use.
package api

import (
	"context"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
)

// Searcher is what the API needs from the index. *index.Index satisfies it.
type Searcher interface {
	Search(ctx context.Context, req index.Request) (*index.Result, error)
	Film(ctx context.Context, id string) (corpus.Film, error)
	Suggest(ctx context.Context, q string, n int) ([]index.Suggestion, error)
	Similar(ctx context.Context, id string, page, perPage int) (*index.Result, error)
	Manifest() index.Manifest
}

// Options configure NewServer. The zero value serves with safe defaults.
type Options struct {
	Logger zerolog.Logger
	// CORSOrigins allowed on the read-only endpoints; empty allows any origin (no credentials).
	CORSOrigins []string
	// Ready reports whether the server should receive traffic; nil means always. searchd turns
	// it off when shutdown begins, so load balancers drain first.
	Ready func() bool

	SearchTimeout  time.Duration // per search, and per InstantSearch batch; 0 means DefaultSearchTimeout
	BodyTimeout    time.Duration // to receive a request body; 0 means 5s
	MaxConcurrent  int           // searches at once; 0 means DefaultMaxConcurrent
	RatePerSecond  float64       // per client; 0 means DefaultRatePerSecond, negative disables
	RateBurst      int           // per client; 0 means DefaultRateBurst
	TrustedProxyIP string        // when set, X-Forwarded-For is believed from this peer only

	// AdminKey enables the admin endpoints; empty turns them off (404).
	AdminKey string
	Reload   func(ctx context.Context) (bool, error)
	Reindex  func(ctx context.Context) error

	// Version is searchd's version, reported by searchd_build_info.
	Version string
	// CacheEntries bounds the in-process response cache of the read-only endpoints; 0 turns it
	// off. searchd defaults it to 1024.
	CacheEntries int
	// CacheMaxAge is the max-age (and stale-while-revalidate) of cacheable answers; 0 means 30s.
	CacheMaxAge time.Duration

	// Notice, when set, says something the operator should know about what is served (a stale
	// build, a rebuild under way); the dashboard shows it when it is not empty.
	Notice func() string

	// Stats collects what insights and the dashboard show; nil: the server keeps its own.
	// Share one with Stats.ObserveInstantSearch so InstantSearch searches count too.
	Stats *Stats

	// Extra routes mounted by the caller's packages (web assets, the InstantSearch protocol).
	Demo        http.Handler // "/", "/widget.js", "/demo.js", "/demo.css"
	Queries     http.Handler // POST /1/indexes/*/queries
	FacetValues http.Handler // POST /1/indexes/{index}/facets/{facet}/query
}

// Defaults of the Options that searchd's flags set: the flags default to them, and the README
// states them (TestLimitsDocumented).
const (
	DefaultSearchTimeout = 2 * time.Second
	DefaultMaxConcurrent = 64
	DefaultRatePerSecond = 50
	DefaultRateBurst     = 100
)

func (o *Options) defaults() {
	if o.SearchTimeout <= 0 {
		o.SearchTimeout = DefaultSearchTimeout
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = defaultBodyTimeout
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultMaxConcurrent
	}
	if o.RatePerSecond == 0 {
		o.RatePerSecond = DefaultRatePerSecond
	}
	if o.RateBurst <= 0 {
		o.RateBurst = DefaultRateBurst
	}
}

// NewServer returns the handler for every route of the API.
func NewServer(s Searcher, opts Options) http.Handler {
	return newServer(s, opts).routes()
}

func newServer(s Searcher, opts Options) *server {
	opts.defaults()
	srv := &server{s: s, opts: opts, limiter: newRateLimiter(opts.RatePerSecond, opts.RateBurst), sem: make(chan struct{}, opts.MaxConcurrent)}
	srv.metrics = newMetrics(s, opts.Version)
	if opts.Stats == nil {
		opts.Stats = NewStats()
	}
	srv.opts.Stats = opts.Stats
	srv.insights, srv.traffic = opts.Stats.insights, opts.Stats.traffic
	srv.started = time.Now()
	srv.cache = newResponseCache(opts.CacheEntries)
	maxAge := defaultCacheMaxAge
	if opts.CacheMaxAge > 0 {
		maxAge = max(1, int(opts.CacheMaxAge/time.Second))
	}
	srv.cacheControl = cacheControl(maxAge)
	return srv
}

type server struct {
	s       Searcher
	opts    Options
	limiter *rateLimiter
	sem     chan struct{}

	metrics      *metrics
	insights     *insights
	traffic      *traffic
	started      time.Time
	cache        *responseCache // nil: off
	cacheControl string
}
