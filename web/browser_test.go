package web_test

// Browser tests: a real searchd handler over a real index, driven through Debian's Chromium.
// The widget lives in a shadow root, so the checks read it with JavaScript that walks
// document.querySelector('film-search').shadowRoot.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

var screenshot = flag.String("screenshot", "", "write screenshots of the demo page after searching \"revolution\" to this PNG path (and a -phone variant)")

// corpusDir is the repository's collection, which most tests serve.
const corpusDir = "../corpus"

func TestMain(m *testing.M) { testkit.Main(m) }

// startServer serves the collection in dir, published once per test binary, through the whole
// API, demo page included, the way searchd does.
func startServer(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	return startAPI(t, dir, nil)
}

// newBrowser returns a new tab of the headless Chromium shared by the package's tests.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return testkit.Browser(t, 30*time.Second)
}

const root = `document.querySelector('film-search').shadowRoot`

// state is what the widget shows, read from its shadow root.
type state struct {
	Status   string   `json:"status"`
	Titles   []string `json:"titles"`
	Meta     []string `json:"meta"`
	Snippets []string `json:"snippets"`
	Marks    []int    `json:"marks"` // <mark> elements per result
	Active   string   `json:"active"`
	Expanded string   `json:"expanded"`
	Chips    []chip   `json:"chips"`
	Note     string   `json:"note"`
	Input    string   `json:"input"`
}

type chip struct {
	Facet, Value string
	Count        string
	Pressed      bool
}

const readState = `(() => {
  const r = ` + root + `, q = s => [...r.querySelectorAll(s)];
  const opts = q('[role=option]');
  const input = r.querySelector('input');
  return {
    status: r.querySelector('[role=status]').textContent,
    titles: opts.map(li => li.querySelector('.t').textContent),
    meta: opts.map(li => li.querySelector('.m').textContent),
    snippets: opts.map(li => li.querySelector('.s').textContent),
    marks: opts.map(li => li.querySelectorAll('mark').length),
    active: input.getAttribute('aria-activedescendant') || '',
    expanded: input.getAttribute('aria-expanded'),
    chips: q('button.chip').map(b => ({Facet: b.dataset.f, Value: b.dataset.v,
      Count: b.querySelector('i').textContent, Pressed: b.getAttribute('aria-pressed') === 'true'})),
    note: r.querySelector('.note').hidden ? '' : r.querySelector('.note').textContent,
    input: input.value,
  };
})()`

func read(t *testing.T, ctx context.Context) state {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[state](readState))
	if err != nil {
		t.Fatalf("read widget: %v", err)
	}
	return s
}

// waitFor polls a JavaScript condition until it is true, failing with the widget's state.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || !ok {
		s, _ := json.MarshalIndent(read(t, ctx), "", " ")
		t.Fatalf("waiting for %s: %v\nwidget state: %s", what, err, s)
	}
}

// openDemo serves the collection in dir and opens the demo page at path, ready to type in (the
// demo's box has autofocus, so it shows its first results).
func openDemo(t *testing.T, dir, path string) context.Context {
	t.Helper()
	ctx := openPage(t, startServer(t, dir).URL+path)
	ready(t, ctx)
	return ctx
}

// openPage opens url in a new tab and waits for the widget to be defined.
func openPage(t *testing.T, url string) context.Context {
	t.Helper()
	ctx := newBrowser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the film-search element", `!!customElements.get('film-search')`)
	return ctx
}

// ready waits until the widget has rendered a response.

func ready(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "the widget's first results",
		`(() => { const e = document.querySelector('film-search'); return !!(e && e.shadowRoot && /result/.test(e.shadowRoot.querySelector('[role=status]').textContent)); })()`)
}

// typeQuery focuses the widget's input and types text as key events.
func typeQuery(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(focusInput, chromedp.KeyEvent(text))
}

var focusInput = js(root + `.querySelector('input').focus()`)

