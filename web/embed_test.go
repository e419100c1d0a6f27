package web_test

// Browser tests of the widget as a site owner embeds it: the page comes from a second httptest
// server, another origin than the API's, under a strict Content-Security-Policy.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/rs/zerolog"

	"filmsearch/internal/api"
	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
	"filmsearch/web"
)

// films writes a JSON Lines collection of n films to a new directory: titles "Film 01"…, years
// from 1950 on, two directors, genres, and a source_url on every film but the last, whose link
// is a javascript: URL that must never become a link.
func films(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= n; i++ {
		f := corpus.Film{
			ID:          fmt.Sprintf("film-%02d", i),
			Title:       fmt.Sprintf("Film %02d", i),
			Year:        1950 + i,
			Description: fmt.Sprintf("A story about dancers, number %d, in a long description of the ballet.", i),
			Facts:       []string{"A fact."},
			Companies:   []string{},
			Director:    []string{"Ana Director", "Boris Director"}[i%2],
			Genres:      []string{"Drama", []string{"Dance", "Music"}[i%2]},
			SourceURL:   fmt.Sprintf("https://films.example/wiki/Film_%02d", i),
		}
		if i == n {
			f.SourceURL = "javascript:window.__pwned=1"
		}
		line, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "films.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// control lets a test hold the API's search and similar-films answers (to see the loading state)
// or refuse their connections (an unreachable service).
type control struct {
	mu       sync.Mutex
	hold     chan struct{} // non-nil: searches wait until it is closed
	down     atomic.Bool   // searches get their connection closed without an answer
	searches atomic.Int64
}

func (c *control) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.URL.Path == "/api/search" || strings.HasSuffix(r.URL.Path, "/similar")) && r.Method == http.MethodGet {
			c.searches.Add(1)
			if c.down.Load() {
				if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
					conn.Close()
				}
				return
			}
			c.mu.Lock()
			hold := c.hold
			c.mu.Unlock()
			if hold != nil {
				select {
				case <-hold:
				case <-r.Context().Done():
					return
				}
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (c *control) holdSearches() {
	c.mu.Lock()
	c.hold = make(chan struct{})
	c.mu.Unlock()
}

func (c *control) release() {
	c.mu.Lock()
	if c.hold != nil {
		close(c.hold)
		c.hold = nil
	}
	c.mu.Unlock()
}

// startAPI serves the collection in dir like startServer, through c when it is not nil.
func startAPI(t *testing.T, dir string, c *control) *httptest.Server {
	t.Helper()
	ix := testkit.Open(t, testkit.Build(t, dir))
	var h http.Handler = api.NewServer(ix, api.Options{Logger: zerolog.Nop(), RatePerSecond: -1,
		Demo: web.NewHandler(func() web.About { return web.About{Name: "Test films", Intro: ix.Manifest().Intro} })})
	if c != nil {
		h = c.wrap(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// site serves an embedding page from another origin: body (with {{api}} replaced by the API's
// URL) at /, and a small page naming its path anywhere else, so a followed link can be seen.
// style is CSS for the page's <head>, loaded as a file: the CSP allows no inline style.
func site(t *testing.T, apiSrv *httptest.Server, style, body string) string {
	t.Helper()
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A site that embeds the search</title><link rel="stylesheet" href="/site.css">
<script src="` + apiSrv.URL + `/widget.js"></script></head><body>` + strings.ReplaceAll(body, "{{api}}", apiSrv.URL) + `</body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", fmt.Sprintf("default-src 'none'; script-src %[1]s; connect-src %[1]s; style-src 'self'", apiSrv.URL))
			fmt.Fprint(w, page)
		case "/site.css":
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, "body{margin:0;padding:16px;font:16px system-ui,sans-serif}"+style)
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><title>page %s</title><h1 id="path">%s</h1>`, r.URL.Path, r.URL.Path)
		}
	}))
	t.Cleanup(srv.Close)
	if srv.URL == apiSrv.URL {
		t.Fatal("the two servers share an origin")
	}
	return srv.URL + "/"
}

// sr is the shadow root of the element with this id.
func sr(id string) string { return fmt.Sprintf(`document.getElementById(%q).shadowRoot`, id) }

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Steps(actions...)); err != nil {
		t.Fatal(err)
	}
}

// center is the middle of the first element a script returns, in page coordinates.
func center(t *testing.T, ctx context.Context, elem string) (x, y float64) {
	t.Helper()
	p := eval[[]float64](t, ctx, `(() => { const r = `+elem+`.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	return p[0], p[1]
}

func emulateMedia(features ...*emulation.MediaFeature) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: features})
		return err
	})
}

func colorScheme(s string) chromedp.Action[chromedp.Void] {
	return emulateMedia(&emulation.MediaFeature{Name: "prefers-color-scheme", Value: s})
}

// press types one printable key the way a keyboard does: one keyDown that carries its text, so
// a keydown listener that calls preventDefault keeps the character out of the page (chromedp's
// KeyEvent sends the character as a separate event, which preventDefault cannot stop).
func press(r rune) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		events := kb.Encode(r)
		down, up := *events[0], *events[len(events)-1]
		if len(events) == 3 {
			down.Text, down.UnmodifiedText = events[1].Text, events[1].UnmodifiedText
		}
		for _, e := range []input.DispatchKeyEventParams{down, up} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// blur takes focus away from whatever has it, inside a shadow root too.
var blur = js(`(document.activeElement.shadowRoot?.activeElement || document.activeElement).blur()`)

func TestBrowserBoxFirst(t *testing.T) {
	t.Parallel()
	c := &control{}
	apiSrv := startAPI(t, corpusDir, c)
	ctx := openPage(t, site(t, apiSrv, "", `<h1>Elsewhere</h1><film-search id="w" endpoint="{{api}}"></film-search>`))
	w := sr("w")
	do(t, ctx, chromedp.Sleep(300*time.Millisecond))
	type view struct {
		Panel   bool `json:"panel"` // the results panel is displayed
		Options int  `json:"options"`
		Chips   int  `json:"chips"`
	}
	look := `(() => { const r = ` + w + `; return {panel: r.querySelector('.panel').getClientRects().length > 0,
      options: r.querySelectorAll('[role=option]').length, chips: r.querySelectorAll('button.chip').length}; })()`
	if v := eval[view](t, ctx, look); v.Panel || v.Options != 0 || v.Chips != 0 || c.searches.Load() != 0 {
		t.Fatalf("before anyone came: %+v and %d searches; want only the box, no search", v, c.searches.Load())
	}
	// Focus shows the collection, browsed by title, with its facets.
	do(t, ctx, js(w+`.querySelector('input').focus()`))
	waitFor(t, ctx, "the browse list after focus", w+`.querySelectorAll('[role=option]').length === 10`)
	titles := eval[[]string](t, ctx, `[...`+w+`.querySelectorAll('[role=option] .t')].map(e => e.textContent)`)
	if !slices.IsSorted(titles) {
		t.Errorf("browse order = %q; want by title", titles)
	}
	if v := eval[view](t, ctx, look); !v.Panel || v.Chips == 0 {
		t.Errorf("after focus: %+v; want the panel with chips", v)
	}
	// Facets are rendered generically: every facet of the response gets a group.
	groups := eval[[]string](t, ctx, `[...`+w+`.querySelectorAll('[role=toolbar]')].map(g => g.getAttribute('aria-label'))`)
	if !slices.Equal(groups, []string{"Company", "Decade", "Year"}) {
		t.Errorf("facet groups = %q; want Company, Decade, Year (every facet of the response)", groups)
	}
}

func TestBrowserResultLinks(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, films(t, 3), nil)
	page := site(t, apiSrv, "", `<film-search id="tpl" endpoint="{{api}}" result-url="/films/{id}"></film-search>
<film-search id="src" endpoint="{{api}}"></film-search>`)
	ctx := openPage(t, page)
	do(t, ctx, js(sr("tpl")+`.querySelector('input').focus()`), js(sr("src")+`.querySelector('input').focus()`))
	type option struct {
		Tag, Href, Title string
	}
	options := func(id string) []option {
		waitFor(t, ctx, id+" results", sr(id)+`.querySelectorAll('[role=option]').length === 3`)
		return eval[[]option](t, ctx, `[...`+sr(id)+`.querySelectorAll('[role=option]')].map(o => ({Tag: o.tagName, Href: o.getAttribute('href') || '', Title: o.querySelector('.t').textContent}))`)
	}
	wantTpl := []option{{"A", "/films/film-01", "Film 01"}, {"A", "/films/film-02", "Film 02"}, {"A", "/films/film-03", "Film 03"}}
	if got := options("tpl"); !slices.Equal(got, wantTpl) {
		t.Errorf("with result-url: %+v; want %+v", got, wantTpl)
	}
	// Without a template: the film's source_url, and no link for a javascript: URL.
	wantSrc := []option{{"A", "https://films.example/wiki/Film_01", "Film 01"}, {"A", "https://films.example/wiki/Film_02", "Film 02"}, {"DIV", "", "Film 03"}}
	if got := options("src"); !slices.Equal(got, wantSrc) {
		t.Errorf("without result-url: %+v; want %+v", got, wantSrc)
	}

	// A single-page site cancels film-select and stays; the event carries the hit and its href.
	do(t, ctx, js(`window.__sel = []; document.addEventListener('film-select', e => { window.__sel.push(e.detail.href); if (window.__spa) e.preventDefault(); }); window.__spa = true`))
	x, y := center(t, ctx, sr("tpl")+`.querySelector('[role=option]')`)
	do(t, ctx, chromedp.MouseClickXY(x, y))
	if sel := eval[[]string](t, ctx, `window.__sel`); !slices.Equal(sel, []string{"/films/film-01"}) {
		t.Errorf("film-select hrefs = %q; want [/films/film-01]", sel)
	}
	if loc := eval[string](t, ctx, `location.pathname`); loc != "/" {
		t.Errorf("a cancelled film-select navigated to %s", loc)
	}

	// Ctrl+click and middle-click open a new tab, as on any link: the page stays, no film-select.
	for _, click := range []struct {
		name string
		opts []chromedp.MouseOption
	}{
		{"ctrl+click", []chromedp.MouseOption{chromedp.ButtonModifiers(chromedp.ModifierCtrl)}},
		{"middle-click", []chromedp.MouseOption{chromedp.ButtonMiddle}},
	} {
		// Tabs opened this way have no opener, so they are found among all the browser's pages.
		film02 := strings.TrimSuffix(page, "/") + "/films/film-02"
		tabs := func() int {
			ts, err := chromedp.Targets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ti := range ts {
				if ti.Type == "page" && ti.URL == film02 {
					n++
				}
			}
			return n
		}
		before := tabs()
		x, y := center(t, ctx, sr("tpl")+`.querySelectorAll('[role=option]')[1]`)
		do(t, ctx, chromedp.MouseClickXY(x, y, click.opts...))
		for deadline := time.Now().Add(5 * time.Second); tabs() == before; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Errorf("%s on a result opened no tab at %s", click.name, film02)
				break
			}
		}
		if loc := eval[string](t, ctx, `location.pathname`); loc != "/" {
			t.Errorf("%s navigated the page itself to %s", click.name, loc)
		}
		if sel := eval[[]string](t, ctx, `window.__sel`); len(sel) != 1 {
			t.Errorf("%s fired film-select: %q", click.name, sel)
		}
	}

	// Enter on the active result follows its link when nothing cancels film-select.
	do(t, ctx, js(`window.__spa = false`), js(sr("tpl")+`.querySelector('input').focus()`),
		chromedp.KeyEvent(kb.Home, chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	// Evaluations fail while the page navigates: retry them until the film's page is there.
	var path string
	for deadline := time.Now().Add(5 * time.Second); path != "/films/film-02" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		path, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('path')?.textContent || ''`))
	}
	if path != "/films/film-02" {
		t.Errorf("after Down and Enter the page shows %q; want the film's page /films/film-02", path)
	}
	if pwned := eval[bool](t, ctx, `window.__pwned !== undefined`); pwned {
		t.Error("a javascript: source_url ran")
	}
}

func TestBrowserKeyboardFocus(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, corpusDir, nil)
	ctx := openPage(t, site(t, apiSrv, "", `<film-search id="w" endpoint="{{api}}" page-size="4"></film-search><p><a href="/after">after</a></p>`))
	w := sr("w")
	do(t, ctx, js(w+`.querySelector('input').focus()`))
	waitFor(t, ctx, "4 results", w+`.querySelectorAll('[role=option]').length === 4`)
	focused := `(() => { const a = ` + w + `.activeElement; return !a ? '' : a.classList.contains('chip') ? 'chip:' + a.dataset.f + '=' + a.dataset.v : a.className || a.tagName; })()`

	// Tab stops: the box, one per chip group (three), then More results.
	var stops []string
	for range 4 {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		stops = append(stops, eval[string](t, ctx, focused))
	}
	want := []string{"chip:company=Bolshoi Ballet", "chip:decade=1960s", "chip:year=1966", "more"}
	if !slices.Equal(stops, want) {
		t.Fatalf("Tab stops after the box = %q; want %q", stops, want)
	}
	// Arrows move inside a group, and the group's tab stop follows.
	backTab := chromedp.KeyEvent(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	do(t, ctx, backTab, backTab, chromedp.KeyEvent(kb.ArrowRight))
	if got := eval[string](t, ctx, focused); got != "chip:decade=1970s" {
		t.Errorf("Right from 1960s focused %s; want chip:decade=1970s", got)
	}
	tabbable := eval[[]string](t, ctx, `[...`+w+`.querySelectorAll('[role=toolbar][aria-label=Decade] .chip')].map(b => b.dataset.v + '=' + b.tabIndex)`)
	if !slices.Equal(tabbable, []string{"1960s=-1", "1970s=0", "1980s=-1"}) {
		t.Errorf("decade chips' tabindex = %q; want only 1970s at 0", tabbable)
	}
	// Space toggles the chip; focus stays on it through the new answer.
	do(t, ctx, chromedp.KeyEvent(" "))
	waitFor(t, ctx, "the 1970s filter", w+`.querySelector('.chip[data-v="1970s"]').getAttribute('aria-pressed') === 'true' && `+w+`.querySelector('[role=status]').textContent === '5 results'`)
	if got := eval[string](t, ctx, focused); got != "chip:decade=1970s" {
		t.Errorf("after toggling, focus is on %s; want chip:decade=1970s", got)
	}
	do(t, ctx, chromedp.KeyEvent(" "))
	waitFor(t, ctx, "the filter off", w+`.querySelector('[role=status]').textContent === '10 results'`)

	// More results keeps focus on itself while there is more, then gives it to the first new
	// result (the box, with that result active), never to <body>.
	do(t, ctx, js(w+`.querySelector('button.more').focus()`), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "8 results", w+`.querySelectorAll('[role=option]').length === 8`)
	if got := eval[string](t, ctx, focused); got != "more" {
		t.Errorf("after More: focus on %q; want more", got)
	}
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "10 results", w+`.querySelectorAll('[role=option]').length === 10`)
	type after struct {
		Focus, Active, Ninth string
	}
	got := eval[after](t, ctx, `(() => { const r = `+w+`; return {Focus: r.activeElement ? r.activeElement.tagName : document.activeElement.tagName,
      Active: r.querySelector('input').getAttribute('aria-activedescendant'), Ninth: r.querySelectorAll('[role=option]')[8].id}; })()`)
	if got.Focus != "INPUT" || got.Active != got.Ninth {
		t.Errorf("after the last page: %+v; want focus on INPUT with the ninth result active", got)
	}
}

func TestBrowserInputStaysVisible(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, films(t, 30), nil)
	// The page's CSP allows no inline style: the spacer's height comes from site.css.
	ctx := openPage(t, site(t, apiSrv, ".spacer{height:2000px}", `<film-search id="d" endpoint="{{api}}" page-size="30" facets="" layout="dropdown"></film-search>
<h1>Header</h1><p>Some text above the box.</p>
<film-search id="w" endpoint="{{api}}" page-size="30" facets=""></film-search><p>Below.</p>
<div class="spacer"></div>`))
	do(t, ctx, chromedp.EmulateViewport(390, 640, chromedp.EmulatePortrait))
	check := func(id string, n int) {
		w := sr(id)
		do(t, ctx, js(w+`.querySelector('input').focus()`))
		waitFor(t, ctx, id+" results", fmt.Sprintf(`%s.querySelectorAll('[role=option]').length === %d`, w, n))
		for i := range n + 2 { // past the end wraps to the top
			do(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
			bad := eval[string](t, ctx, `(() => {
          const r = `+w+`, i = r.querySelector('input').getBoundingClientRect(), o = r.querySelector('[aria-selected=true]');
          if (!o) return 'no active option';
          const b = o.getBoundingClientRect(), p = r.querySelector('.panel').getBoundingClientRect();
          const top = Math.max(i.bottom, 0), bottom = Math.min(innerHeight, getComputedStyle(r.querySelector('.panel')).position === 'absolute' ? p.bottom : innerHeight);
          if (i.top < 0 || i.bottom > innerHeight) return 'input out of view: ' + i.top + '..' + i.bottom;
          if (b.top < top - 1 || b.bottom > bottom + 1) return 'active option ' + o.id + ' at ' + b.top + '..' + b.bottom + ', visible area ' + top + '..' + bottom;
          return '';
        })()`)
			if bad != "" {
				t.Fatalf("%s, after %d × Down: %s", id, i+1, bad)
			}
		}
	}
	check("d", 30)
	check("w", 30)
}

func TestBrowserDropdown(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, films(t, 30), nil)
	ctx := openPage(t, site(t, apiSrv, "header{display:flex;gap:12px;align-items:center}header film-search{flex:1}",
		`<header><b>Site</b><film-search id="d" endpoint="{{api}}" layout="dropdown" shortcut page-size="20"></film-search></header>
<p id="outside">Page text.</p><label>Other field <input id="other"></label>
<film-search id="plain" endpoint="{{api}}"></film-search>`))
	d := sr("d")
	open := d + `.querySelector('.panel').getClientRects().length > 0`
	focusedD := `document.activeElement === document.getElementById('d') && ` + d + `.activeElement === ` + d + `.querySelector('input')`
	if eval[bool](t, ctx, open) {
		t.Fatal("the dropdown is open before anyone came")
	}
	// "/" from the page focuses the box that opted in and opens its popup under the box, over
	// the page.
	do(t, ctx, press('/'))
	waitFor(t, ctx, "the popup after /", focusedD+` && `+open+` && `+d+`.querySelectorAll('[role=option]').length === 20`)
	geo := eval[map[string]any](t, ctx, `(() => { const r = `+d+`, i = r.querySelector('input').getBoundingClientRect(), p = r.querySelector('.panel');
      return {below: p.getBoundingClientRect().top >= i.bottom, position: getComputedStyle(p).position, scrolls: p.scrollHeight > p.clientHeight,
        value: r.querySelector('input').value, expanded: r.querySelector('input').getAttribute('aria-expanded'), chips: r.querySelectorAll('.chip').length}; })()`)
	if geo["below"] != true || geo["position"] != "absolute" || geo["scrolls"] != true || geo["value"] != "" || geo["expanded"] != "true" || geo["chips"] != 0.0 {
		t.Errorf("popup = %v; want absolute, below the box, scrolling, no '/' typed, aria-expanded, no chips", geo)
	}
	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "closed after Escape", `!(`+open+`) && `+d+`.querySelector('input').getAttribute('aria-expanded') === 'false'`)

	// Ctrl+K opens it from anywhere; a click outside closes it.
	do(t, ctx, blur, chromedp.KeyEvent("k", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitFor(t, ctx, "the popup after Ctrl+K", focusedD+` && `+open)
	// The popup covers the text under the header: click on the page below it.
	do(t, ctx, chromedp.MouseClickXY(5, 880))
	waitFor(t, ctx, "closed after a click outside", `!(`+open+`)`)

	// "/" typed in another field is a character, not the shortcut; a box without the shortcut
	// attribute never takes it.
	do(t, ctx, js(`document.getElementById('other').focus()`), press('/'))
	if v := eval[string](t, ctx, `document.getElementById('other').value`); v != "/" || eval[bool](t, ctx, open) {
		t.Errorf("/ in another field: field %q, popup open %v; want the character typed and the popup closed", v, eval[bool](t, ctx, open))
	}
	if eval[string](t, ctx, sr("plain")+`.querySelector('input').getAttribute('aria-keyshortcuts') || ''`) != "" ||
		eval[string](t, ctx, d+`.querySelector('input').getAttribute('aria-keyshortcuts')`) != "/ Control+K Meta+K" {
		t.Error("aria-keyshortcuts: want '/ Control+K Meta+K' on the dropdown and none without the shortcut attribute")
	}
	// Tab out of an open popup closes it too.
	do(t, ctx, js(d+`.querySelector('input').focus()`))
	waitFor(t, ctx, "open on focus", open)
	do(t, ctx, js(`document.getElementById('other').focus()`))
	waitFor(t, ctx, "closed when focus left", `!(`+open+`)`)
}

func TestBrowserStates(t *testing.T) {
	t.Parallel()
	c := &control{}
	apiSrv := startAPI(t, corpusDir, c)
	ctx := openPage(t, site(t, apiSrv, "", `<film-search id="w" endpoint="{{api}}"></film-search>
<film-search id="long" endpoint="{{api}}" initial-query="`+strings.Repeat("a", index.MaxQueryBytes+100)+`"></film-search>`))
	w := sr("w")
	status := w + `.querySelector('[role=status]').textContent`
	// The spinner and its "Searching…" are seen; the live region waits for the count.
	spinner := w + `.querySelector('.busy').getClientRects().length > 0 && ` + w + `.querySelector('.busy').textContent === 'Searching…'`

	// A loading indicator from the first request on.
	c.holdSearches()
	do(t, ctx, js(w+`.querySelector('input').focus()`))
	waitFor(t, ctx, "the first load's indicator", spinner+` && `+status+` === ''`)
	c.release()
	waitFor(t, ctx, "10 results", status+` === '10 results' && !(`+spinner+`)`)
	// A later load says it is searching instead of showing the old count, then the new count.
	c.holdSearches()
	do(t, ctx, chromedp.KeyEvent("love"))
	waitFor(t, ctx, "the second load's indicator", spinner+` && `+status+` === ''`)
	c.release()
	waitFor(t, ctx, "the new count", `/^[2-9] results$/.test(`+status+`) && !(`+spinner+`)`)

	// An unreachable service: one message, said once, with Retry that works. (A new query: the
	// browser's cache may answer one it has seen.)
	c.down.Store(true)
	do(t, ctx, setQuery(w, "giselle"))
	const unreachable = "Could not reach the search service. Check your connection, then retry."
	waitFor(t, ctx, "the error", w+`.querySelector('[role=alert]') !== null`)
	type failure struct {
		Times   int    `json:"times"`
		Status  string `json:"status"`
		Buttons string `json:"buttons"`
		Options int    `json:"options"`
	}
	got := eval[failure](t, ctx, `(() => { const r = `+w+`; return {times: r.querySelector('.box').textContent.split(`+fmt.Sprintf("%q", unreachable)+`).length - 1,
      status: r.querySelector('[role=status]').textContent, buttons: [...r.querySelectorAll('.msg button')].map(b => b.textContent).join(),
      options: r.querySelectorAll('[role=option]').length}; })()`)
	if got != (failure{Times: 1, Buttons: "Retry"}) {
		t.Errorf("unreachable: %+v; want the message once, an empty status, a Retry button, no results", got)
	}
	c.down.Store(false)
	x, y := center(t, ctx, w+`.querySelector('.msg button')`)
	do(t, ctx, chromedp.MouseClickXY(x, y))
	waitFor(t, ctx, "results after Retry", w+`.querySelector('[role=alert]') === null && `+status+` === '1 result'`)

	// No results with a filter on: say so, and offer to clear the filters.
	do(t, ctx, setQuery(w, ""))
	chip := w + `.querySelector('.chip[data-f=decade][data-v="1960s"]')`
	waitFor(t, ctx, "the browse list", status+` === '10 results' && `+chip+` !== null`)
	x, y = center(t, ctx, chip)
	do(t, ctx, chromedp.MouseClickXY(x, y))
	waitFor(t, ctx, "1960s pressed", chip+`.getAttribute('aria-pressed') === 'true' && `+status+` === '1 result'`)
	do(t, ctx, setQuery(w, "giselle"))
	waitFor(t, ctx, "no results", status+` === 'No results'`)
	msg := eval[string](t, ctx, w+`.querySelector('.msg p').textContent`)
	if msg != "No films match “giselle” with these filters." {
		t.Errorf("no-results message = %q", msg)
	}
	x, y = center(t, ctx, w+`.querySelector('.msg button')`)
	do(t, ctx, chromedp.MouseClickXY(x, y))
	waitFor(t, ctx, "filters cleared", status+` === '1 result' && `+w+`.querySelectorAll('.chip[aria-pressed=true]').length === 0`)

	// A 400 in words, without the API's text, and no Retry that could not help.
	long := sr("long")
	waitFor(t, ctx, "the long query's message", long+`.querySelector('[role=alert]') !== null`)
	if m := eval[string](t, ctx, long+`.querySelector('.msg').textContent`); m != "That search is too long. Try fewer words." {
		t.Errorf("400 message = %q", m)
	}
}

// setQuery puts q in the box as if typed.
func setQuery(shadow, q string) chromedp.Action[chromedp.Void] {
	return js(fmt.Sprintf(`(() => { const i = %s.querySelector('input'); i.value = %q; i.dispatchEvent(new Event('input')); })()`, shadow, q))
}

func TestBrowserThemes(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, corpusDir, nil)
	ctx := openPage(t, site(t, apiSrv, "#brand{--fs-accent:#ffd166;--fs-on-accent:#1a1a1a}", `
<film-search id="auto" endpoint="{{api}}" filters="decade=1970s"></film-search>
<film-search id="light" endpoint="{{api}}" theme="light" filters="decade=1970s"></film-search>
<film-search id="dark" endpoint="{{api}}" theme="dark" filters="decade=1970s"></film-search>
<film-search id="brand" endpoint="{{api}}" filters="decade=1970s"></film-search>`))
	for _, id := range []string{"auto", "light", "dark", "brand"} {
		waitFor(t, ctx, id+" results", sr(id)+`.querySelector('.chip[aria-pressed=true]') !== null`)
	}
	colours := func() map[string][2]string {
		return eval[map[string][2]string](t, ctx, `Object.fromEntries(['auto', 'light', 'dark', 'brand'].map(id => {
      const r = document.getElementById(id).shadowRoot;
      return [id, [getComputedStyle(r.querySelector('.box')).backgroundColor, getComputedStyle(r.querySelector('.chip[aria-pressed=true]')).color]];
    }))`)
	}
	const white, dark = "rgb(255, 255, 255)", "rgb(30, 29, 34)"
	for _, scheme := range []struct {
		name string
		want map[string][2]string // background of the box, text of the pressed chip
	}{
		{"light", map[string][2]string{"auto": {white, white}, "light": {white, white}, "dark": {dark, "rgb(42, 13, 23)"}, "brand": {white, "rgb(26, 26, 26)"}}},
		{"dark", map[string][2]string{"auto": {dark, "rgb(42, 13, 23)"}, "light": {white, white}, "dark": {dark, "rgb(42, 13, 23)"}, "brand": {dark, "rgb(26, 26, 26)"}}},
	} {
		do(t, ctx, colorScheme(scheme.name))
		if got := colours(); !mapsEqual(got, scheme.want) {
			t.Errorf("prefers-color-scheme: %s: colours %v; want %v", scheme.name, got, scheme.want)
		}
	}
}

func mapsEqual(a, b map[string][2]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestBrowserTouch(t *testing.T) {
	t.Parallel()
	srv := startServer(t, corpusDir)
	ctx := openPage(t, srv.URL+"/")
	// The demo's box has autofocus, which hides the shortcut hint; take focus away first.
	do(t, ctx, blur)
	hints := `[getComputedStyle(document.querySelector('.kbd-hint')).display, getComputedStyle(` + root + `.querySelector('.key')).display]`
	if got := eval[[]string](t, ctx, hints); got[0] == "none" || got[1] == "none" {
		t.Errorf("with a mouse and keyboard, hints display %q; want both shown", got)
	}
	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait),
		emulateMedia(&emulation.MediaFeature{Name: "pointer", Value: "coarse"}, &emulation.MediaFeature{Name: "hover", Value: "none"}),
		chromedp.Sleep(100*time.Millisecond))
	if got := eval[[]string](t, ctx, hints); got[0] != "none" || got[1] != "none" {
		t.Errorf("on a touch screen, keyboard hints display %q; want none", got)
	}
}

func TestBrowserPlaceholderFits(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, corpusDir, nil)
	ctx := openPage(t, apiSrv.URL+"/")
	pageURL := site(t, apiSrv, "", `<film-search id="w" endpoint="{{api}}"></film-search>`)
	fits := func(shadow string) string {
		return eval[string](t, ctx, `(() => {
      const i = `+shadow+`.querySelector('input'), s = getComputedStyle(i), c = document.createElement('canvas').getContext('2d');
      c.font = s.font;
      const need = c.measureText(i.placeholder).width, room = i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
      return need <= room ? '' : JSON.stringify(i.placeholder) + ' needs ' + need.toFixed(0) + ' px, has ' + room.toFixed(0);
    })()`)
	}
	for _, page := range []struct{ url, shadow string }{{apiSrv.URL + "/", root}, {pageURL, sr("w")}} {
		do(t, ctx, chromedp.Navigate(page.url), chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait))
		waitFor(t, ctx, "the widget", `!!customElements.get('film-search')`)
		if bad := fits(page.shadow); bad != "" {
			t.Errorf("%s at 390 px: placeholder cut off: %s", page.url, bad)
		}
	}
}

func TestBrowserDemoPage(t *testing.T) {
	t.Parallel()
	srv := startServer(t, films(t, 12))
	ctx := openPage(t, srv.URL+"/?q=dancers&decade=1950s")
	ready(t, ctx)
	title := eval[[]string](t, ctx, `[document.title, document.querySelector('h1').textContent]`)
	if !slices.Equal(title, []string{"Test films · film search", "Test films"}) {
		t.Errorf("title, heading = %q; want the collection's name", title)
	}
	// The URL's q and filters reach the box.
	waitFor(t, ctx, "the 1950s filter from the URL", root+`.querySelector('.chip[data-f=decade][data-v="1950s"]')?.getAttribute('aria-pressed') === 'true'`)
	s := read(t, ctx)
	if s.Input != "dancers" || len(s.Titles) != 9 {
		t.Errorf("from /?q=dancers&decade=1950s: input %q, %d results; want dancers and the nine 1950s films", s.Input, len(s.Titles))
	}
	// And the box's filters reach the URL.
	x, y := center(t, ctx, root+`.querySelector('.chip[data-f=decade][data-v="1960s"]')`)
	do(t, ctx, chromedp.MouseClickXY(x, y))
	waitFor(t, ctx, "both decades in the URL", `location.search === '?q=dancers&decade=1950s&decade=1960s'`)

	// The detail panel shows director, genres and the source link, and the page stays.
	x, y = center(t, ctx, root+`.querySelector('[role=option]')`)
	do(t, ctx, chromedp.MouseClickXY(x, y))
	waitFor(t, ctx, "the details", `!!document.querySelector('#detail h3')`)
	type detail struct {
		Title  string
		Fields []string
		Source string
		Path   string
	}
	got := eval[detail](t, ctx, `({Title: document.querySelector('#detail h3').textContent,
      Fields: [...document.querySelectorAll('#detail dt, #detail dd')].map(e => e.textContent),
      Source: document.querySelector('#detail a.film-source')?.href || '', Path: location.pathname})`)
	want := detail{Title: "Film 01", Fields: []string{"Director", "Boris Director", "Genres", "Drama, Music"},
		Source: "https://films.example/wiki/Film_01", Path: "/"}
	if got.Title != want.Title || !slices.Equal(got.Fields, want.Fields) || got.Source != want.Source || got.Path != want.Path {
		t.Errorf("detail panel = %+v; want %+v", got, want)
	}
}

// TestBrowserNewFields runs the widget against an API that already has what the search API is
// gaining (hits with cast, a genres facet beside the others): any facet becomes a chip group that
// filters with its own name, and hit fields show when present.
func TestBrowserNewFields(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var queries []string
	const answer = `{"query": "", "total": 1, "page": 1, "per_page": 10, "pages": 1, "took_ms": 0.2,
  "hits": [{"id": "film-1", "score": 1, "title": "Film One", "year": 1961, "decade": "1960s", "companies": ["Studio"],
    "description": "About <dancers> & \"ballet\".", "facts": [], "director": "Ana Director", "genres": ["Drama", "Dance"],
    "cast": ["First Actor", "Second Actor", "Third Actor", "Fourth Actor", "Fifth Actor"]}],
  "facets": {"company": {"values": [{"value": "Studio", "count": 1}], "missing": 0},
    "decade": {"values": [{"value": "1960s", "count": 1}], "missing": 0},
    "genres": {"values": [{"value": "Drama", "count": 1}, {"value": "Dance", "count": 1}], "missing": 0}}}`
	assets := web.NewHandler(nil)
	apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/search" {
			assets.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answer)
	}))
	t.Cleanup(apiSrv.Close)
	ctx := openPage(t, site(t, apiSrv, "", `<film-search id="w" endpoint="{{api}}"></film-search>`))
	w := sr("w")
	do(t, ctx, js(w+`.querySelector('input').focus()`))
	waitFor(t, ctx, "the result", w+`.querySelectorAll('[role=option]').length === 1`)
	type view struct {
		Groups []string `json:"groups"`
		Meta   []string `json:"meta"`
		Text   string   `json:"text"`
	}
	got := eval[view](t, ctx, `(() => { const r = `+w+`; return {groups: [...r.querySelectorAll('[role=toolbar]')].map(g => g.getAttribute('aria-label')),
      meta: [...r.querySelectorAll('[role=option] .m')].map(m => m.textContent), text: r.querySelector('[role=option] .s').textContent}; })()`)
	want := view{Groups: []string{"Company", "Decade", "Genre"}, Meta: []string{"1961 · Ana Director · Drama, Dance · Studio", "With First Actor, Second Actor, Third Actor, Fourth Actor"},
		Text: `About <dancers> & "ballet".`}
	if !slices.Equal(got.Groups, want.Groups) || !slices.Equal(got.Meta, want.Meta) || got.Text != want.Text {
		t.Errorf("widget shows %+v; want %+v", got, want)
	}
	x, y := center(t, ctx, w+`.querySelector('.chip[data-f=genres][data-v=Dance]')`)
	do(t, ctx, chromedp.MouseClickXY(x, y))
	waitFor(t, ctx, "the chip pressed", w+`.querySelector('.chip[data-f=genres][data-v=Dance]').getAttribute('aria-pressed') === 'true'`)
	mu.Lock()
	last := queries[len(queries)-1]
	mu.Unlock()
	if !strings.Contains(last, "genres=Dance") {
		t.Errorf("after the Dance chip the widget asked %q; want genres=Dance", last)
	}
}

// TestBrowserOffline: a reader whose connection drops is told so, and the results come back by
// themselves when the browser is online again.
func TestBrowserOffline(t *testing.T) {
	t.Parallel()
	c := &control{}
	apiSrv := startAPI(t, corpusDir, c)
	ctx := openPage(t, site(t, apiSrv, "", `<film-search id="w" endpoint="{{api}}"></film-search>`))
	w := sr("w")
	online := func(on bool) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: !on, DownloadThroughput: -1, UploadThroughput: -1})
			return err
		})
	}
	c.down.Store(true)
	do(t, ctx, online(false), js(w+`.querySelector('input').focus()`))
	waitFor(t, ctx, "the offline message", w+`.querySelector('[role=alert]')?.textContent === 'You are offline. Results will come back when you reconnect.'`)
	c.down.Store(false)
	do(t, ctx, online(true))
	waitFor(t, ctx, "results after reconnecting", w+`.querySelector('[role=status]').textContent === '10 results' && !`+w+`.querySelector('[role=alert]')`)
}
