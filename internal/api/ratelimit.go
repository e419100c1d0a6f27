package api

import (
	"container/list"
	"hash/maphash"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The rate limiter's table: a token bucket per client, in bounded memory and O(1) time per
// request at any size. Clients hash to one of limiterShards shards, each with its own lock, map
// and list ordered by last request; a request forgets at most a few idle clients from the
// list's far end, and a full shard forgets its least recently seen client to make room, so every
// new client always gets a bucket of its own.
const (
	limiterShards = 64
	maxClients    = 100_000 // across all shards
	clientIdle    = time.Minute
	// forgetPerRequest bounds the idle clients one request removes, so no request pays for a
	// long idle spell; the cap on the shard bounds memory whatever is left.
	forgetPerRequest = 8
)

func (s *server) rateLimit(h http.Handler) http.Handler {
	if s.limiter == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.allow(s.clientIP(r)) {
			s.metrics.rateLimited.Inc()
			writeError(w, r, &Error{Code: CodeRateLimited, Message: "too many requests; slow down", RetryAfter: 1})
			return
		}
		h.ServeHTTP(w, r)
	})
}

// clientIP is the peer address, or the last X-Forwarded-For hop when the peer is the one
// trusted proxy: anyone else could write that header. The last hop is the one the proxy added,
// over every line of the header: a proxy that appends a line of its own after the client's
// must not let the client's line choose the key.
func (s *server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if s.opts.TrustedProxyIP != "" && host == s.opts.TrustedProxyIP {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop := strings.TrimSpace(hops[i])
			if hop == "" {
				continue // an empty line or a trailing comma names nobody
			}
			if ip := net.ParseIP(hop); ip != nil {
				return ip.String()
			}
			break // the proxy's own hop is malformed: key on the proxy, never on earlier hops
		}
	}
	return host
}

// rateLimiter is a token bucket per client. It is safe for concurrent use.
type rateLimiter struct {
	every  rate.Limit
	burst  int
	seed   maphash.Seed
	shards [limiterShards]limiterShard
}

type limiterShard struct {
	mu      sync.Mutex
	clients map[string]*list.Element // of *client
	recent  list.List                // most recently seen first
}

type client struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	if perSecond < 0 {
		return nil
	}
	l := &rateLimiter{every: rate.Limit(perSecond), burst: burst, seed: maphash.MakeSeed()}
	for i := range l.shards {
		l.shards[i].clients = map[string]*list.Element{}
	}
	return l
}

// allow takes a token from key's bucket and reports whether there was one.
func (l *rateLimiter) allow(key string) bool {
	now := time.Now()
	sh := &l.shards[maphash.String(l.seed, key)%limiterShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	for range forgetPerRequest {
		e := sh.recent.Back()
		if e == nil || now.Sub(e.Value.(*client).seen) <= clientIdle {
			break
		}
		sh.forget(e)
	}
	e := sh.clients[key]
	if e == nil {
		if sh.recent.Len() >= maxClients/limiterShards {
			sh.forget(sh.recent.Back())
		}
		e = sh.recent.PushFront(&client{key: key, lim: rate.NewLimiter(l.every, l.burst)})
		sh.clients[key] = e
	} else {
		sh.recent.MoveToFront(e)
	}
	c := e.Value.(*client)
	c.seen = now
	return c.lim.AllowN(now, 1)
}

func (sh *limiterShard) forget(e *list.Element) {
	delete(sh.clients, e.Value.(*client).key)
	sh.recent.Remove(e)
}

// size is the number of clients tracked.
func (l *rateLimiter) size() int {
	n := 0
	for i := range l.shards {
		sh := &l.shards[i]
		sh.mu.Lock()
		n += sh.recent.Len()
		sh.mu.Unlock()
	}
	return n
}
