package algolia

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/mux"
	"github.com/rs/zerolog"

	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

const npmDir = "testdata/instantsearch"

// allowedHeaders are the request headers searchd's CORS preflight must allow for InstantSearch.
var allowedHeaders = []string{"content-type", "x-algolia-api-key", "x-algolia-application-id"}

// corsRecorder is a permissive CORS middleware that records the headers preflights ask for.
type corsRecorder struct {
	mu    sync.Mutex
	asked []string
}

func (c *corsRecorder) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if r.Method == http.MethodOptions {
			c.mu.Lock()
			for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
				if h = strings.ToLower(strings.TrimSpace(h)); h != "" && !slices.Contains(c.asked, h) {
					c.asked = append(c.asked, h)
				}
			}
			c.mu.Unlock()
			w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", strings.Join(allowedHeaders, ", "))
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// pageState is what the page shows, read from the DOM.
type pageState struct {
	Status      string         `json:"status"`
	Errors      []string       `json:"errors"`
	NbHits      int            `json:"nbHits"`
	Titles      []string       `json:"titles"`
	TitleHTML   []string       `json:"titleHTML"`
	DescText    []string       `json:"descText"`
	DescHTML    []string       `json:"descHTML"`
	Companies   map[string]int `json:"companies"`
	CompanyHTML []string       `json:"companyHTML"`
	Decades     map[string]int `json:"decades"`
	Refined     []string       `json:"refined"` // the decades chosen, in order
	// ResultsRefined: the decades chosen in the search whose results the page shows (React
	// InstantSearch's page only), as its list shows a choice before the results come.
	ResultsRefined []string `json:"resultsRefined"`
	Page           string   `json:"page"`
}

const readState = `(() => {
	const all = (sel) => [...document.querySelectorAll(sel)];
	const counts = (item, label, count) => Object.fromEntries(all(item).map((li) =>
		[li.querySelector(label).textContent, Number(li.querySelector(count).textContent)]));
	const nb = document.querySelector('#nbhits');
	const sel = document.querySelector('.ais-Pagination-item--selected');
	return {
		status: window.search ? window.search.status : 'none',
		errors: window.searchErrors || [],
		nbHits: nb ? Number(nb.textContent) : -1,
		titles: all('#hits .title').map((e) => e.textContent),
		titleHTML: all('#hits .title').map((e) => e.innerHTML),
		descText: all('#hits .description').map((e) => e.textContent),
		descHTML: all('#hits .description').map((e) => e.innerHTML),
		companies: counts('#companies .ais-RefinementList-item', '.ais-RefinementList-labelText', '.ais-RefinementList-count'),
		companyHTML: all('#companies .ais-RefinementList-labelText').map((e) => e.innerHTML),
		decades: counts('#decades .ais-Menu-item, #decades .ais-RefinementList-item',
			'.ais-Menu-label, .ais-RefinementList-labelText', '.ais-Menu-count, .ais-RefinementList-count'),
		refined: all('#decades .ais-Menu-item--selected .ais-Menu-label, #decades .ais-RefinementList-item--selected .ais-RefinementList-labelText')
			.map((e) => e.textContent).sort(),
		resultsRefined: ((window.search && window.search.resultsRefined) || []).slice().sort(),
		page: sel ? sel.textContent.trim() : '',
	};
})()`

// browser is one headless Chromium tab over a test site, and the index its pages search.
type browser struct {
	t    *testing.T
	ctx  context.Context
	ix   *index.Index
	cors *corsRecorder
	site string // the pages' origin
	api  string // searchd's endpoints, on another origin

	mu     sync.Mutex
	jsErrs []string
}

// needNPM fails t when a file the pages load from npmDir is missing.
func needNPM(t *testing.T, files ...string) {
	t.Helper()
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(npmDir, f)); err != nil {
			t.Fatalf("%s is missing: run `npm ci --prefix internal/algolia/%s` (or scripts/test-deps.sh) first (%v)", f, npmDir, err)
		}
	}
}

