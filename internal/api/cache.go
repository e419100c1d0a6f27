package api

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// HTTP caching of the read-only endpoints, for replicas behind nginx or a CDN.
//
// A response is a function of the build being served and the request, so its ETag is a hash of
// the build id and the normalized request (path and query parameters in a canonical order). It
// is known before the search runs, so If-None-Match is answered with 304 at the cost of a hash.
//
// The ETag is weak (W/"..."): two answers to one request on one build are the same films, facets
// and highlights, but not the same bytes, since took_ms differs. A weak tag says exactly that;
// If-None-Match uses weak comparison, so caches revalidate with it all the same.
//
// The ETag is computed from the build id read before the search; a swap in between can only make
// the content newer than its tag, so a cache never keeps an old answer under a new tag.

const (
	defaultCacheMaxAge = 30 // seconds
	maxCachedBody      = 256 << 10
	maxCacheBytes      = 64 << 20
)

// requestKey is the normalized request: the path and the query with parameters sorted by name
// (values keep their order). ok is false when the query does not parse; such requests are
// answered with an error that is not cached.
func requestKey(r *http.Request) (string, bool) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return "", false
	}
	return r.URL.Path + "?" + v.Encode(), true
}

// isStar reports whether an If-None-Match header is "*".
func isStar(header string) bool { return strings.TrimSpace(header) == "*" }

func etagFor(build, key string) string {
	sum := sha256.Sum256([]byte(build + "\x00" + key))
	return `W/"` + hex.EncodeToString(sum[:12]) + `"`
}

// etagMatches reports whether an If-None-Match header names tag, by weak comparison. "*" names
// no tag: it matches any current representation, which only the handler can tell exists.
func etagMatches(header, tag string) bool {
	if header == "" || isStar(header) {
		return false
	}
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == want {
			return true
		}
	}
	return false
}

// cacheable adds validators and cache headers to a read-only endpoint, answers a matching
// If-None-Match with 304 without running the handler, and serves repeated requests from the
// in-process cache when one is configured. Only 200 answers get an ETag and are cached; every
// other answer says no-store, so no shared cache keeps a 429 or a 503.
func (s *server) cacheable(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := requestKey(r)
		build := s.s.Manifest().ID
		if !ok || build == "" {
			w.Header().Set("Cache-Control", "no-store")
			h.ServeHTTP(w, r)
			return
		}
		tag := etagFor(build, key)
		inm := r.Header.Get("If-None-Match")
		if etagMatches(inm, tag) {
			s.setCacheHeaders(w.Header(), tag)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		// "*" is a 304 only when the answer would be a 200: a 400 or a 404 stays one.
		star := isStar(inm)
		if s.cache != nil {
			if e, ok := s.cache.get(build, key); ok {
				s.metrics.cache.WithLabelValues("hit").Inc()
				if e.note.set {
					s.insights.record(e.note.query, e.note.total, native)
					s.traffic.count(native, e.note.total)
				}
				s.serveCached(w, r, tag, e, star)
				return
			}
			s.metrics.cache.WithLabelValues("miss").Inc()
		}
		cw := &cacheWriter{ResponseWriter: w, s: s, tag: tag, keep: s.cache != nil, notModified: star}
		note := &searchNote{}
		h.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), searchNoteKey{}, note)))
		if cw.buffering() {
			// A 200 held whole: compressed once here, sent from the stored form, and stored
			// once the reader has it.
			e := newCacheEntry(cw.body, *note)
			s.serveCached(w, r, tag, e, star)
			s.cache.put(build, key, e)
		}
	})
}

