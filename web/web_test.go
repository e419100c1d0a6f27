package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"filmsearch/web"
)

const intro = "Films about <dancers> & \"ballet\".\n\nA second <script>alert(1)</script> paragraph."

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHeaders(t *testing.T) {
	t.Parallel()
	h := web.NewHandler(func() web.About { return web.About{Intro: intro} })
	tests := []struct {
		path   string
		status int
		want   map[string]string // header -> exact value; "" means absent
	}{
		{"/", 200, map[string]string{
			"Content-Type":                "text/html; charset=utf-8",
			"Content-Security-Policy":     web.CSP,
			"X-Content-Type-Options":      "nosniff",
			"Referrer-Policy":             "strict-origin-when-cross-origin",
			"Access-Control-Allow-Origin": "",
		}},
		{"/widget.js", 200, map[string]string{
			"Content-Type":                "text/javascript; charset=utf-8",
			"Cache-Control":               "public, max-age=300",
			"Access-Control-Allow-Origin": "*",
			"X-Content-Type-Options":      "nosniff",
		}},
		{"/demo.js", 200, map[string]string{
			"Content-Type":                "text/javascript; charset=utf-8",
			"Cache-Control":               "public, max-age=300",
			"Access-Control-Allow-Origin": "",
		}},
		{"/demo.css", 200, map[string]string{"Content-Type": "text/css; charset=utf-8"}},
		{"/nope", 404, nil},
		{"/index.html", 404, nil},
		{"/web.go", 404, nil},
	}
	for _, tt := range tests {
		res := get(t, h, http.MethodGet, tt.path, nil)
		if res.StatusCode != tt.status {
			t.Errorf("GET %s = %d; want %d", tt.path, res.StatusCode, tt.status)
		}
		for k, want := range tt.want {
			if got := res.Header.Get(k); got != want {
				t.Errorf("GET %s: %s = %q; want %q", tt.path, k, got, want)
			}
		}
	}
}

func TestCSPForbidsInlineScript(t *testing.T) {
	t.Parallel()
	for _, d := range strings.Split(web.CSP, ";") {
		d = strings.TrimSpace(d)
		if strings.HasPrefix(d, "script-src") && (strings.Contains(d, "unsafe-inline") || strings.Contains(d, "unsafe-eval")) {
			t.Errorf("CSP %q allows inline script", d)
		}
	}
	res := get(t, web.NewHandler(nil), http.MethodGet, "/", nil)
	page := body(t, res)
	// Every <script> must load a file; no on* handler attributes.
	for _, s := range strings.Split(page, "<script")[1:] {
		tag, rest, _ := strings.Cut(s, ">")
		if !strings.Contains(tag, "src=") || !strings.HasPrefix(strings.TrimSpace(rest), "</script>") {
			t.Errorf("inline script in demo page: <script%s>", tag)
		}
	}
	if strings.Contains(strings.ToLower(page), " onclick=") || strings.Contains(strings.ToLower(page), " onload=") {
		t.Error("demo page has inline event handlers")
	}
}

