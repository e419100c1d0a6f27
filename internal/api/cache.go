package api

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
					s.insights.record(e.note.query, e.note.total)
				}
				s.setCacheHeaders(w.Header(), tag)
				if star {
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.Header().Set("X-Content-Type-Options", "nosniff")
				w.WriteHeader(http.StatusOK)
				w.Write(e.body)
				return
			}
			s.metrics.cache.WithLabelValues("miss").Inc()
		}
		cw := &cacheWriter{ResponseWriter: w, s: s, tag: tag, keep: s.cache != nil, notModified: star}
		note := &searchNote{}
		h.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), searchNoteKey{}, note)))
		if cw.keep && cw.status == http.StatusOK {
			s.cache.put(build, key, cacheEntry{body: cw.body, note: *note})
		}
	})
}

func (s *server) setCacheHeaders(h http.Header, tag string) {
	h.Set("ETag", tag)
	h.Set("Cache-Control", s.cacheControl)
}

// cacheWriter adds the cache headers once the status is known and keeps a copy of the body
// for the in-process cache.
// With notModified (If-None-Match: *), a 200 goes out as a 304 without its body, which is
// still kept for the in-process cache.
type cacheWriter struct {
	http.ResponseWriter
	s           *server
	tag         string
	status      int
	keep        bool
	body        []byte
	notModified bool
}

func (w *cacheWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if code != http.StatusOK {
		w.Header().Set("Cache-Control", "no-store")
		w.keep = false
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.s.setCacheHeaders(w.Header(), w.tag)
	if w.notModified {
		w.Header().Del("Content-Type")
		w.Header().Del("Content-Length")
		code = http.StatusNotModified
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cacheWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.keep {
		if len(w.body)+len(b) > maxCachedBody {
			w.keep, w.body = false, nil
		} else {
			w.body = append(w.body, b...)
		}
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

type cacheEntry struct {
	body []byte
	note searchNote
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