// openBrowser serves the handlers over ix and the test pages on two origins, as on a site using
// searchd, so the browser makes real CORS requests, and starts Chromium. bundles, when not "",
// is served as /bundle/. Everything stops when t ends.
func openBrowser(t *testing.T, ix *index.Index, bundles string) *browser {
	t.Helper()
	ctx := testkit.Browser(t, 90*time.Second)
	b := &browser{t: t, ix: ix, cors: &corsRecorder{}}
	r := mux.NewRouter()
	r.Handle("/1/indexes/*/queries", NewQueriesHandler(ix, zerolog.Nop())).Methods(http.MethodPost)
	r.Handle("/1/indexes/{index}/facets/{facet}/query", NewFacetValuesHandler(ix, zerolog.Nop())).Methods(http.MethodPost)
	api := httptest.NewServer(b.cors.wrap(r))
	t.Cleanup(api.Close)
	page := http.NewServeMux()
	page.Handle("GET /node_modules/", http.FileServer(http.Dir(npmDir)))
	if bundles != "" {
		page.Handle("GET /bundle/", http.StripPrefix("/bundle/", http.FileServer(http.Dir(bundles))))
	}
	page.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(npmDir, "index.html"))
	})
	for _, name := range []string{"autocomplete.html", "react.html"} {
		page.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFile(w, r, filepath.Join(npmDir, name))
		})
	}
	site := httptest.NewServer(page)
	t.Cleanup(site.Close)
	b.site, b.api = site.URL, api.URL

	b.ctx = ctx
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			b.mu.Lock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			b.jsErrs = append(b.jsErrs, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber, msg))
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("listen to the page's exceptions: %v", err)
	}
	return b
}

// open loads page ("" for index.html) pointed at the API.
func (b *browser) open(page string) {
	b.t.Helper()
	b.run("open "+page, chromedp.Navigate(b.site+"/"+page+"?api="+b.api))
}