// js runs a script for its effect.
func js(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](script)(ctx, t)
		return err
	})
}

// eval runs a script and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("evaluate %s: %v", script, err)
	}
	return v
}

// firstHitIs is true once the first result is the title with a <mark> in it and no request is in
// flight: the answer to a typed query, not the browse-all list shown before typing.
func firstHitIs(title string) string {
	return fmt.Sprintf(`(() => { const li = %s.querySelector('[role=option]'); return !!li && li.querySelector('.t').textContent === %q && !!li.querySelector('mark') && !%[1]s.querySelector('[role=listbox][aria-busy]'); })()`, root, title)
}

func TestBrowserSearchAsYouType(t *testing.T) {
	t.Parallel()
	ctx := openDemo(t, corpusDir, "/")
	if err := chromedp.Do(ctx, typeQuery("revolution")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "The Flames of Paris first", firstHitIs("The Flames of Paris"))
	s := read(t, ctx)
	if s.Marks[0] == 0 {
		t.Errorf("first result has no <mark>: %q", s.Snippets[0])
	}
	if !strings.Contains(strings.ToLower(s.Snippets[0]), "revolution") {
		t.Errorf("first snippet %q lacks the query word", s.Snippets[0])
	}
	if want := fmt.Sprintf("%d result", len(s.Titles)); !strings.HasPrefix(s.Status, want) {
		t.Errorf("live region says %q; want %q…", s.Status, want)
	}
	if shown := eval[bool](t, ctx, `getComputedStyle(`+root+`.querySelector('button.more')).display !== 'none'`); shown {
		t.Error("More results shown with every result on the page")
	}
	if s.Expanded != "true" {
		t.Errorf("aria-expanded = %q; want true", s.Expanded)
	}
	// Only the last request's answer is shown: the box holds exactly what was typed.
	if s.Input != "revolution" {
		t.Errorf("input = %q; want revolution", s.Input)
	}
	marked := eval[string](t, ctx, root+`.querySelector('[role=option] mark').textContent`)
	if !strings.EqualFold(marked, "revolution") && !strings.HasPrefix(strings.ToLower(marked), "revolution") {
		t.Errorf("marked text = %q; want Revolution", marked)
	}

	if *screenshot != "" {
		shoot(t, ctx, *screenshot)
	}
}

// shoot writes the demo page at desktop and phone widths.
func shoot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	phone := strings.TrimSuffix(path, filepath.Ext(path)) + "-phone" + filepath.Ext(path)
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait),
		chromedp.Sleep(150*time.Millisecond), // a layout pass
	)
	if err != nil {
		t.Fatal(err)
	}
	if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.ResetViewport()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(phone, png, 0o644); err != nil {
		t.Fatal(err)
	}
	// And with a film chosen and a facet ticked.
	detail := strings.TrimSuffix(path, filepath.Ext(path)) + "-detail" + filepath.Ext(path)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.JSPath(root+`.querySelector('[role=option]')`)),
		js(root+`.querySelector('button.chip[data-v="1980s"]').click()`),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the details and the 1980s film", `!!document.querySelector('#detail h3') && `+root+`.querySelectorAll('[role=option]').length === 1`)
	if err := chromedp.Do(ctx, focusInput, chromedp.KeyEvent(kb.ArrowDown)); err != nil {
		t.Fatal(err)
	}
	if png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(detail, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots: %s, %s, %s", path, phone, detail)
}

