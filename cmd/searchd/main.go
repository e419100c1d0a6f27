// Command searchd serves full-text search over a film collection: the native JSON API, the
// embeddable widget and its demo page. It builds the index from the corpus when none exists and
// swaps in new builds as the indexer publishes them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/term"

	"filmsearch/internal/algolia"
	"filmsearch/internal/api"
	"filmsearch/internal/cli"
	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
	"filmsearch/web"
)

var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "searchd:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, index, corpus string
	corsOrigins         []string
	adminKey            string
	poll                time.Duration
	searchTimeout       time.Duration
	drainDelay          time.Duration
	maxConcurrent       int
	rate                float64
	burst               int
	trustedProxy        string
	logFormat           string
	cacheEntries        int
	cacheMaxAge         time.Duration
	maxConns            int
	maxConnsPerClient   int
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, bool, error) {
	var c config
	fs := flag.NewFlagSet("searchd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := cli.NewEnv(getenv)
	fs.StringVar(&c.addr, "addr", env.String("SEARCHD_ADDR", "127.0.0.1:8080"), "listen address (SEARCHD_ADDR)")
	fs.StringVar(&c.index, "index", env.String("SEARCHD_INDEX", "data/index"), "index directory with builds/ and current (SEARCHD_INDEX)")
	fs.StringVar(&c.corpus, "corpus", env.String("SEARCHD_CORPUS", "corpus"), "corpus directory, indexed when there is no build yet (SEARCHD_CORPUS)")
	origins := fs.String("cors-origins", env.String("SEARCHD_CORS_ORIGINS", ""), "comma-separated origins allowed to call the API; empty allows any (SEARCHD_CORS_ORIGINS)")
	fs.DurationVar(&c.poll, "poll", env.Duration("SEARCHD_POLL", 2*time.Second), "how often to look for a new build (SEARCHD_POLL)")
	fs.DurationVar(&c.searchTimeout, "search-timeout", env.Duration("SEARCHD_SEARCH_TIMEOUT", 2*time.Second), "deadline of one search, and of one InstantSearch batch (SEARCHD_SEARCH_TIMEOUT)")
	fs.DurationVar(&c.drainDelay, "drain-delay", env.Duration("SEARCHD_DRAIN_DELAY", 0), "how long /readyz fails before shutdown starts, for load balancers (SEARCHD_DRAIN_DELAY)")
	fs.IntVar(&c.maxConcurrent, "max-concurrent", env.Int("SEARCHD_MAX_CONCURRENT", 64), "searches at once before 503 (SEARCHD_MAX_CONCURRENT)")
	fs.Float64Var(&c.rate, "rate", env.Float("SEARCHD_RATE", 50), "requests per second per client; negative disables (SEARCHD_RATE)")
	fs.IntVar(&c.burst, "burst", env.Int("SEARCHD_BURST", 100), "request burst per client (SEARCHD_BURST)")
	fs.StringVar(&c.trustedProxy, "trusted-proxy", env.String("SEARCHD_TRUSTED_PROXY", ""), "IP of a proxy whose X-Forwarded-For is believed (SEARCHD_TRUSTED_PROXY)")
	fs.IntVar(&c.cacheEntries, "cache-entries", env.Int("SEARCHD_CACHE_ENTRIES", 1024), "responses kept in the in-process cache; 0 disables (SEARCHD_CACHE_ENTRIES)")
	fs.DurationVar(&c.cacheMaxAge, "cache-max-age", env.Duration("SEARCHD_CACHE_MAX_AGE", 30*time.Second), "max-age of cacheable answers for browsers, proxies and CDNs (SEARCHD_CACHE_MAX_AGE)")
	fs.IntVar(&c.maxConns, "max-conns", env.Int("SEARCHD_MAX_CONNS", 4096), "open connections at most; at the cap an idle one is closed to make room; 0: no cap (SEARCHD_MAX_CONNS)")
	fs.IntVar(&c.maxConnsPerClient, "max-conns-per-client", env.Int("SEARCHD_MAX_CONNS_PER_CLIENT", 256), "open connections from one IP at most, the trusted proxy exempt; 0: no cap (SEARCHD_MAX_CONNS_PER_CLIENT)")
	fs.StringVar(&c.logFormat, "log-format", env.String("SEARCHD_LOG_FORMAT", "auto"), "json, console, or auto: console on a terminal (SEARCHD_LOG_FORMAT)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return c, false, err
	}
	if err := env.Err(); err != nil {
		return c, false, err
	}
	if fs.NArg() > 0 {
		return c, false, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.maxConns < 0 || c.maxConnsPerClient < 0 {
		return c, false, errors.New("max-conns and max-conns-per-client must not be negative")
	}
	if c.poll <= 0 {
		// time.NewTicker panics on a non-positive interval.
		return c, false, fmt.Errorf("poll must be positive, not %v", c.poll)
	}
	for _, o := range strings.Split(*origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.corsOrigins = append(c.corsOrigins, o)
		}
	}
	// The admin key comes from the environment only, so it never shows in a process list.
	c.adminKey = getenv("SEARCHD_ADMIN_KEY")
	return c, *showVersion, nil
}

func newLogger(format string, stderr io.Writer) zerolog.Logger {
	var w io.Writer = stderr
	f, isFile := stderr.(*os.File)
	if format == "console" || (format == "auto" && isFile && term.IsTerminal(int(f.Fd()))) {
		w = zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).With().Timestamp().Logger()
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, showVersion, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if showVersion {
		fmt.Fprintln(stdout, "searchd", version)
		return nil
	}
	log := newLogger(cfg.logFormat, stderr)
	// The live heap is small (tens of MB), so at Go's default the collector runs thousands of
	// times a second under load. Collecting at 5x the live heap costs about 12 MB and gives
	// about 45% more searches per second on two cores. GOGC, when set, still decides.
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx = log.WithContext(ctx)

	// Listen before anything slow, such as a first build, so a busy port fails at once.
	tcp, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer tcp.Close() // a no-op once Serve has closed it
	ln := newConnLimiter(tcp, cfg.maxConns, cfg.maxConnsPerClient, cfg.trustedProxy)

	ix, err := openOrBuild(ctx, cfg)
	if err != nil {
		return err
	}
	defer ix.Close()
	if r, ok := ix.Refused(); ok {
		log.Error().Err(r.Err).Str("refused_build", r.BuildID).Str("build_id", ix.Manifest().ID).
			Msg("current build refused; serving the newest good build instead")
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go ix.Watch(ctx, cfg.poll)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if swapped, err := ix.Reload(); err != nil {
					log.Error().Err(err).Msg("reload on SIGHUP failed")
				} else {
					log.Info().Bool("swapped", swapped).Str("build_id", ix.Manifest().ID).Msg("reloaded on SIGHUP")
				}
			}
		}
	}()

	// The demo page's title; the introduction comes with each build.
	about, err := corpus.LoadAbout(cfg.corpus)
	if err != nil {
		log.Warn().Err(err).Msg("collection name unreadable; the demo page uses neutral words")
	}
	var ready atomic.Bool
	// A reindex outlives the request that asks for it, not searchd: shutdown cancels it.
	rx := &reindexer{cfg: cfg, ix: ix, log: log}
	handler := api.NewServer(ix, api.Options{
		Logger:         log,
		CORSOrigins:    cfg.corsOrigins,
		Ready:          ready.Load,
		SearchTimeout:  cfg.searchTimeout,
		MaxConcurrent:  cfg.maxConcurrent,
		RatePerSecond:  cfg.rate,
		RateBurst:      cfg.burst,
		TrustedProxyIP: cfg.trustedProxy,
		AdminKey:       cfg.adminKey,
		Reload:         func(context.Context) (bool, error) { return ix.Reload() },
		Reindex:        func(context.Context) error { return rx.start(ctx) },
		Demo:           web.NewHandler(func() web.About { return web.About{Name: about.Name, Intro: ix.Manifest().Intro} }),
		Queries:        algolia.NewQueriesHandler(ix, log),
		FacetValues:    algolia.NewFacetValuesHandler(ix, log),
		Version:        version,
		CacheEntries:   cfg.cacheEntries,
		CacheMaxAge:    cfg.cacheMaxAge,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ConnState:         ln.ConnState,
		ErrorLog:          nil,
		// Requests keep ctx's logger but not its cancellation: ctx ends when shutdown begins,
		// and the requests still in flight must drain, not fail.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	m := ix.Manifest()
	log.Info().Str("addr", ln.Addr().String()).Str("build_id", m.ID).Int("doc_count", m.DocCount).Str("version", version).Msg("serving")
	ready.Store(true)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// Fail /readyz first so balancers stop sending, then drain with a fresh context: ctx is
	// already cancelled and would drain nothing.
	ready.Store(false)
	log.Info().Dur("drain_delay", cfg.drainDelay).Msg("shutting down")
	time.Sleep(cfg.drainDelay)
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	rx.wait()
	log.Info().Msg("stopped")
	return nil
}

// openOrBuild opens the current build, first building one from the corpus when there is none,
// so a fresh checkout serves at once, or when every build is damaged, so a restart does not
// fail the same way for ever.
func openOrBuild(ctx context.Context, cfg config) (*index.Index, error) {
	ix, err := index.Open(cfg.index)
	log := zerolog.Ctx(ctx)
	switch {
	case err == nil:
		return ix, nil
	case errors.Is(err, index.ErrDamaged):
		log.Error().Err(err).Str("corpus", cfg.corpus).Msg("no build opens; indexing the corpus")
	case errors.Is(err, index.ErrNoBuild):
		log.Info().Str("corpus", cfg.corpus).Str("index", cfg.index).Msg("no build yet; indexing the corpus")
	default:
		return nil, err
	}
	m, c, err := index.PublishCorpus(ctx, cfg.corpus, cfg.index, index.PublishOptions{Version: version})
	if errors.Is(err, index.ErrBuildRunning) {
		// Another process (a second replica, an indexer) is building this index: serve its build.
		log.Info().Msg("another process is building the index; waiting for its build")
		return waitForBuild(ctx, cfg.index)
	}
	if c != nil {
		for _, w := range c.Warnings {
			log.Warn().Str("where", w.String()).Msg("corpus warning")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("initial build: %w", err)
	}
	log.Info().Str("build_id", m.ID).Int("doc_count", m.DocCount).Float64("seconds", m.BuildSeconds).Msg("built")
	return index.Open(cfg.index)
}

// waitForBuild opens the index's first build once another process has published it.
func waitForBuild(ctx context.Context, root string) (*index.Index, error) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		ix, err := index.Open(root)
		if !errors.Is(err, index.ErrNoBuild) {
			return ix, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for the first build: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// reindexer runs one background rebuild at a time for the admin endpoint.
type reindexer struct {
	cfg     config
	ix      *index.Index
	log     zerolog.Logger
	running atomic.Bool
	wg      sync.WaitGroup
}

var errReindexRunning = errors.New("a reindex is already running")

// start begins a rebuild in the background under parent, searchd's own context: shutdown
// (SIGTERM) cancels it, and wait then returns within a batch of the build.
func (r *reindexer) start(parent context.Context) error {
	if !r.running.CompareAndSwap(false, true) {
		return errReindexRunning
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer r.running.Store(false)
		ctx, cancel := context.WithTimeout(parent, 30*time.Minute)
		defer cancel()
		m, _, err := index.PublishCorpus(ctx, r.cfg.corpus, r.cfg.index, index.PublishOptions{Version: version})
		if err != nil && parent.Err() != nil {
			r.log.Info().Err(err).Msg("reindex cancelled by shutdown; nothing published")
			return
		}
		if err != nil {
			r.log.Error().Err(err).Msg("reindex failed; the previous build is still served")
			return
		}
		if _, err := r.ix.Reload(); err != nil {
			r.log.Error().Err(err).Msg("reindex built but reload failed")
			return
		}
		r.log.Info().Str("build_id", m.ID).Int("doc_count", m.DocCount).Msg("reindexed")
	}()
	return nil
}

func (r *reindexer) wait() { r.wg.Wait() }