func TestIntroEscaped(t *testing.T) {
	t.Parallel()
	res := get(t, web.NewHandler(func() web.About { return web.About{Intro: intro} }), http.MethodGet, "/", map[string]string{"X-Forwarded-Proto": "https"})
	page := body(t, res)
	for _, want := range []string{
		"<p>Films about &lt;dancers&gt; &amp; &#34;ballet&#34;.</p>",
		"<p>A second &lt;script&gt;alert(1)&lt;/script&gt; paragraph.</p>",
		`&lt;script src="https://example.com/widget.js" defer&gt;&lt;/script&gt;`,
		"&lt;film-search&gt;&lt;/film-search&gt;",
		`<film-search id="search"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("demo page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<dancers>") {
		t.Error("intro inserted unescaped")
	}
}

func TestWidgetETag(t *testing.T) {
	t.Parallel()
	h := web.NewHandler(nil)
	first := get(t, h, http.MethodGet, "/widget.js", nil)
	etag := first.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") || len(etag) < 10 {
		t.Fatalf("ETag = %q; want a strong quoted tag", etag)
	}
	if got := body(t, first); got != string(web.WidgetJS()) {
		t.Errorf("GET /widget.js body is %d bytes; want the embedded %d", len(got), len(web.WidgetJS()))
	}
	tests := []struct {
		name        string
		ifNoneMatch string
		status      int
	}{
		{"same tag", etag, http.StatusNotModified},
		{"in a list", `"x", ` + etag, http.StatusNotModified},
		{"weak form", "W/" + etag, http.StatusNotModified},
		{"star", "*", http.StatusNotModified},
		{"other tag", `"deadbeef"`, http.StatusOK},
	}
	for _, tt := range tests {
		res := get(t, h, http.MethodGet, "/widget.js", map[string]string{"If-None-Match": tt.ifNoneMatch})
		if res.StatusCode != tt.status {
			t.Errorf("%s: If-None-Match %s = %d; want %d", tt.name, tt.ifNoneMatch, res.StatusCode, tt.status)
		}
		if tt.status == http.StatusNotModified {
			if b := body(t, res); b != "" {
				t.Errorf("%s: 304 has a body of %d bytes", tt.name, len(b))
			}
			if res.Header.Get("ETag") != etag {
				t.Errorf("%s: 304 ETag = %q; want %q", tt.name, res.Header.Get("ETag"), etag)
			}
		}
	}
}

func TestWidgetGzipped(t *testing.T) {
	t.Parallel()
	h := web.NewHandler(nil)
	plain := get(t, h, http.MethodGet, "/widget.js", nil)
	res := get(t, h, http.MethodGet, "/widget.js", map[string]string{"Accept-Encoding": "br, gzip"})
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q; want gzip", res.Header.Get("Content-Encoding"))
	}
	if res.Header.Get("ETag") == plain.Header.Get("ETag") {
		t.Error("gzipped and plain bodies share an ETag")
	}
	if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary = %q; want Accept-Encoding", res.Header.Get("Vary"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, web.WidgetJS()) {
		t.Error("gunzipped /widget.js differs from the embedded widget")
	}
	if refused := get(t, h, http.MethodGet, "/widget.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); refused.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 still got gzip")
	}
}

func TestWidgetSize(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(web.WidgetJS())
	zw.Close()
	const limit = 15 * 1024
	t.Logf("widget.js: %d bytes, %d gzipped", len(web.WidgetJS()), buf.Len())
	if buf.Len() >= limit {
		t.Errorf("widget.js is %d bytes gzipped; want < %d", buf.Len(), limit)
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	h := web.NewHandler(nil)
	if res := get(t, h, http.MethodPost, "/", nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d; want 405", res.StatusCode)
	}
	res := get(t, h, http.MethodHead, "/widget.js", nil)
	if res.StatusCode != http.StatusOK || body(t, res) != "" {
		t.Errorf("HEAD /widget.js = %d with a body; want 200 without", res.StatusCode)
	}
	if res := get(t, h, http.MethodHead, "/", nil); res.StatusCode != http.StatusOK || res.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("HEAD / = %d, CSP %q; want 200 with CSP", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
}

// TestReadmeDocumentsWidget ties the README's widget section to widget.js: every attribute the
// widget reads, every --fs-* property and every ::part it sets is documented there.
func TestReadmeDocumentsWidget(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Embedding the search box")
	if !ok {
		t.Fatal("README has no section \"Embedding the search box\"")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	src := string(web.WidgetJS())
	found := map[string][]string{}
	for kind, re := range map[string]*regexp.Regexp{
		"attribute": regexp.MustCompile(`this\.(?:getAttribute|hasAttribute)\('([a-z-]+)'\)`),
		"property":  regexp.MustCompile(`var\((--fs-[a-z-]+)`),
		"part":      regexp.MustCompile(`part: '([a-z-]+)'`),
		"event":     regexp.MustCompile(`new CustomEvent\('([a-z-]+)'`),
	} {
		for _, m := range re.FindAllStringSubmatch(src, -1) {
			found[kind] = append(found[kind], m[1])
		}
		if len(found[kind]) == 0 {
			t.Errorf("found no %s in widget.js: is the pattern out of date?", kind)
		}
	}
	for kind, names := range found {
		for _, name := range names {
			if !strings.Contains(section, "`"+name+"`") {
				t.Errorf("README's widget section does not document the %s `%s`", kind, name)
			}
		}
	}
}

func TestDemoTitle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		about func() web.About
		want  []string
	}{
		{"named", func() web.About { return web.About{Name: " Soviet  <ballet> on film "} }, []string{
			"<title>Soviet &lt;ballet&gt; on film · film search</title>",
			`<h1 id="name">Soviet &lt;ballet&gt; on film</h1>`,
			`content="Search Soviet &lt;ballet&gt; on film, and embed`,
		}},
		{"unnamed", func() web.About { return web.About{} }, []string{
			"<title>Film search</title>", `<h1 id="name">A film collection</h1>`, "<p>A searchable collection of films.</p>",
		}},
		{"nil", nil, []string{"<title>Film search</title>"}},
	}
	for _, tt := range tests {
		page := body(t, get(t, web.NewHandler(tt.about), http.MethodGet, "/", nil))
		for _, want := range tt.want {
			if !strings.Contains(page, want) {
				t.Errorf("%s: demo page lacks %q", tt.name, want)
			}
		}
		if strings.Contains(page, "Soviet ballet on film") && tt.name != "named" {
			t.Errorf("%s: demo page still names the first collection", tt.name)
		}
	}
}