func TestBrowserFacetChips(t *testing.T) {
	t.Parallel()
	ctx := openDemo(t, corpusDir, "/")
	decades := func(s state) map[string]chip {
		m := map[string]chip{}
		for _, c := range s.Chips {
			if c.Facet == "decade" {
				m[c.Value] = c
			}
		}
		return m
	}
	before := decades(read(t, ctx))
	for v, n := range map[string]string{"1960s": "1", "1970s": "5", "1980s": "4"} {
		if before[v].Count != n {
			t.Errorf("before: chip %s count = %q; want %s", v, before[v].Count, n)
		}
	}

	chip70 := root + `.querySelector('button.chip[data-f=decade][data-v="1970s"]')`
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.JSPath(chip70))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "only 1970s films", `(() => {
      const r = `+root+`, lis = [...r.querySelectorAll('[role=option]')];
      return r.querySelector('button.chip[data-v="1970s"]').getAttribute('aria-pressed') === 'true' &&
        lis.length === 5 && lis.every(li => /\b197\d\b/.test(li.querySelector('.m').textContent));
    })()`)
	after := decades(read(t, ctx))
	for v, want := range map[string]chip{
		"1960s": {Facet: "decade", Value: "1960s", Count: "1", Pressed: false},
		"1970s": {Facet: "decade", Value: "1970s", Count: "5", Pressed: true},
		"1980s": {Facet: "decade", Value: "1980s", Count: "4", Pressed: false},
	} {
		if after[v] != want {
			t.Errorf("after clicking 1970s: chip %s = %+v; want %+v", v, after[v], want)
		}
	}

	// Clicking it again widens back to everything.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.JSPath(chip70))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "all ten films again", `(() => `+root+`.querySelectorAll('[role=option]').length === 10)()`)
}

func TestBrowserKeyboard(t *testing.T) {
	t.Parallel()
	// The demo page honours ?q=.
	ctx := openDemo(t, corpusDir, "/?q=love")
	s := read(t, ctx)
	if s.Input != "love" || len(s.Titles) < 2 {
		t.Fatalf("after /?q=love: input %q, %d results; want love and at least 2", s.Input, len(s.Titles))
	}
	err := chromedp.Do(ctx,
		js(`window.__selected = []; document.addEventListener('film-select', e => window.__selected.push(e.detail.hit.id))`),
		focusInput,
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.ArrowDown),
		chromedp.KeyEvent(kb.ArrowUp),
	)
	if err != nil {
		t.Fatal(err)
	}
	s = read(t, ctx)
	activeTitle := eval[string](t, ctx, root+`.querySelector('[role=option][aria-selected=true] .t').textContent`)
	if s.Active == "" || activeTitle != s.Titles[1] {
		t.Fatalf("after Down Down Down Up: active %q (%q); want the second option %q", s.Active, activeTitle, s.Titles[1])
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the details panel", fmt.Sprintf(`(() => { const h = document.querySelector('#detail h3'); return !!h && h.textContent === %q; })()`, s.Titles[1]))
	selected := eval[[]string](t, ctx, `window.__selected`)
	if len(selected) != 1 {
		t.Errorf("film-select fired %d times (%v); want once", len(selected), selected)
	}

	// Escape clears the box and browses everything again.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "a cleared box", `(() => { const r = `+root+`; return r.querySelector('input').value === '' && r.querySelectorAll('[role=option]').length === 10; })()`)
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(url, "q=") {
		t.Errorf("location after clearing = %s; want no q", url)
	}
}

