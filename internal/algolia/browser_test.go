package algolia

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
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

func browserPath(t *testing.T) string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: install it (apt-get install -y chromium) or set CHROMIUM to its path")
	return ""
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
	Page        string         `json:"page"`
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
		decades: counts('#decades .ais-Menu-item', '.ais-Menu-label', '.ais-Menu-count'),
		page: sel ? sel.textContent.trim() : '',
	};
})()`

// TestInstantSearchBrowser drives the real InstantSearch.js, from npm, in headless Chromium
// against the handlers, and checks that what it shows agrees with index.Search.
func TestInstantSearchBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, f := range []string{
		"node_modules/instantsearch.js/dist/instantsearch.production.min.js",
		"node_modules/algoliasearch/dist/lite/builds/browser.umd.js",
	} {
		if _, err := os.Stat(filepath.Join(npmDir, f)); err != nil {
			t.Fatalf("%s is missing: run `npm ci --prefix internal/algolia/%s` first (%v)", f, npmDir, err)
		}
	}
	chromium := browserPath(t)
	ix := testIndex(t)

	// The API and the page are served from two origins, as on a site using searchd, so the
	// browser makes real CORS requests.
	cors := &corsRecorder{}
	r := mux.NewRouter()
	r.Handle("/1/indexes/*/queries", NewQueriesHandler(ix, zerolog.Nop())).Methods(http.MethodPost)
	r.Handle("/1/indexes/{index}/facets/{facet}/query", NewFacetValuesHandler(ix, zerolog.Nop())).Methods(http.MethodPost)
	api := httptest.NewServer(cors.wrap(r))
	defer api.Close()
	page := http.NewServeMux()
	page.Handle("GET /node_modules/", http.FileServer(http.Dir(npmDir)))
	page.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join(npmDir, "index.html"))
	})
	site := httptest.NewServer(page)
	defer site.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], // headless, no first run, ...
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var jsErrs []string
	var jsMu sync.Mutex
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			jsMu.Lock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			jsErrs = append(jsErrs, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber, msg))
			jsMu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}

	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// waitFor polls the page until it is idle and ok(state) holds.
	waitFor := func(what string, ok func(pageState) bool) pageState {
		t.Helper()
		var st pageState
		deadline := time.Now().Add(15 * time.Second)
		for {
			var err error
			if st, err = chromedp.Run(ctx, chromedp.Evaluate[pageState](readState)); err != nil {
				t.Fatalf("%s: read the page: %v", what, err)
			}
			if len(st.Errors) > 0 {
				t.Fatalf("%s: InstantSearch reported errors: %q", what, st.Errors)
			}
			if st.Status == "idle" && ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				jsMu.Lock()
				defer jsMu.Unlock()
				t.Fatalf("%s: gave up waiting; the page shows %+v; JS exceptions: %q", what, st, jsErrs)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// The native API's disjunctive counts are what InstantSearch shows: its widgets ask for
	// each refined facet again without that facet's own filter.
	search := func(req index.Request) *index.Result {
		t.Helper()
		req.Match = index.MatchAll // Algolia requires every word
		req.PerPage = 4
		req.FacetSize = 100
		res, err := ix.Search(context.Background(), req)
		if err != nil {
			t.Fatalf("index.Search(%+v): %v", req, err)
		}
		return res
	}
	// agrees checks the page against the index's answer to the same search.
	// With anyOrder, the hits may come in another order: rangeInput leaves out a bound equal to
	// the range's end, and a range filter moves scores.
	agrees := func(what string, st pageState, want *index.Result, anyOrder bool) {
		t.Helper()
		var titles []string
		for _, h := range want.Hits {
			titles = append(titles, h.Title)
		}
		if anyOrder {
			slices.Sort(titles)
			st.Titles = slices.Sorted(slices.Values(st.Titles))
		}
		if st.NbHits != want.Total || !reflect.DeepEqual(st.Titles, titles) {
			t.Errorf("%s: the page shows %d hits %q; index.Search: %d %q", what, st.NbHits, st.Titles, want.Total, titles)
		}
		for name, shown := range map[string]map[string]int{index.FacetCompany: st.Companies, index.FacetDecade: st.Decades} {
			counts := map[string]int{}
			for _, v := range want.Facets[name].Values {
				counts[v.Value] = v.Count
			}
			if !reflect.DeepEqual(shown, counts) {
				t.Errorf("%s: the page shows %s counts %v; index.Search: %v", what, name, shown, counts)
			}
		}
	}
	click := func(what, js string) {
		t.Helper()
		found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const e = `+js+`; if (!e) return false; e.click(); return true; })()`))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !found {
			t.Fatalf("%s: nothing to click", what)
		}
	}
	titled := func(title string) func(pageState) bool {
		return func(st pageState) bool { return len(st.Titles) > 0 && st.Titles[0] == title }
	}
	total := func(n int) func(pageState) bool { return func(st pageState) bool { return st.NbHits == n } }

	run("open the page", chromedp.Navigate(site.URL+"/?api="+api.URL))

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
		if want, got := marks(h.Highlights["description"]), marks(st.DescHTML[i]); !reflect.DeepEqual(got, want) {
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

	cors.mu.Lock()
	defer cors.mu.Unlock()
	for _, h := range cors.asked {
		if !slices.Contains(allowedHeaders, h) {
			t.Errorf("a preflight asked for header %q, which the CORS middleware must allow", h)
		}
	}
	jsMu.Lock()
	defer jsMu.Unlock()
	if len(jsErrs) > 0 {
		t.Errorf("JS exceptions: %q", jsErrs)
	}
}

var markRe = regexp.MustCompile(`<mark[^>]*>(.*?)</mark>`)

// marks lists the texts inside <mark> in an HTML fragment.
func marks(html string) []string {
	out := []string{}
	for _, m := range markRe.FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return out
}