// done checks, at the end of a test, that no preflight asked for a header searchd's CORS
// middleware would refuse and that no script threw.
func (b *browser) done() {
	b.t.Helper()
	b.cors.mu.Lock()
	defer b.cors.mu.Unlock()
	for _, h := range b.cors.asked {
		if !slices.Contains(allowedHeaders, h) {
			b.t.Errorf("a preflight asked for header %q, which the CORS middleware must allow", h)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.jsErrs) > 0 {
		b.t.Errorf("JS exceptions: %q", b.jsErrs)
	}
}

func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// waitFor polls the page until it is idle and ok(state) holds.
func (b *browser) waitFor(what string, ok func(pageState) bool) pageState {
	b.t.Helper()
	return waitForState(b, what, readState, ok, func(st pageState) (string, []string) { return st.Status, st.Errors })
}

// waitForState polls the page with read until status says idle and ok holds.
func waitForState[S any](b *browser, what, read string, ok func(S) bool, status func(S) (string, []string)) S {
	b.t.Helper()
	var st S
	deadline := time.Now().Add(15 * time.Second)
	for {
		var err error
		if st, err = chromedp.Run(b.ctx, chromedp.Evaluate[S](read)); err != nil {
			b.t.Fatalf("%s: read the page: %v", what, err)
		}
		s, errs := status(st)
		if len(errs) > 0 {
			b.t.Fatalf("%s: the client reported errors: %q", what, errs)
		}
		if s == "idle" && ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.t.Fatalf("%s: gave up waiting; the page shows %+v; JS exceptions: %q", what, st, b.jsErrs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// search is what the index answers to req as the test pages ask it: every word required
// (Algolia's default), four hits a page, every facet value. Its facet counts are the native
// API's disjunctive ones, which InstantSearch shows for a disjunctive refinement list or a
// menu: it asks for each refined facet again without that facet's own filter.
func (b *browser) search(req index.Request) *index.Result {
	b.t.Helper()
	req.Match = index.MatchAll
	if req.PerPage == 0 {
		req.PerPage = 4
	}
	req.FacetSize = 100
	res, err := b.ix.Search(context.Background(), req)
	if err != nil {
		b.t.Fatalf("index.Search(%+v): %v", req, err)
	}
	return res
}

// agrees checks the page against the index's answer to the same search. facets names the
// index facets the page shows. With anyOrder, the hits may come in another order: rangeInput
// leaves out a bound equal to the range's end, and a range filter moves scores.
func (b *browser) agrees(what string, st pageState, want *index.Result, anyOrder bool, facets ...string) {
	b.t.Helper()
	var titles []string
	for _, h := range want.Hits {
		titles = append(titles, h.Title)
	}
	if anyOrder {
		slices.Sort(titles)
		st.Titles = slices.Sorted(slices.Values(st.Titles))
	}
	if st.NbHits != want.Total || !reflect.DeepEqual(st.Titles, titles) {
		b.t.Errorf("%s: the page shows %d hits %q; index.Search: %d %q", what, st.NbHits, st.Titles, want.Total, titles)
	}
	shown := map[string]map[string]int{index.FacetCompany: st.Companies, index.FacetDecade: st.Decades}
	for _, name := range facets {
		counts := map[string]int{}
		for _, v := range want.Facets[name].Values {
			counts[v.Value] = v.Count
		}
		if !reflect.DeepEqual(shown[name], counts) {
			b.t.Errorf("%s: the page shows %s counts %v; index.Search: %v", what, name, shown[name], counts)
		}
	}
}

func (b *browser) click(what, js string) {
	b.t.Helper()
	found, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(() => { const e = `+js+`; if (!e) return false; e.click(); return true; })()`))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if !found {
		b.t.Fatalf("%s: nothing to click", what)
	}
}

func titled(title string) func(pageState) bool {
	return func(st pageState) bool { return len(st.Titles) > 0 && st.Titles[0] == title }
}

func total(n int) func(pageState) bool { return func(st pageState) bool { return st.NbHits == n } }

// TestInstantSearchBrowser drives the real InstantSearch.js, from npm, in headless Chromium
// against the handlers, and checks that what it shows agrees with index.Search.
func TestInstantSearchBrowser(t *testing.T) {
	testkit.Chromium(t) // skips under -short before the npm files are looked for
	needNPM(t, "node_modules/instantsearch.js/dist/instantsearch.production.min.js",
		"node_modules/algoliasearch/dist/lite/builds/browser.umd.js")
	b := openBrowser(t, testIndex(t), "")
	defer b.done()
	run, waitFor, search, click := b.run, b.waitFor, b.search, b.click
	agrees := func(what string, st pageState, want *index.Result, anyOrder bool) {
		t.Helper()
		b.agrees(what, st, want, anyOrder, index.FacetCompany, index.FacetDecade)
	}

	b.open("")

	// Browse all, then page 2.
	all := search(index.Request{})
	st := waitFor("browse all", func(st pageState) bool { return st.NbHits == all.Total && len(st.Titles) > 0 })
	agrees("browse all", st, all, false)
	click("page 2", `[...document.querySelectorAll('.ais-Pagination-item--page a')].find((a) => a.textContent.trim() === '2')`)
	page2 := search(index.Request{Page: 2})
	st = waitFor("page 2", func(st pageState) bool { return st.Page == "2" && titled(page2.Hits[0].Title)(st) })
	agrees("page 2", st, page2, false)

	// Search as you type, with highlights.
	run("type revolution", chromedp.SendKeys(chromedp.CSS(".ais-SearchBox-input"), "revolution"))
	rev := search(index.Request{Query: "revolution"})
	st = waitFor("revolution", titled("The Flames of Paris"))
	agrees("revolution", st, rev, false)
	if st.Page != "1" {
		t.Errorf("a new query shows page %q; want 1", st.Page)
	}
	for i, h := range rev.Hits {
		if want, got := spanTexts(h.Highlights[index.HighlightDescription]), marks(st.DescHTML[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("revolution hit %d (%s): the page marks %q; index.Search marks %q", i, h.Title, got, want)
		}
		if st.DescText[i] != h.Description {
			t.Errorf("revolution hit %d: the page shows %q; want %q", i, st.DescText[i], h.Description)
		}
	}
	if !strings.Contains(st.DescHTML[0], `<mark class="ais-Highlight-highlighted">Revolution</mark>`) {
		t.Errorf("first description is %q; want Revolution in a <mark>", st.DescHTML[0])
	}

	// A title with an apostrophe shows as typed, highlighted, never as &#39;.
	click("clear the query", `document.querySelector('.ais-SearchBox-reset')`)
	waitFor("cleared", total(all.Total))
	run("type swan", chromedp.SendKeys(chromedp.CSS(".ais-SearchBox-input"), "swan"))
	swan := search(index.Request{Query: "swan"})
	st = waitFor("swan", titled("Swan's Lake"))
	agrees("swan", st, swan, false)
	if got := marks(st.TitleHTML[0]); !reflect.DeepEqual(got, []string{"Swan's"}) {
		t.Errorf("apostrophe title HTML = %q; want Swan's in a <mark>", st.TitleHTML[0])
	}
	for _, d := range st.DescText {
		if strings.Contains(d, "&#") || strings.Contains(d, "&amp;") || strings.Contains(d, "&quot;") {
			t.Errorf("a description shows escaped text: %q", d)
		}
	}
	click("clear the query", `document.querySelector('.ais-SearchBox-reset')`)
	waitFor("cleared", total(all.Total))

	// refinementList on companies.
	click("refine Bolshoi Ballet", `document.querySelector('#companies input[value="Bolshoi Ballet"]')`)
	bolshoi := search(index.Request{Companies: []string{"Bolshoi Ballet"}})
	st = waitFor("Bolshoi Ballet", total(3))
	agrees("Bolshoi Ballet", st, bolshoi, false)
	click("unrefine Bolshoi Ballet", `document.querySelector('#companies input[value="Bolshoi Ballet"]')`)
	waitFor("unrefined", total(all.Total))

	// The refinementList's search box searches facet values.
	// One key at a time: the widget's input is controlled, and a key typed while it renders
	// can be lost.
	for _, prefix := range []string{"K", "Ki", "Kir"} {
		run("type in the companies search", chromedp.SendKeys(chromedp.CSS("#companies .ais-SearchBox-input"), strings.ToLower(prefix[len(prefix)-1:])))
		st = waitFor("companies matching "+prefix, func(st pageState) bool {
			return len(st.CompanyHTML) == 1 && reflect.DeepEqual(marks(st.CompanyHTML[0]), []string{prefix})
		})
	}
	if st.Companies["Kirov Ballet"] != 1 || len(st.CompanyHTML) != 1 || !reflect.DeepEqual(marks(st.CompanyHTML[0]), []string{"Kir"}) {
		t.Errorf("companies matching kir: %v %q; want Kirov Ballet (1) with Kir marked", st.Companies, st.CompanyHTML)
	}
	click("clear the company search", `document.querySelector('#companies .ais-SearchBox-reset')`)
	waitFor("all companies", func(st pageState) bool { return len(st.Companies) == 2 })

	// menu on decade.
	decade := `[...document.querySelectorAll('#decades .ais-Menu-item')].find((li) => li.querySelector('.ais-Menu-label').textContent === '1970s').querySelector('a')`
	click("menu 1970s", decade)
	seventies := search(index.Request{Decades: []string{"1970s"}})
	st = waitFor("1970s", total(5))
	agrees("1970s", st, seventies, false)
	click("menu 1970s again", decade)
	waitFor("all decades", total(all.Total))

	// rangeInput on year.
	// The inputs are controlled: keys typed while the widget renders can be lost, so set each
	// value as one input event, then submit.
	setValue := func(sel, v string) string {
		return `(() => { const e = document.querySelector('` + sel + `');
			Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(e, '` + v + `');
			e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));
			return e; })()`
	}
	click("range min 1980", setValue(".ais-RangeInput-input--min", "1980"))
	click("range max 1989", setValue(".ais-RangeInput-input--max", "1989"))
	click("range submit", `document.querySelector('.ais-RangeInput-submit')`)
	eighties := search(index.Request{YearMin: 1980, YearMax: 1989})
	st = waitFor("1980-1989", total(4))
	agrees("1980-1989", st, eighties, true)

}

var markRe = regexp.MustCompile(`<mark[^>]*>(.*?)</mark>`)

// marks lists the texts inside <mark> in an HTML fragment.
// spanTexts returns the text of each span of hs, in order.
func spanTexts(hs []index.Highlight) []string {
	out := []string{}
	for _, h := range hs {
		for _, s := range h.Spans {
			out = append(out, h.Text[s.Start:s.End])
		}
	}
	return out
}

func marks(html string) []string {
	out := []string{}
	for _, m := range markRe.FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}