// serveCached sends a stored 200: gzipped as stored to a client that accepts gzip, unpacked
// for one that does not; or, for If-None-Match: *, a 304.
func (s *server) serveCached(w http.ResponseWriter, r *http.Request, tag string, e cacheEntry, star bool) {
	s.setCacheHeaders(w.Header(), tag)
	if star {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	body := e.body
	if e.gzipped {
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
		} else if b, err := gunzip(e.body); err == nil {
			body = b
		} else {
			writeError(w, r, fmt.Errorf("cached answer: %w", err))
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	// The answer is whole and its length declared, so it can go out now: the access log and
	// the metrics that the middleware writes next need not delay the reader.
	_ = http.NewResponseController(w).Flush()
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

func (s *server) setCacheHeaders(h http.Header, tag string) {
	h.Set("ETag", tag)
	h.Set("Cache-Control", s.cacheControl)
}

// cacheWriter adds the cache headers once the status is known. A 200 that may be cached is
// held whole (up to maxCachedBody) for cacheable to compress, store and send; anything else
// streams through. With notModified (If-None-Match: *), a streamed 200 goes out as a 304
// without its body.
type cacheWriter struct {
	http.ResponseWriter
	s           *server
	tag         string
	status      int
	keep        bool
	body        []byte
	notModified bool
	sent        bool // the status went out: the answer streams
}

// buffering reports whether a whole 200 is held for cacheable to send.
func (w *cacheWriter) buffering() bool {
	return w.keep && !w.sent && (w.status == http.StatusOK || w.status == 0 && w.body != nil)
}

func (w *cacheWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if code != http.StatusOK {
		w.Header().Set("Cache-Control", "no-store")
		w.keep = false
		w.sent = true
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if !w.keep {
		w.stream()
	}
}

// stream sends the 200's headers and what was held, and lets the rest through.
func (w *cacheWriter) stream() {
	w.keep = false
	w.sent = true
	w.s.setCacheHeaders(w.Header(), w.tag)
	code := http.StatusOK
	if w.notModified {
		w.Header().Del("Content-Type")
		w.Header().Del("Content-Length")
		code = http.StatusNotModified
	}
	w.ResponseWriter.WriteHeader(code)
	if len(w.body) > 0 && !w.notModified {
		w.ResponseWriter.Write(w.body)
	}
	w.body = nil
}

func (w *cacheWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.keep {
		if len(w.body)+len(b) <= maxCachedBody {
			w.body = append(w.body, b...)
			return len(b), nil
		}
		w.stream() // too large to cache: send what was held and the rest as it comes
	}
	if w.notModified && w.status == http.StatusOK {
		return len(b), nil // a 304 has no body
	}
	return w.ResponseWriter.Write(b)
}

func (w *cacheWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// searchNote carries, from handleSearch to cacheable, what a cache hit must still record.
type searchNote struct {
	set   bool
	query string
	total int
}

type searchNoteKey struct{}

// responseCache is a bounded LRU of response bodies for one build: the first request of a new
// build empties it, so a swap invalidates every entry at once. It is bounded by entries and by
// bytes. Safe for concurrent use.
type responseCache struct {
	mu      sync.Mutex
	max     int
	build   string
	bytes   int
	order   *list.List // front: most recently used; values are *cacheItem
	entries map[string]*list.Element
}

// cacheEntry is a stored 200: its body gzipped once when it was stored (or as it was, when too
// short to gain), and what a hit must still record.
type cacheEntry struct {
	body    []byte
	gzipped bool
	note    searchNote
}

func newCacheEntry(body []byte, note searchNote) cacheEntry {
	if len(body) < minGzipBytes {
		return cacheEntry{body: bytes.Clone(body), note: note}
	}
	return cacheEntry{body: gzipBytes(body), gzipped: true, note: note}
}

type cacheItem struct {
	key string
	cacheEntry
}

func newResponseCache(max int) *responseCache {
	if max <= 0 {
		return nil
	}
	return &responseCache{max: max, order: list.New(), entries: map[string]*list.Element{}}
}

func (c *responseCache) get(build, key string) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.switchBuild(build)
	el, ok := c.entries[key]
	if !ok {
		return cacheEntry{}, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheItem).cacheEntry, true
}

func (c *responseCache) put(build, key string, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.switchBuild(build)
	if el, ok := c.entries[key]; ok {
		c.bytes -= len(el.Value.(*cacheItem).body)
		c.order.Remove(el)
		delete(c.entries, key)
	}
	c.entries[key] = c.order.PushFront(&cacheItem{key: key, cacheEntry: e})
	c.bytes += len(e.body)
	for c.order.Len() > c.max || c.bytes > maxCacheBytes {
		el := c.order.Back()
		it := el.Value.(*cacheItem)
		c.order.Remove(el)
		delete(c.entries, it.key)
		c.bytes -= len(it.body)
	}
}

// switchBuild empties the cache when the served build changed. The caller holds mu.
func (c *responseCache) switchBuild(build string) {
	if c.build == build {
		return
	}
	c.build = build
	c.bytes = 0
	c.order.Init()
	clear(c.entries)
}

func (c *responseCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

func cacheControl(maxAge int) string {
	return fmt.Sprintf("public, max-age=%d, stale-while-revalidate=%d", maxAge, maxAge)
}