// TestBrowserSimilarFilms: the details panel lists up to five films like the chosen one, never
// itself; choosing one of them shows its details, with the focus on its title.
func TestBrowserSimilarFilms(t *testing.T) {
	t.Parallel()
	ctx := openDemo(t, corpusDir, "/?q=nutcracker")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.JSPath(root+`.querySelector('[role=option]')`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the similar films", `document.querySelectorAll('#detail .film-similar button').length > 0`)
	type panel struct {
		ID      string   `json:"id"`
		Title   string   `json:"title"`
		Similar []string `json:"similar"`
		Names   []string `json:"names"`
	}
	const state = `(() => ({
      id: document.querySelector('#detail').dataset.id,
      title: document.querySelector('#detail h3').textContent,
      similar: [...document.querySelectorAll('#detail .film-similar button')].map(b => b.dataset.id),
      names: [...document.querySelectorAll('#detail .film-similar button')].map(b => b.textContent),
    }))()`
	got := eval[panel](t, ctx, state)
	if len(got.Similar) > 5 || slices.Contains(got.Similar, got.ID) {
		t.Fatalf("similar films of %s = %v; want at most 5, not itself", got.ID, got.Similar)
	}
	if err := chromedp.Do(ctx, js(`document.querySelector('#detail .film-similar button').click()`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the similar film's details", fmt.Sprintf(`document.querySelector('#detail').dataset.id === %q && document.activeElement === document.querySelector('#detail h3')`, got.Similar[0]))
	waitFor(t, ctx, "its own similar films", fmt.Sprintf(`(() => { const b = [...document.querySelectorAll('#detail .film-similar button')]; return b.length > 0 && !b.some(x => x.dataset.id === %q); })()`, got.Similar[0]))
	if next := eval[panel](t, ctx, state); !strings.HasPrefix(got.Names[0], next.Title) {
		t.Errorf("after choosing %q the panel shows %q", got.Names[0], next.Title)
	}
}

func TestBrowserRendersMarkupAsText(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	evil := "The collection's <b>intro</b> <script>window.__pwned=2</script>.\n\n" +
		"Evil <script>alert(1)</script> (1980)\n" +
		"Description: <img src=x onerror=window.__pwned=1> revolution & \"quotes\" 'too' &lt;b&gt; <mark>fake</mark>\n" +
		"Fact: Safe.\n"
	if err := os.WriteFile(filepath.Join(dir, "evil.txt"), []byte(evil), 0o644); err != nil {
		t.Fatal(err)
	}
	syn, err := os.ReadFile(filepath.Join(corpusDir, index.SynonymsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, index.SynonymsFile), syn, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := openDemo(t, dir, "/")
	if err := chromedp.Do(ctx, typeQuery("revolution")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the evil film, highlighted", firstHitIs("Evil <script>alert(1)</script>"))
	s := read(t, ctx)
	wantSnippet := `<img src=x onerror=window.__pwned=1> revolution & "quotes" 'too' &lt;b&gt; <mark>fake</mark>`
	if s.Snippets[0] != wantSnippet {
		t.Errorf("snippet text = %q; want %q", s.Snippets[0], wantSnippet)
	}
	// The detail panel of the demo page must be as careful.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.JSPath(root+`.querySelector('[role=option]')`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the details panel", `!!document.querySelector('#detail h3')`)

	type result struct {
		Pwned       string `json:"pwned"`
		ShadowEls   int    `json:"shadow_els"`
		Marks       []string
		PageEls     int    `json:"page_els"`
		DetailTitle string `json:"detail_title"`
		Intro       string `json:"intro"`
	}
	got := eval[result](t, ctx, `(() => {
      const r = `+root+`;
      return {
        pwned: typeof window.__pwned,
        shadow_els: r.querySelectorAll('script, img, b, iframe, [onerror]').length,
        Marks: [...r.querySelectorAll('[role=option] mark')].map(m => m.textContent),
        page_els: document.querySelectorAll('#detail *:not(h3):not(p):not(ul):not(li):not(h4):not(dl):not(dt):not(dd):not(.film-similar button), .intro script, .intro b, img').length,
        detail_title: document.querySelector('#detail h3').textContent,
        intro: document.querySelector('.intro').textContent.trim(),
      };
    })()`)
	if got.Pwned != "undefined" {
		t.Errorf("window.__pwned is %s: markup from the data ran", got.Pwned)
	}
	if got.ShadowEls != 0 || got.PageEls != 0 {
		t.Errorf("elements built from data: %d in the widget, %d on the page; want none", got.ShadowEls, got.PageEls)
	}
	// Only the API's own <mark> around the match is an element; the data's "<mark>" stays text.
	if len(got.Marks) != 1 || !strings.EqualFold(got.Marks[0], "revolution") {
		t.Errorf("<mark> elements = %q; want just [revolution]", got.Marks)
	}
	if got.DetailTitle != "Evil <script>alert(1)</script>" {
		t.Errorf("detail title = %q", got.DetailTitle)
	}
	if !strings.Contains(got.Intro, "<script>window.__pwned=2</script>") {
		t.Errorf("intro text = %q; want the markup shown as text", got.Intro)
	}
}

func TestBrowserCrossOrigin(t *testing.T) {
	t.Parallel()
	apiSrv := startServer(t, corpusDir)
	// Another site: a different port is a different origin. Its CSP is strict, as a careful
	// site's would be: the widget may load and connect only to the API's origin.
	page := fmt.Sprintf(`<!doctype html><html><head><meta charset="utf-8"><title>Elsewhere</title></head><body>
<h1>A site that embeds the search</h1>
<script src="%[1]s/widget.js"></script>
<film-search endpoint="%[1]s"></film-search>
<film-search id="auto" page-size="4" facets="" placeholder="no endpoint attribute"></film-search>
<film-search id="down" endpoint="http://127.0.0.1:9" initial-query="giselle"></film-search>
<film-search id="bad" initial-query="%[2]s"></film-search>
</body></html>`, apiSrv.URL, strings.Repeat("a", index.MaxQueryBytes+100))
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", fmt.Sprintf("default-src 'none'; script-src %[1]s; connect-src %[1]s; style-src 'self'", apiSrv.URL))
		fmt.Fprint(w, page)
	}))
	t.Cleanup(site.Close)
	if site.URL == apiSrv.URL {
		t.Fatal("the two servers share an origin")
	}

	ctx := openPage(t, site.URL+"/")
	if err := chromedp.Do(ctx, typeQuery("revolution")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "The Flames of Paris first, across origins", firstHitIs("The Flames of Paris"))
	// The element without an endpoint found the API from the script's own URL, and the widget's
	// styles apply under a CSP without 'unsafe-inline' (constructable stylesheets).
	// facets="" shows no chips.
	auto := `document.getElementById('auto').shadowRoot`
	if err := chromedp.Do(ctx, js(auto+`.querySelector('input').focus()`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the second widget's first page", `(() => {
      const r = `+auto+`;
      return r.querySelectorAll('[role=option]').length === 4 && r.querySelectorAll('button.chip').length === 0 &&
        getComputedStyle(r.querySelector('input')).borderTopLeftRadius !== '0px';
    })()`)
	// An unreachable endpoint and an API error each say so once, as an alert, in words.
	for id, want := range map[string]string{
		"down": "Could not reach the search service. Check your connection, then retry.",
		"bad":  "That search is too long. Try fewer words.",
	} {
		waitFor(t, ctx, id+" error state", fmt.Sprintf(`(() => {
      const r = document.getElementById(%q).shadowRoot, a = r.querySelector('.msg.err [role=alert]');
      return !!a && a.textContent === %q && r.querySelector('[role=status]').textContent === '' &&
        r.querySelectorAll('[role=option]').length === 0;
    })()`, id, want))
	}

	// "More results" appends the next page until there is none.
	more := auto + `.querySelector('button.more')`
	for _, n := range []int{8, 10} {
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.JSPath(more))); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, fmt.Sprintf("%d results after More", n), fmt.Sprintf(`%s.querySelectorAll('[role=option]').length === %d`, auto, n))
	}
	if visible := eval[bool](t, ctx, `(() => { const b = `+more+`; return !b.hidden && getComputedStyle(b).display !== 'none'; })()`); visible {
		t.Error("More results still shown after the last page")
	}
	if ids := eval[int](t, ctx, `new Set([...`+auto+`.querySelectorAll('[role=option]')].map(li => li.textContent)).size`); ids != 10 {
		t.Errorf("%d distinct results after paging; want 10", ids)
	}
}
