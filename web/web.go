// Package web serves the embeddable search box and the demo page that uses it.
//
// widget.js defines the <film-search> custom element: a dependency-free search box, styled in its
// own shadow root, that talks to the JSON API (/api/search) from any origin; the README's
// "Embedding the search box" documents it. The demo page at / shows the collection's name and
// introduction, the widget, a details panel and the two lines a site owner pastes to embed it.
// All assets are embedded in the binary; NewHandler serves them with security and cache headers.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

//go:embed index.html widget.js demo.js demo.css
var files embed.FS

// CSP is the Content-Security-Policy of the demo page: no inline script, scripts and styles from
// this origin only (inline styles stay allowed for the widget's fallback <style> in browsers
// without constructable stylesheets), and connections anywhere so the widget may use another
// endpoint.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src *; " +
	"img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"

// WidgetJS returns the widget's source, as served at /widget.js.
func WidgetJS() []byte { return bytes.Clone(mustRead("widget.js")) }

// asset is one static file, ready to serve: its bytes, a gzipped copy, and strong ETags of both.
type asset struct {
	name, ctype    string
	body, gz       []byte
	etag, etagGzip string
	crossOrigin    bool // any site may load it
}

func newAsset(name, ctype string, crossOrigin bool) *asset {
	b := mustRead(name)
	sum := sha256.Sum256(b)
	tag := hex.EncodeToString(sum[:12])
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b) // writes to a bytes.Buffer cannot fail
	zw.Close()
	return &asset{
		name: name, ctype: ctype, body: b, gz: buf.Bytes(),
		etag: `"` + tag + `"`, etagGzip: `"` + tag + `-gz"`,
		crossOrigin: crossOrigin,
	}
}

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic("web: embedded " + name + " missing: " + err.Error()) // a build mistake, caught by any test
	}
	return b
}

// ServeHTTP serves the asset, gzipped when the client accepts it, answering If-None-Match with 304.
func (a *asset) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Add("Vary", "Accept-Encoding")
	if a.crossOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	}
	body, etag := a.body, a.etag
	if acceptsGzip(r) {
		body, etag = a.gz, a.etagGzip
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag)
	// ServeContent answers If-None-Match (304), HEAD and Range from the ETag.
	http.ServeContent(w, r, a.name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip (a q of 0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		k, v, _ := strings.Cut(strings.TrimSpace(params), "=")
		if strings.TrimSpace(k) == "q" {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q > 0
		}
		return true
	}
	return false
}

var page = template.Must(template.New("index.html").ParseFS(files, "index.html"))

// About is what the demo page says about the collection it searches: its name (the page's title
// and heading) and its introduction (paragraphs separated by blank lines). Empty fields get
// neutral words.
type About struct {
	Name  string
	Intro string
}

// pageData fills index.html.
type pageData struct {
	Name   string   // the collection's name, or ""
	Intro  []string // paragraphs
	Origin string   // where the embed snippet loads widget.js from; demo.js corrects it in the browser
}

// NewHandler serves the demo page at / (with the collection's name and introduction from about,
// called on every request so a swapped index shows its own) and the assets /widget.js, /demo.js
// and /demo.css. Other paths get 404, other methods than GET and HEAD 405. about may be nil. The
// handler is safe for concurrent use.
func NewHandler(about func() About) http.Handler {
	assets := map[string]http.Handler{
		"/widget.js": newAsset("widget.js", "text/javascript; charset=utf-8", true),
		"/demo.js":   newAsset("demo.js", "text/javascript; charset=utf-8", false),
		"/demo.css":  newAsset("demo.css", "text/css; charset=utf-8", false),
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/" {
			servePage(w, r, about)
			return
		}
		if a, ok := assets[r.URL.Path]; ok {
			a.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
}

func servePage(w http.ResponseWriter, r *http.Request, about func() About) {
	d := pageData{Origin: requestOrigin(r)}
	if about != nil {
		a := about()
		d.Name = strings.Join(strings.Fields(a.Name), " ")
		d.Intro = paragraphs(a.Intro)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, d); err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(buf.Bytes())
}

// paragraphs splits text on blank lines and joins each paragraph's lines with spaces.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// requestOrigin guesses the origin the browser used. It is only a default for the embed snippet
// (demo.js replaces it with location.origin), so a proxy's X-Forwarded-Proto is trusted.
func requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
