package main

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// connLimiter bounds the connections a listener keeps open: at most max in all and at most
// perClient from one IP address, so idle keep-alive connections (about 23 KB each) cannot grow
// without bound. A connection over the per-client cap is closed as soon as it is accepted. At
// the overall cap, an idle keep-alive connection is closed to make room, since its client can
// reconnect at the cost of a handshake; only when every connection is busy is the new one
// closed. The trusted proxy carries many clients and is exempt from the per-client cap.
//
// Its ConnState method must be the http.Server's ConnState, which tells it which connections are
// idle. It is safe for concurrent use.
type connLimiter struct {
	net.Listener
	max, perClient int
	exempt         string // the trusted proxy's IP, or ""

	mu      sync.Mutex
	open    int
	perIP   map[string]int
	idle    map[*limitedConn]struct{}
	refused atomic.Int64 // connections closed at accept, for the log and tests
	evicted atomic.Int64 // idle connections closed to make room
}

func newConnLimiter(ln net.Listener, max, perClient int, exempt string) *connLimiter {
	return &connLimiter{Listener: ln, max: max, perClient: perClient, exempt: exempt,
		perIP: map[string]int{}, idle: map[*limitedConn]struct{}{}}
}

// Accept returns the next connection within the caps, closing those over them.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		if evict, ok := l.admit(ip); ok {
			if evict != nil {
				evict.Close()
			}
			return &limitedConn{Conn: c, l: l, ip: ip}, nil
		}
		l.refused.Add(1)
		c.Close()
	}
}

// admit counts a new connection from ip if the caps allow it, naming an idle connection to close
// when the listener is full.
func (l *connLimiter) admit(ip string) (evict *limitedConn, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.perClient > 0 && ip != l.exempt && l.perIP[ip] >= l.perClient {
		return nil, false
	}
	if l.max > 0 && l.open >= l.max {
		for c := range l.idle { // any idle connection will do
			evict = c
			break
		}
		if evict == nil {
			return nil, false
		}
		// Give back its slot now, so that the count never passes max and a burst of new
		// connections evicts no more than it replaces; its Close then releases nothing.
		l.releaseLocked(evict)
		l.evicted.Add(1)
	}
	l.open++
	l.perIP[ip]++
	return evict, true
}

// ConnState tracks which connections are idle between requests.
func (l *connLimiter) ConnState(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if lc.released {
		return
	}
	if state == http.StateIdle {
		l.idle[lc] = struct{}{}
	} else {
		delete(l.idle, lc)
	}
}

func (l *connLimiter) release(c *limitedConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked(c)
}

func (l *connLimiter) releaseLocked(c *limitedConn) {
	if c.released {
		return
	}
	c.released = true
	delete(l.idle, c)
	l.open--
	if l.perIP[c.ip]--; l.perIP[c.ip] <= 0 {
		delete(l.perIP, c.ip)
	}
}

// limitedConn gives its slot back when closed, once.
type limitedConn struct {
	net.Conn
	l        *connLimiter
	ip       string
	released bool // under l.mu
}

func (c *limitedConn) Close() error {
	c.l.release(c)
	return c.Conn.Close()
}

func remoteIP(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}
