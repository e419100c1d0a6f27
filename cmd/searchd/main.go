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
	"path/filepath"
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
	if os.Getenv(buildChildEnv) != "" {
		code := childMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "searchd:", err)
		os.Exit(1)
	}
}

type config struct {
	addr, index, corpus string
	rebuildStale        bool
	corsOrigins         []string
	adminKey            string
	poll                time.Duration
	searchTimeout       time.Duration
	drainDelay          time.Duration
	shutdownTimeout     time.Duration
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

func parseFlags(args []string, getenv func(string) string, stdout, stderr io.Writer) (config, bool, error) {
	var c config
	fs := flag.NewFlagSet("searchd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := cli.NewEnv(getenv)
	fs.StringVar(&c.addr, "addr", env.String("SEARCHD_ADDR", "127.0.0.1:8080"), "listen address (SEARCHD_ADDR)")
	fs.StringVar(&c.index, "index", env.String("SEARCHD_INDEX", "data/index"), "index directory with builds/ and current (SEARCHD_INDEX)")
	fs.StringVar(&c.corpus, "corpus", env.String("SEARCHD_CORPUS", "corpus"), "collection: a directory, or one .jsonl/.txt file; indexed when there is no build or the build is stale (SEARCHD_CORPUS)")
	fs.BoolVar(&c.rebuildStale, "rebuild-stale", env.Bool("SEARCHD_REBUILD_STALE", true), "rebuild at start-up when the build is not of --corpus or of another index format; false serves it and logs an error (SEARCHD_REBUILD_STALE)")
	origins := fs.String("cors-origins", env.String("SEARCHD_CORS_ORIGINS", ""), "comma-separated origins allowed to call the API; empty allows any (SEARCHD_CORS_ORIGINS)")
	fs.DurationVar(&c.poll, "poll", env.Duration("SEARCHD_POLL", 2*time.Second), "how often to look for a new build (SEARCHD_POLL)")
	fs.DurationVar(&c.searchTimeout, "search-timeout", env.Duration("SEARCHD_SEARCH_TIMEOUT", api.DefaultSearchTimeout), "deadline of one search, and of one InstantSearch batch (SEARCHD_SEARCH_TIMEOUT)")
	fs.DurationVar(&c.drainDelay, "drain-delay", env.Duration("SEARCHD_DRAIN_DELAY", 0), "how long /readyz fails before shutdown starts, for load balancers (SEARCHD_DRAIN_DELAY)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", env.Duration("SEARCHD_SHUTDOWN_TIMEOUT", 10*time.Second), "after the drain delay, how long requests in flight may take to finish (SEARCHD_SHUTDOWN_TIMEOUT)")
	fs.IntVar(&c.maxConcurrent, "max-concurrent", env.Int("SEARCHD_MAX_CONCURRENT", api.DefaultMaxConcurrent), "searches at once before 503 (SEARCHD_MAX_CONCURRENT)")
	fs.Float64Var(&c.rate, "rate", env.Float("SEARCHD_RATE", api.DefaultRatePerSecond), "requests per second per client; negative disables (SEARCHD_RATE)")
	fs.IntVar(&c.burst, "burst", env.Int("SEARCHD_BURST", api.DefaultRateBurst), "request burst per client (SEARCHD_BURST)")
	fs.StringVar(&c.trustedProxy, "trusted-proxy", env.String("SEARCHD_TRUSTED_PROXY", ""), "IP of a proxy whose X-Forwarded-For is believed (SEARCHD_TRUSTED_PROXY)")
	fs.IntVar(&c.cacheEntries, "cache-entries", env.Int("SEARCHD_CACHE_ENTRIES", 1024), "responses kept in the in-process cache; 0 disables (SEARCHD_CACHE_ENTRIES)")
	fs.DurationVar(&c.cacheMaxAge, "cache-max-age", env.Duration("SEARCHD_CACHE_MAX_AGE", 30*time.Second), "max-age of cacheable answers for browsers, proxies and CDNs (SEARCHD_CACHE_MAX_AGE)")
	fs.IntVar(&c.maxConns, "max-conns", env.Int("SEARCHD_MAX_CONNS", 4096), "open connections at most; at the cap an idle one is closed to make room; 0: no cap (SEARCHD_MAX_CONNS)")
	fs.IntVar(&c.maxConnsPerClient, "max-conns-per-client", env.Int("SEARCHD_MAX_CONNS_PER_CLIENT", 256), "open connections from one IP at most, the trusted proxy exempt; 0: no cap (SEARCHD_MAX_CONNS_PER_CLIENT)")
	fs.StringVar(&c.logFormat, "log-format", env.String("SEARCHD_LOG_FORMAT", "auto"), "json, console, or auto: console on a terminal (SEARCHD_LOG_FORMAT)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := cli.Parse(fs, args, stdout,
		"searchd serves full-text search over a film collection: the JSON API, InstantSearch, the widget, its demo page and the /admin dashboard.",
		"searchd [flags]",
		"SEARCHD_ADMIN_KEY   enables the admin endpoints and the /admin dashboard; never a flag, so it stays out of process lists",
		"GOGC                Go's collector target; searchd sets 400 when it is unset"); err != nil {
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
	if err := cli.OneOf("log-format", c.logFormat, "auto", "json", "console"); err != nil {
		return c, false, err
	}
	if c.drainDelay < 0 || c.shutdownTimeout <= 0 {
		return c, false, errors.New("drain-delay must not be negative and shutdown-timeout must be positive")
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

// run is the whole program; it returns instead of exiting so tests can call it. It reads as
// searchd's life: listen, open the index, watch for new builds, serve the API, wait for the end.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, showVersion, err := parseFlags(args, getenv, stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if showVersion {
		fmt.Fprintln(stdout, "searchd", version)
		return nil
	}
	log := newLogger(cfg.logFormat, stderr)
	tuneGC(getenv)
	ctx = log.WithContext(ctx)

	s, err := listen(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.ln.Close() // a no-op once Serve has closed it
	ix, rx, err := openIndex(ctx, cfg, log, stderr, s.setStatus)
	if err != nil {
		return s.abort(ctx, err)
	}
	defer ix.Close()
	stopWatching := watchBuilds(ctx, cfg, ix, log)
	defer stopWatching()
	touched, took := warmHeap()
	log.Info().Uint64("heap_mb", touched>>20).Float64("took_ms", float64(took.Microseconds())/1000).Msg("heap warmed")
	s.serveAPI(ctx, cfg, ix, rx)
	return s.wait(ctx, rx)
}

// tuneGC makes the collector run less often. The live heap is small (tens of MB), so at Go's
// default the collector runs thousands of times a second under load. Collecting at 5x the live
// heap costs about 12 MB and gives about 45% more searches per second on two cores. GOGC, when
// set, still decides.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

// server is searchd's HTTP side: the capped listener, the http.Server, and the handler it
// switches from the start-up answers to the API.
type server struct {
	log      zerolog.Logger
	srv      *http.Server
	ln       *connLimiter
	url      string
	handler  handlerSwitch
	starting atomic.Pointer[string] // what start-up is doing, for /readyz
	ready    atomic.Bool
	errc     chan error // Serve's result
	timeout  time.Duration
	drain    time.Duration
}

// listen listens on cfg.addr and serves at once, before anything slow such as a first build: a
// busy port fails at once, and /healthz and /readyz answer (200, and 503 with what searchd is
// doing) while start-up runs. The "listening" log line carries the bound address.
func listen(ctx context.Context, cfg config, log zerolog.Logger) (*server, error) {
	tcp, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &server{log: log, errc: make(chan error, 1), timeout: cfg.shutdownTimeout, drain: cfg.drainDelay}
	s.ln = newConnLimiter(tcp, cfg.maxConns, cfg.maxConnsPerClient, cfg.trustedProxy)
	s.url = serveURL(s.ln.Addr())
	s.setStatus("opening the index")
	s.handler.set(api.NewStarting(log, func() string { return *s.starting.Load() }))
	s.srv = &http.Server{
		Handler:           &s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ConnState:         s.ln.ConnState,
		// Requests keep ctx's logger but not its cancellation: ctx ends when shutdown begins,
		// and the requests still in flight must drain, not fail.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go func() { s.errc <- s.srv.Serve(s.ln) }()
	log.Info().Str("addr", s.ln.Addr().String()).Str("url", s.url).Str("version", version).Msg("listening; /healthz answers, /readyz once the index is open")
	return s, nil
}

func (s *server) setStatus(status string) { s.starting.Store(&status) }

// abort stops the server when start-up failed with err. A failure because searchd is being
// stopped is a clean exit.
func (s *server) abort(ctx context.Context, err error) error {
	stopServer(s.srv, 0, s.timeout)
	if ctx.Err() != nil {
		s.log.Info().Err(err).Msg("stopped before the index was open; nothing published")
		return nil
	}
	return err
}

// openIndex opens the index, building it first when there is none (see openOrBuild), and
// returns it with the reindexer of the admin endpoint. A stale build is served, and rebuilt in
// the background when cfg says so.
func openIndex(ctx context.Context, cfg config, log zerolog.Logger, stderr io.Writer, status func(string)) (*index.Index, *reindexer, error) {
	ix, stale, err := openOrBuild(ctx, cfg, stderr, status)
	if err != nil {
		return nil, nil, err
	}
	// A reindex outlives the request that asks for it, not searchd: shutdown cancels it.
	rx := &reindexer{cfg: cfg, log: log, stderr: stderr, ix: ix}
	if r, ok := ix.Refused(); ok {
		log.Error().Err(r.Err).Str("refused_build", r.BuildID).Str("build_id", ix.Manifest().ID).
			Msg("current build refused; serving the newest good build instead")
	}
	if stale.Reason == "" {
		return ix, rx, nil
	}
	ev := log.Error()
	msg := "the served build is stale and --rebuild-stale=false: run `make index` (or indexer) to publish the corpus"
	if cfg.rebuildStale {
		ev, msg = log.Warn(), "the served build is stale; rebuilding from the corpus in the background and serving the old build until then"
		rx.note(msg)
		if err := rx.start(ctx); err != nil {
			log.Error().Err(err).Msg("could not start the rebuild")
		}
	} else {
		rx.note(msg)
	}
	ev.Str("reason", stale.Reason).Str("detail", stale.Detail).Str("corpus", cfg.corpus).Msg(msg)
	return ix, rx, nil
}

// watchBuilds swaps in new builds as they are published: by polling current every cfg.poll,
// and at once on SIGHUP. The returned func stops listening for SIGHUP; ctx stops the rest.
func watchBuilds(ctx context.Context, cfg config, ix *index.Index, log zerolog.Logger) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
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
	return func() { signal.Stop(hup) }
}

// serveAPI switches from the start-up answers to the API over ix, and says so.
func (s *server) serveAPI(ctx context.Context, cfg config, ix *index.Index, rx *reindexer) {
	// The demo page's title; the introduction comes with each build.
	about, err := corpus.LoadAbout(collectionDir(cfg.corpus))
	if err != nil {
		s.log.Warn().Err(err).Msg("collection name unreadable; the demo page uses neutral words")
	}
	// One Stats for both protocols, so insights and the dashboard count InstantSearch too.
	stats := api.NewStats()
	s.handler.set(api.NewServer(ix, api.Options{
		Stats:          stats,
		Logger:         s.log,
		CORSOrigins:    cfg.corsOrigins,
		Ready:          s.ready.Load,
		SearchTimeout:  cfg.searchTimeout,
		MaxConcurrent:  cfg.maxConcurrent,
		RatePerSecond:  cfg.rate,
		RateBurst:      cfg.burst,
		TrustedProxyIP: cfg.trustedProxy,
		AdminKey:       cfg.adminKey,
		Reload:         func(context.Context) (bool, error) { return ix.Reload() },
		Reindex:        func(context.Context) error { return rx.start(ctx) },
		Demo:           web.NewHandler(func() web.About { return web.About{Name: about.Name, Intro: ix.Manifest().Intro} }),
		Queries:        algolia.NewQueriesHandler(stats.ObserveInstantSearch(ix), s.log),
		FacetValues:    algolia.NewFacetValuesHandler(ix, s.log),
		Version:        version,
		CacheEntries:   cfg.cacheEntries,
		CacheMaxAge:    cfg.cacheMaxAge,
		Notice:         rx.noticeText,
	}))
	m := ix.Manifest()
	s.ready.Store(true)
	s.log.Info().Str("addr", s.ln.Addr().String()).Str("url", s.url).Str("build_id", m.ID).Int("doc_count", m.DocCount).Str("version", version).
		Msg("serving " + s.url)
}

// wait serves until ctx ends, then shuts down: /readyz fails first so balancers stop sending,
// requests in flight drain, and a running reindex is waited for.
func (s *server) wait(ctx context.Context, rx *reindexer) error {
	select {
	case err := <-s.errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.ready.Store(false)
	s.log.Info().Dur("drain_delay", s.drain).Msg("shutting down")
	// stopServer drains with a fresh context: ctx is already cancelled and would drain nothing.
	if err := stopServer(s.srv, s.drain, s.timeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	rx.wait()
	s.log.Info().Msg("stopped")
	return nil
}

// stopServer waits delay, then stops srv, letting requests in flight finish within timeout.
func stopServer(srv *http.Server, delay, timeout time.Duration) error {
	time.Sleep(delay)
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// handlerSwitch serves the handler set last: the start-up answers, then the API.
type handlerSwitch struct{ h atomic.Pointer[http.Handler] }

func (s *handlerSwitch) set(h http.Handler) { s.h.Store(&h) }

func (s *handlerSwitch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// serveURL is the address to open in a browser: a wildcard listen address becomes loopback.
func serveURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// collectionDir is the directory holding collection.json for the collection at path.
func collectionDir(path string) string {
	if info, err := os.Stat(path); err == nil && !info.IsDir() {
		return filepath.Dir(path)
	}
	return path
}

// openOrBuild opens the current build, first building one from the corpus when there is none,
// so a fresh checkout serves at once; when every build is damaged, so a restart does not fail
// the same way for ever; and, with --rebuild-stale, when the build is of another index format,
// which this version cannot search. A build of an older corpus opens, and is returned as stale
// for the caller to rebuild in the background or report. status says what it is doing, for
// /readyz.
func openOrBuild(ctx context.Context, cfg config, stderr io.Writer, status func(string)) (*index.Index, index.Staleness, error) {
	log := zerolog.Ctx(ctx)
	var stale index.Staleness
	digest, err := corpus.Digest(cfg.corpus)
	if err != nil {
		log.Warn().Err(err).Msg("corpus unreadable: cannot tell whether the build is of it")
	} else if stale, err = index.Stale(cfg.index, digest); err != nil {
		return nil, stale, err
	}
	build := func(why string, ev *zerolog.Event) (*index.Index, index.Staleness, error) {
		status(why)
		ev.Str("corpus", cfg.corpus).Str("index", cfg.index).Msg(why)
		if err := buildFirst(ctx, cfg, stderr); err != nil {
			return nil, index.Staleness{}, err
		}
		ix, err := index.Open(cfg.index)
		return ix, index.Staleness{}, err
	}
	switch {
	case stale.Reason == "no build":
		return build("no build yet; indexing the corpus", log.Info())
	case !stale.Searchable() && cfg.rebuildStale:
		return build("the build cannot be searched by this version ("+stale.Detail+"); indexing the corpus", log.Warn())
	}
	ix, err := index.Open(cfg.index)
	switch {
	case err == nil:
		if stale.Reason == "corpus" && ix.Manifest().CorpusDigest == digest {
			stale = index.Staleness{} // current was refused; the build served is of this corpus
		}
		return ix, stale, nil
	case errors.Is(err, index.ErrDamaged):
		return build("no build opens; indexing the corpus", log.Error().Err(err))
	case errors.Is(err, index.ErrNoBuild):
		return build("no build yet; indexing the corpus", log.Info())
	}
	return nil, stale, err
}

// buildFirst publishes a build of the corpus while searchd cannot serve one, in a child process
// (see publishCorpus), or waits for the build of another process that is already building this
// index.
func buildFirst(ctx context.Context, cfg config, stderr io.Writer) error {
	log := zerolog.Ctx(ctx)
	m, err := publishCorpus(ctx, cfg, stderr)
	if errors.Is(err, index.ErrBuildRunning) {
		// Another process (a second replica, an indexer) is building this index: serve its build.
		log.Info().Msg("another process is building the index; waiting for its build")
		ix, err := waitForBuild(ctx, cfg.index)
		if err == nil {
			ix.Close()
		}
		return err
	}
	if err != nil {
		return fmt.Errorf("initial build: %w", err)
	}
	log.Info().Str("build_id", m.ID).Int("doc_count", m.DocCount).Float64("seconds", m.BuildSeconds).Msg("built")
	return nil
}

// logProblems logs a collection's warnings and errors, one line per kind with its count and
// the first few: a corpus with thousands of empty descriptions is a few lines, not thousands.
func logProblems(log *zerolog.Logger, c *corpus.Collection) {
	for _, ps := range []struct {
		ev    func() *zerolog.Event
		list  []corpus.Problem
		label string
	}{{log.Warn, c.Warnings, "corpus warnings"}, {log.Error, c.Errors, "corpus errors"}} {
		for _, g := range corpus.GroupProblems(ps.list) {
			first := make([]string, 0, 3)
			for _, p := range g.Problems[:min(3, len(g.Problems))] {
				first = append(first, p.String())
			}
			ps.ev().Str("kind", g.Kind).Int("count", g.Count).Strs("first", first).Msg(ps.label)
		}
	}
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

// reindexer runs one background rebuild at a time, for the admin endpoint and for a stale build.
type reindexer struct {
	cfg     config
	ix      *index.Index
	log     zerolog.Logger
	stderr  io.Writer // for the log of the child process that builds
	running atomic.Bool
	wg      sync.WaitGroup
	// notice says what the dashboard should tell about the build: stale, being rebuilt, or
	// that the last rebuild failed. A published rebuild clears it.
	notice atomic.Pointer[string]
}

func (r *reindexer) noticeText() string {
	if p := r.notice.Load(); p != nil {
		return *p
	}
	return ""
}

func (r *reindexer) note(msg string) { r.notice.Store(&msg) }

var errReindexRunning = errors.New("a reindex is already running")

// start begins a rebuild in a child process under parent, searchd's own context: shutdown
// (SIGTERM) cancels it, and wait then returns within a batch of the build. However much memory
// the build takes, it is the child's, returned when the child exits.
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
		m, err := publishCorpus(ctx, r.cfg, r.stderr)
		if err != nil && parent.Err() != nil {
			r.log.Info().Err(err).Msg("reindex cancelled by shutdown; nothing published")
			return
		}
		if err != nil {
			r.log.Error().Err(err).Msg("reindex failed; the previous build is still served")
			r.note("the last rebuild failed (" + err.Error() + "); the previous build is still served")
			return
		}
		if _, err := r.ix.Reload(); err != nil {
			r.log.Error().Err(err).Msg("reindex built but reload failed")
			return
		}
		r.notice.Store(nil)
		r.log.Info().Str("build_id", m.ID).Int("doc_count", m.DocCount).Msg("reindexed")
	}()
	return nil
}

func (r *reindexer) wait() { r.wg.Wait() }
