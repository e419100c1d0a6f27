package api

import (
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"filmsearch/internal/index"
)

// getRendered sends GET target through h, expects 200 and decodes the result with its hits'
// highlights as the native API renders them.
func getRendered(t *testing.T, h http.Handler, target string) searchResult {
	t.Helper()
	rec := get(t, h, target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d; want 200; body %s", target, rec.Code, rec.Body)
	}
	var res searchResult
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("GET %s: decode: %v; body %s", target, err, rec.Body)
	}
	return res
}

func TestMarkHTML(t *testing.T) {
	sp := func(start, end int) index.Span { return index.Span{Start: start, End: end} }
	for _, tc := range []struct {
		text  string
		spans []index.Span
		want  string
	}{
		{"", nil, ""},
		{"Swan's Lake", []index.Span{sp(0, 6)}, "<mark>Swan&#39;s</mark> Lake"},
		{`<b> & "q"`, []index.Span{sp(4, 5)}, "&lt;b&gt; <mark>&amp;</mark> &#34;q&#34;"},
		{"<mark>x</mark>", []index.Span{sp(6, 7)}, "&lt;mark&gt;<mark>x</mark>&lt;/mark&gt;"},
		{"a b c", []index.Span{sp(0, 1), sp(4, 5)}, "<mark>a</mark> b <mark>c</mark>"},
		// Spans out of order, empty or past the end are left unmarked, never cut the text.
		{"a b c", []index.Span{sp(4, 5), sp(0, 1), sp(2, 2), sp(3, 99)}, "a b <mark>c</mark>"},
	} {
		if got := markHTML(tc.text, tc.spans); got != tc.want {
			t.Errorf("markHTML(%q, %v) = %q; want %q", tc.text, tc.spans, got, tc.want)
		}
	}
}

// escapes are the entities html.EscapeString writes.
var escapes = regexp.MustCompile(`&(?:amp|lt|gt|#34|#39);`)

// FuzzMarkHTML: whatever the text and the spans, the HTML is the text escaped with balanced
// <mark> tags as its only markup, and reads back as the text.
func FuzzMarkHTML(f *testing.F) {
	for _, s := range []string{"Swan's Lake", "<mark>", "&amp;", "<script>alert(1)</script>", `"q" & 'a'`, "é\xff<", "</mark><mark>"} {
		f.Add(s, 0, 3, 4, 8)
	}
	f.Fuzz(func(t *testing.T, text string, a, b, c, d int) {
		got := markHTML(text, []index.Span{{Start: a, End: b}, {Start: c, End: d}})
		if strings.Count(got, "<mark>") != strings.Count(got, "</mark>") {
			t.Fatalf("markHTML(%q) = %q: unbalanced <mark>", text, got)
		}
		plain := markTagRE.ReplaceAllString(got, "")
		if strings.ContainsAny(plain, "<>\"'") {
			t.Fatalf("markHTML(%q) = %q: markup or quotes besides <mark>", text, got)
		}
		if strings.Contains(escapes.ReplaceAllString(plain, ""), "&") {
			t.Fatalf("markHTML(%q) = %q: an unescaped &", text, got)
		}
		if back := html.UnescapeString(plain); back != text {
			t.Fatalf("markHTML(%q) = %q; reads back as %q", text, got, back)
		}
	})
}
