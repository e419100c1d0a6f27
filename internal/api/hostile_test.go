package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

// hangGuard bounds the wall time of any single request: every hostile input must be answered
// (or refused) well within it.
const hangGuard = time.Second

const testAdminKey = "s3cret-admin-key"

// hostile is one request an attacker or a broken client might send, and the answer we promise.
type hostile struct {
	name   string
	method string // GET when empty
	target string
	header map[string]string
	body   string
	bodyN  int64 // a body of this many bytes (read lazily) instead of body
	admin  bool  // serve through a handler with an admin key configured

	status int
	code   string // envelope code; empty for a success
	param  string // envelope param; checked whenever code is set
}

func q(s string) string { return "/api/search?q=" + url.QueryEscape(s) }

func words(n int, sep string) string {
	w := make([]string, n)
	for i := range w {
		w[i] = "w" + string(rune('a'+i%26))
	}
	return strings.Join(w, sep)
}

func hostileRequests() []hostile {
	const ok = http.StatusOK
	const bad = http.StatusBadRequest
	return []hostile{
		// Size limits of q: bytes are a parameter limit, terms a query limit.
		{name: "q a byte too long", target: q(strings.Repeat("a", index.MaxQueryBytes+1)), status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "q of 10k bytes", target: q(strings.Repeat("ballet ", 1500)), status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "q of the most bytes, one word", target: q(strings.Repeat("x", index.MaxQueryBytes)), status: ok},
		{name: "q of 512 bytes, one long typo-able word", target: q(strings.Repeat("balletdancer", 42) + "balletda"), status: ok},
		{name: "q of 512 bytes of Cyrillic", target: q(strings.Repeat("ж", 256)), status: ok},
		{name: "32 terms", target: q(words(32, " ")), status: ok},
		{name: "a term too many", target: q(words(index.MaxQueryTerms+1, " ")), status: bad, code: CodeBadQuery, param: "q"},
		{name: "one-letter terms filling the bytes", target: q(strings.Repeat("b ", index.MaxQueryBytes/2)), status: bad, code: CodeBadQuery, param: "q"},
		{name: "stop words filling the bytes", target: q(strings.Repeat("a ", index.MaxQueryBytes/2)), status: ok},
		{name: "100 terms joined by commas", target: q(words(100, ",")), status: bad, code: CodeBadQuery, param: "q"},
		{name: "100 terms joined by hyphens in quotes", target: q(`"` + words(100, "-") + `"`), status: bad, code: CodeBadQuery, param: "q"},
		{name: "one word of 100 parts joined by dots", target: q(words(100, ".")), status: ok},
		{name: "1000 terms (2 KB)", target: q(words(1000, " ")), status: bad, code: CodeInvalidParameter, param: "q"},
		// Bleve query-string syntax is plain text in our grammar.
		{name: "operator soup", target: q(`+-~^*:()[]{}|&!"\`), status: ok},
		{name: "operator soup with words", target: q(`+ballet -"swan lake" title:love^100 AND (war OR peace) || !x && y~2`), status: ok},
		{name: "10k open parentheses", target: q(strings.Repeat("(", 10000)), status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "512 open parentheses", target: q(strings.Repeat("(", 512)), status: ok},
		{name: "nested parentheses around a word", target: q(strings.Repeat("(", 250) + "ballet" + strings.Repeat(")", 250)), status: ok},
		{name: "regex bomb", target: q(`/.*.*.*.*.*.*.*.*/`), status: ok},
		{name: "regex bomb with classes", target: q(`/(a+)+[^x]{1,1000}(b|c)*/`), status: ok},
		{name: "wildcard bomb", target: q(`a*b*c*d*e*f*g*h*`), status: ok},
		{name: "lone wildcard", target: q(`*`), status: ok},
		{name: "leading wildcard", target: q(`*ballet`), status: ok},
		{name: "question-mark wildcards", target: q(`??????????`), status: ok},
		{name: "fuzzy syntax", target: q(`ballet~25`), status: ok},
		{name: "boost syntax", target: q(`ballet^99999999999`), status: ok},
		{name: "numeric range syntax", target: q(`year:>=0 year:<99999999999999999999`), status: ok},
		{name: "unclosed quote", target: q(`"swan lake`), status: ok},
		{name: "only quotes and dashes", target: q(`- -- --- "" "-" -""`), status: ok},
		{name: "only stop words", target: q(`the of and a`), status: ok},
		// Numbers.
		{name: "page -1", target: "/api/search?page=-1", status: bad, code: CodeInvalidParameter, param: "page"},
		{name: "page 0", target: "/api/search?page=0", status: bad, code: CodeInvalidParameter, param: "page"},
		{name: "page 1e9", target: "/api/search?page=1e9", status: bad, code: CodeInvalidParameter, param: "page"},
		{name: "page 1000000000", target: "/api/search?page=1000000000", status: bad, code: CodeInvalidParameter, param: "page"},
		{name: "page overflowing int64", target: "/api/search?page=99999999999999999999", status: bad, code: CodeInvalidParameter, param: "page"},
		{name: "page beyond depth", target: "/api/search?page=21&per_page=50", status: bad, code: CodeInvalidParameter, param: "page"},
		{name: "page at depth", target: "/api/search?page=20&per_page=50", status: ok},
		{name: "per_page abc", target: "/api/search?per_page=abc", status: bad, code: CodeInvalidParameter, param: "per_page"},
		{name: "per_page 51", target: "/api/search?per_page=51", status: bad, code: CodeInvalidParameter, param: "per_page"},
		{name: "per_page hex", target: "/api/search?per_page=0x10", status: bad, code: CodeInvalidParameter, param: "per_page"},
		{name: "year 19x5", target: "/api/search?year=19x5", status: bad, code: CodeInvalidParameter, param: "year"},
		{name: "year with sign", target: "/api/search?year=%2B1975", status: bad, code: CodeInvalidParameter, param: "year"},
		{name: "year_min after year_max", target: "/api/search?year_min=2000&year_max=1900", status: bad, code: CodeInvalidParameter, param: "year_min"},
		{name: "year_max huge", target: "/api/search?year_max=99999999999999999999", status: bad, code: CodeInvalidParameter, param: "year_max"},
		{name: "facet_size 0", target: "/api/search?facet_size=0", status: bad, code: CodeInvalidParameter, param: "facet_size"},
		{name: "facet_size huge", target: "/api/search?facet_size=1000000", status: bad, code: CodeInvalidParameter, param: "facet_size"},
		{name: "decade not a decade", target: "/api/search?decade=1975", status: bad, code: CodeInvalidParameter, param: "decade"},
		// Unknown and repeated parameters.
		{name: "unknown parameter", target: "/api/search?q=ballet&debug=1", status: bad, code: CodeInvalidParameter, param: "debug"},
		{name: "unknown facet parameter", target: "/api/search?facet=foo", status: bad, code: CodeInvalidParameter, param: "facet"},
		{name: "bleve request field", target: "/api/search?size=100000&from=-5", status: bad, code: CodeInvalidParameter, param: "from"},
		{name: "unknown sort", target: "/api/search?sort=_score", status: bad, code: CodeInvalidParameter, param: "sort"},
		{name: "sort by a stored field", target: "/api/search?sort=-_source", status: bad, code: CodeInvalidParameter, param: "sort"},
		{name: "repeated q", target: "/api/search?q=a&q=b", status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "repeated sort", target: "/api/search?sort=year&sort=title", status: bad, code: CodeInvalidParameter, param: "sort"},
		{name: "repeated page", target: "/api/search?page=1&page=2", status: bad, code: CodeInvalidParameter, param: "page"},
		{name: "company repeated 21 times", target: "/api/search?" + strings.Repeat("company=x&", 21), status: bad, code: CodeInvalidParameter, param: "company"},
		{name: "51 filter values", target: "/api/search?" + strings.Repeat("company=x&", 20) + strings.Repeat("decade=1970s&", 20) + strings.Repeat("year=1975&", 11), status: bad, code: CodeInvalidParameter, param: "company"},
		{name: "50 filter values", target: "/api/search?" + strings.Repeat("company=x&", 20) + strings.Repeat("decade=1970s&", 20) + strings.Repeat("year=1975&", 10), status: ok},
		{name: "malformed escape", target: "/api/search?q=%zz", status: bad, code: CodeInvalidParameter},
		{name: "semicolon separator", target: "/api/search?q=a;page=2", status: bad, code: CodeInvalidParameter},
		// Encoding.
		{name: "invalid UTF-8 in q", target: "/api/search?q=%ff%fe", status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "overlong UTF-8 in q", target: "/api/search?q=%c0%af", status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "NUL in q", target: "/api/search?q=ballet%00", status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "invalid UTF-8 in company", target: "/api/search?company=%ff", status: bad, code: CodeInvalidParameter, param: "company"},
		{name: "NUL in company", target: "/api/search?company=Kirov%00Ballet", status: bad, code: CodeInvalidParameter, param: "company"},
		{name: "invalid UTF-8 in a parameter name", target: "/api/search?%ff=1", status: bad, code: CodeInvalidParameter, param: ""},
		{name: "unknown parameter name of 400 bytes", target: "/api/search?" + strings.Repeat("k", 400) + "=1", status: bad, code: CodeInvalidParameter, param: strings.Repeat("k", 40)},
		{name: "control characters in q", target: q("ballet\x01\x1b[31m\r\n"), status: ok},
		// Suggest gets the same treatment.
		{name: "suggest a byte too long", target: "/api/suggest?q=" + strings.Repeat("a", index.MaxQueryBytes+1), status: bad, code: CodeInvalidParameter, param: "q"},
		{name: "suggest with a term too many", target: "/api/suggest?q=" + url.QueryEscape(words(index.MaxQueryTerms+1, " ")), status: bad, code: CodeBadQuery, param: "q"},
		{name: "suggest with a wildcard bomb", target: "/api/suggest?q=" + url.QueryEscape("a*b*c*d*"), status: ok},
		{name: "suggest with limit 9", target: "/api/suggest?q=nut&limit=9", status: bad, code: CodeInvalidParameter, param: "limit"},
		{name: "suggest with invalid UTF-8", target: "/api/suggest?q=%ff", status: bad, code: CodeInvalidParameter, param: "q"},
		// Ids: no path tricks reach the index; never a 5xx.
		{name: "id with encoded traversal", target: "/api/films/..%2f..%2fetc%2fpasswd", status: http.StatusNotFound, code: CodeNotFound},
		{name: "id of encoded dots", target: "/api/films/%2e%2e", status: bad, code: CodeInvalidParameter, param: "id"},
		{name: "id with a plain traversal", target: "/api/films/../../etc/passwd", status: http.StatusNotFound, code: CodeNotFound},
		{name: "id with dots inside", target: "/api/films/the-nutcracker..1977", status: bad, code: CodeInvalidParameter, param: "id"},
		{name: "id of 10k bytes", target: "/api/films/" + strings.Repeat("a", 10000), status: bad, code: CodeInvalidParameter, param: "id"},
		{name: "id with NUL", target: "/api/films/abc%00", status: bad, code: CodeInvalidParameter, param: "id"},
		{name: "id with invalid UTF-8", target: "/api/films/%ff", status: bad, code: CodeInvalidParameter, param: "id"},
		{name: "id in upper case", target: "/api/films/THE-NUTCRACKER-1977", status: bad, code: CodeInvalidParameter, param: "id"},
		{name: "unknown id", target: "/api/films/no-such-film-1900", status: http.StatusNotFound, code: CodeNotFound},
		{name: "film with parameters", target: "/api/films/the-nutcracker-1977?fields=*", status: bad, code: CodeInvalidParameter},
		// Methods.
		{name: "POST search", method: http.MethodPost, target: "/api/search?q=x", body: `{"query":{"query":"*"}}`, status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed},
		{name: "PUT film", method: http.MethodPut, target: "/api/films/the-nutcracker-1977", body: `{}`, status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed},
		{name: "DELETE film", method: http.MethodDelete, target: "/api/films/the-nutcracker-1977", status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed},
		{name: "DELETE suggest", method: http.MethodDelete, target: "/api/suggest", status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed},
		{name: "PATCH healthz", method: http.MethodPatch, target: "/healthz", status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed},
		{name: "TRACE search", method: http.MethodTrace, target: "/api/search", status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed},
		{name: "GET admin reload", target: "/api/admin/reload", admin: true, status: http.StatusMethodNotAllowed, code: CodeMethodNotAllowed},
		{name: "unknown endpoint", target: "/api/_search", status: http.StatusNotFound, code: CodeNotFound},
		// Admin.
		{name: "admin without a configured key", method: http.MethodPost, target: "/api/admin/reload", header: map[string]string{"Authorization": "Bearer "}, status: http.StatusNotFound, code: CodeNotFound},
		{name: "reindex without a configured key", method: http.MethodPost, target: "/api/admin/reindex", header: map[string]string{"Authorization": "Bearer " + testAdminKey}, status: http.StatusNotFound, code: CodeNotFound},
		{name: "admin without a key", method: http.MethodPost, target: "/api/admin/reload", admin: true, status: http.StatusUnauthorized, code: CodeUnauthorized},
		{name: "admin with a wrong key", method: http.MethodPost, target: "/api/admin/reload", admin: true, header: map[string]string{"Authorization": "Bearer wrong"}, status: http.StatusUnauthorized, code: CodeUnauthorized},
		{name: "admin with a key prefix", method: http.MethodPost, target: "/api/admin/reindex", admin: true, header: map[string]string{"Authorization": "Bearer " + testAdminKey[:5]}, status: http.StatusUnauthorized, code: CodeUnauthorized},
		{name: "admin with basic auth", method: http.MethodPost, target: "/api/admin/reload", admin: true, header: map[string]string{"Authorization": "Basic " + testAdminKey}, status: http.StatusUnauthorized, code: CodeUnauthorized},
		{name: "admin with bad JSON", method: http.MethodPost, target: "/api/admin/reload", admin: true, header: map[string]string{"Authorization": "Bearer wrong", "Content-Type": "application/json"}, body: `{"a":`, status: http.StatusUnauthorized, code: CodeUnauthorized},
		{name: "admin with a huge body", method: http.MethodPost, target: "/api/admin/reload", admin: true, header: map[string]string{"Authorization": "Bearer wrong"}, bodyN: 1 << 30, status: http.StatusUnauthorized, code: CodeUnauthorized},
		{name: "admin with the key and bad JSON", method: http.MethodPost, target: "/api/admin/reload", admin: true, header: map[string]string{"Authorization": "Bearer " + testAdminKey}, body: "\x00{]", status: ok},
		{name: "search with a huge body", target: "/api/search?q=ballet", bodyN: 1 << 30, status: ok},
		{name: "InstantSearch endpoint not mounted", method: http.MethodPost, target: "/1/indexes/*/queries", body: `{"requests":[`, status: http.StatusNotFound, code: CodeNotFound},
	}
}

// zeros is an endless body that costs nothing until read.
type zeros struct{ n int64 }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

func TestHostileRequests(t *testing.T) {
	plain := newTestHandler(t, Options{})
	admin := newTestHandler(t, Options{
		AdminKey: testAdminKey,
		Reload:   func(context.Context) (bool, error) { return false, nil },
		Reindex:  func(context.Context) error { return nil },
	})
	cases := hostileRequests()
	if len(cases) < 40 {
		t.Fatalf("%d hostile requests; want at least 40", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method := c.method
			if method == "" {
				method = http.MethodGet
			}
			var body io.Reader
			switch {
			case c.bodyN > 0:
				body = &zeros{n: c.bodyN}
			case c.body != "":
				body = strings.NewReader(c.body)
			}
			req := httptest.NewRequest(method, c.target, body)
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			h := plain
			if c.admin {
				h = admin
			}
			rec := httptest.NewRecorder()
			start := time.Now()
			h.ServeHTTP(rec, req)
			took := time.Since(start)

			if took > hangGuard {
				t.Errorf("%s %.60s took %v; want under %v", method, c.target, took, hangGuard)
			}
			if rec.Code != c.status {
				t.Errorf("%s %.60s = %d; want %d\n%s", method, c.target, rec.Code, c.status, rec.Body.Bytes())
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q; want JSON", ct)
			}
			if c.code == "" {
				if !json.Valid(rec.Body.Bytes()) {
					t.Errorf("body is not JSON: %.200s", rec.Body.Bytes())
				}
				return
			}
			var env struct {
				Error struct {
					Code, Message, Param string
					RequestID            string `json:"request_id"`
				}
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatalf("body is not the envelope: %v\n%.200s", err, rec.Body.Bytes())
			}
			if env.Error.Code != c.code || env.Error.Param != c.param {
				t.Errorf("error = %s (param %q); want %s (param %q): %s", env.Error.Code, env.Error.Param, c.code, c.param, env.Error.Message)
			}
			if env.Error.Message == "" || env.Error.RequestID == "" {
				t.Errorf("envelope lacks a message or a request id: %s", rec.Body.Bytes())
			}
			if len(env.Error.Message) > 200 {
				t.Errorf("message of %d bytes echoes too much input", len(env.Error.Message))
			}
		})
	}

	// Still healthy, and still searching.
	if rec := get(t, plain, "/healthz"); rec.Code != http.StatusOK {
		t.Errorf("GET /healthz after the hostile requests = %d; want 200", rec.Code)
	}
	rec := get(t, plain, "/api/search?q=swan+lake")
	var res struct{ Total int }
	if err := json.Unmarshal(rec.Body.Bytes(), &res); rec.Code != http.StatusOK || err != nil || res.Total == 0 {
		t.Errorf("GET /api/search?q=swan+lake after the hostile requests = %d, %d hits (%v); want 200 with hits", rec.Code, res.Total, err)
	}
}

// newHTTPServer mirrors the http.Server that cmd/searchd builds (timeouts and header limit),
// with a read-header timeout the test can shorten.
func newHTTPServer(t *testing.T, h http.Handler, readHeaderTimeout time.Duration) string {
	t.Helper()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          nil,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestHostileConnections(t *testing.T) {
	t.Parallel()
	h := newTestHandler(t, Options{Logger: zerolog.Nop()})
	addr := newHTTPServer(t, h, 300*time.Millisecond)

	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("64 KiB header", func(t *testing.T) {
		c := dial(t)
		start := time.Now()
		req := "GET /api/search?q=ballet HTTP/1.1\r\nHost: x\r\nX-Flood: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"
		go io.WriteString(c, req) // the server may stop reading before we finish writing
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("64 KiB header = %d; want 431", resp.StatusCode)
		}
		if took := time.Since(start); took > hangGuard {
			t.Errorf("64 KiB header answered after %v; want under %v", took, hangGuard)
		}
	})

	t.Run("many small headers", func(t *testing.T) {
		c := dial(t)
		var b strings.Builder
		b.WriteString("GET /healthz HTTP/1.1\r\nHost: x\r\n")
		for i := range 5000 {
			b.WriteString("X-H: ")
			b.WriteString(string(rune('a' + i%26)))
			b.WriteString("\r\n")
		}
		b.WriteString("\r\n")
		go io.WriteString(c, b.String())
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("5000 headers = %d; want 431", resp.StatusCode)
		}
	})

	t.Run("slow headers", func(t *testing.T) {
		c := dial(t)
		start := time.Now()
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil {
			t.Fatal(err)
		}
		// Trickle one header byte at a time and never finish; the server must hang up.
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				if _, err := c.Write([]byte{'X' + byte(i%2)}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}()
		buf := make([]byte, 512)
		n, err := c.Read(buf)
		took := time.Since(start)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept a slow-header client for %v", took)
		}
		if n > 0 && strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
			t.Errorf("a request with unfinished headers was served: %q", buf[:n])
		}
		if took > hangGuard {
			t.Errorf("slow-header client cut off after %v; want under %v", took, hangGuard)
		}
		c.Close()
		<-done
	})

	t.Run("healthy afterwards", func(t *testing.T) {
		resp, err := http.Get("http://" + addr + "/api/search?q=ballet")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("search after the floods = %d; want 200", resp.StatusCode)
		}
	})
}
