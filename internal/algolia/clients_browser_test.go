package algolia

import (
	"context"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

var (
	bundleOnce sync.Once
	bundleDir  string
	bundleErr  error
)

// bundleClients bundles the pages' sources in npmDir/src, as a site would, with the esbuild
// binary pinned in npmDir's package.json, once for the package; it returns the directory
// holding autocomplete.js and react.js.
func bundleClients(t *testing.T) string {
	t.Helper()
	needNPM(t, "node_modules/.bin/esbuild", "node_modules/@algolia/autocomplete-js/package.json",
		"node_modules/react-instantsearch/package.json", "node_modules/react-dom/package.json")
	bundleOnce.Do(func() {
		if bundleDir, bundleErr = testkit.MkdirTemp("bundle-"); bundleErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, filepath.Join("node_modules", ".bin", "esbuild"),
			"src/autocomplete.js", "src/react.jsx", "--bundle", "--format=iife", "--minify", "--jsx=automatic",
			`--define:process.env.NODE_ENV="production"`, "--log-level=warning", "--outdir="+bundleDir)
		cmd.Dir = npmDir
		if out, err := cmd.CombinedOutput(); err != nil {
			bundleErr = &bundleError{err: err, out: string(out)}
		}
	})
	if bundleErr != nil {
		t.Fatalf("esbuild: %v", bundleErr)
	}
	return bundleDir
}

type bundleError struct {
	err error
	out string
}

func (e *bundleError) Error() string { return e.err.Error() + "\n" + e.out }

// acState is what the Autocomplete panel shows.
type acState struct {
	Status    string   `json:"status"`
	Input     bool     `json:"input"` // the box is there
	Query     string   `json:"query"`
	Items     []string `json:"items"` // the titles in Autocomplete's state, shown or not yet
	Errors    []string `json:"errors"`
	Titles    []string `json:"titles"`
	TitleHTML []string `json:"titleHTML"`
	DescText  []string `json:"descText"`
	DescHTML  []string `json:"descHTML"`
}

const readAutocomplete = `(() => {
	const all = (sel) => [...document.querySelectorAll(sel)];
	const s = window.search || { status: 'none', query: '', titles: [] };
	return {
		status: window.inFlight > 0 ? 'loading' : s.status, input: !!document.querySelector('.aa-Input'), query: s.query, items: s.titles || [],
		errors: window.searchErrors || [],
		titles: all('.aa-Item .title').map((e) => e.textContent),
		titleHTML: all('.aa-Item .title').map((e) => e.innerHTML),
		descText: all('.aa-Item .description').map((e) => e.textContent),
		descHTML: all('.aa-Item .description').map((e) => e.innerHTML),
	};
})()`

// TestAutocompleteBrowser drives Algolia Autocomplete with getAlgoliaResults and the
// algoliasearch v5 lite client, as pinned in npmDir, in headless Chromium: its suggestions are
// the index's first hits for the query, with the index's matches in <mark>.
func TestAutocompleteBrowser(t *testing.T) {
	testkit.Chromium(t) // skips under -short before the clients are bundled
	b := openBrowser(t, testIndex(t), bundleClients(t))
	defer b.done()
	b.open("autocomplete.html")
	wait := func(q string, ok func(acState) bool) acState {
		t.Helper()
		return waitForState(b, "autocomplete "+q, readAutocomplete, func(st acState) bool {
			return st.Query == q && slices.Equal(st.Titles, st.Items) && ok(st)
		},
			func(st acState) (string, []string) { return st.Status, st.Errors })
	}
	for _, tc := range []struct{ query, first string }{
		{"revolution", "The Flames of Paris"},
		{"nutcrakcer", "The Nutcracker"}, // a typo
		{"tragic love", ""},              // the first of two films as good may change with the ranking
	} {
		if st := waitForState(b, "the box", readAutocomplete, func(st acState) bool { return st.Input },
			func(st acState) (string, []string) { return st.Status, st.Errors }); st.Query != "" {
			b.click("clear the box", `document.querySelector('.aa-ClearButton')`)
		}
		wait("", func(acState) bool { return true })
		b.run("type "+tc.query, chromedp.SendKeys(chromedp.CSS(".aa-Input"), tc.query))
		st := wait(tc.query, func(st acState) bool { return len(st.Titles) > 0 })
		want := b.search(index.Request{Query: tc.query, PerPage: 5})
		var titles []string
		for _, h := range want.Hits {
			titles = append(titles, h.Title)
		}
		if !reflect.DeepEqual(st.Titles, titles) || tc.first != "" && st.Titles[0] != tc.first {
			t.Errorf("%s: Autocomplete suggests %q; index.Search: %q (want %s first)", tc.query, st.Titles, titles, tc.first)
			continue
		}
		for i, h := range want.Hits {
			if got, want := marks(st.TitleHTML[i]), spanTexts(h.Highlights[index.HighlightTitle]); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: suggestion %d (%s) marks %q in its title; index.Search marks %q", tc.query, i, h.Title, got, want)
			}
			if got, want := marks(st.DescHTML[i]), spanTexts(h.Highlights[index.HighlightDescription]); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: suggestion %d (%s) marks %q in its description; index.Search marks %q", tc.query, i, h.Title, got, want)
			}
			if st.DescText[i] != h.Description {
				t.Errorf("%s: suggestion %d shows %q; want %q", tc.query, i, st.DescText[i], h.Description)
			}
		}
	}
}

// TestReactInstantSearchBrowser drives React InstantSearch, as pinned in npmDir and bundled
// with esbuild, in headless Chromium: hits and a disjunctive refinement list agree with the
// native API, and a conjunctive one (operator "and") offers only values that give as many
// hits as it says. On the native API's disjunctive counts (commit 4844edc) it offered the
// 1960s and 1980s beside a chosen 1970s, which give no hit.
func TestReactInstantSearchBrowser(t *testing.T) {
	testkit.Chromium(t) // skips under -short before the clients are bundled
	b := openBrowser(t, testIndex(t), bundleClients(t))
	defer b.done()
	b.open("react.html")

	all := b.search(index.Request{})
	st := b.waitFor("browse all", func(st pageState) bool { return st.NbHits == all.Total && len(st.Titles) > 0 })
	b.agrees("browse all", st, all, false, index.FacetCompany, index.FacetDecade)

	b.run("type revolution", chromedp.SendKeys(chromedp.CSS("#searchbox input"), "revolution"))
	rev := b.search(index.Request{Query: "revolution"})
	st = b.waitFor("revolution", titled("The Flames of Paris"))
	b.agrees("revolution", st, rev, false, index.FacetCompany, index.FacetDecade)
	for i, h := range rev.Hits {
		if want, got := spanTexts(h.Highlights[index.HighlightDescription]), marks(st.DescHTML[i]); !reflect.DeepEqual(got, want) {
			t.Errorf("revolution hit %d (%s): the page marks %q; index.Search marks %q", i, h.Title, got, want)
		}
	}
	b.click("clear the query", `document.querySelector('.ais-SearchBox-reset')`)
	b.waitFor("cleared", total(all.Total))

	company := func(name string) string {
		return `document.querySelector('#companies input[value="` + name + `"]')`
	}
	decade := func(name string) string {
		return `document.querySelector('#decades input[value="` + name + `"]')`
	}
	// refined: what the page shows is the answer to the decades chosen. (A list with no value
	// left to offer cannot show which are chosen.)
	refined := func(decades ...string) func(pageState) bool {
		return func(st pageState) bool { return slices.Equal(st.ResultsRefined, decades) }
	}
	// offeredHold chooses, one at a time, each decade the conjunctive list offers beside the
	// ones chosen, and checks it gives the hits the list said.
	offeredHold := func(what string, chosen ...string) {
		t.Helper()
		st := b.waitFor(what, refined(chosen...))
		for value, n := range st.Decades {
			if slices.Contains(chosen, value) {
				continue
			}
			b.click("choose "+value, decade(value))
			now := append(slices.Clone(chosen), value)
			slices.Sort(now)
			got := b.waitFor(what+", then "+value, refined(now...))
			if got.NbHits != n {
				t.Errorf("%s: the conjunctive list offers %s (%d); chosen, it gives %d hits", what, value, n, got.NbHits)
			}
			b.click("unchoose "+value, decade(value))
			b.waitFor(what, refined(chosen...))
		}
	}

	// A disjunctive list (the default operator): counts as the native API's.
	b.click("refine Bolshoi Ballet", company("Bolshoi Ballet"))
	bolshoi := b.search(index.Request{Companies: []string{"Bolshoi Ballet"}})
	st = b.waitFor("Bolshoi Ballet", total(bolshoi.Total))
	b.agrees("Bolshoi Ballet", st, bolshoi, false, index.FacetCompany, index.FacetDecade)
	offeredHold("Bolshoi Ballet")
	b.click("unrefine Bolshoi Ballet", company("Bolshoi Ballet"))
	b.waitFor("unrefined", total(all.Total))

	// The conjunctive list: once a decade is chosen, it offers only what the hits have.
	offeredHold("nothing chosen")
	b.click("choose 1970s", decade("1970s"))
	seventies := b.search(index.Request{Decades: []string{"1970s"}})
	st = b.waitFor("1970s", refined("1970s"))
	b.agrees("1970s", st, seventies, false, index.FacetCompany)
	if !slices.Equal(st.Refined, []string{"1970s"}) {
		t.Errorf("1970s chosen: the list shows %q chosen", st.Refined)
	}
	if want := map[string]int{"1970s": seventies.Total}; !reflect.DeepEqual(st.Decades, want) {
		t.Errorf("1970s chosen: the conjunctive list offers %v; want %v", st.Decades, want)
	}
	offeredHold("1970s", "1970s")

	b.run("type tragic love", chromedp.SendKeys(chromedp.CSS("#searchbox input"), "tragic love"))
	tragic := b.search(index.Request{Query: "tragic love", Decades: []string{"1970s"}})
	st = b.waitFor("tragic love in the 1970s", func(st pageState) bool { return strings.Join(st.Titles, "|") == titlesOf(tragic) })
	b.agrees("tragic love in the 1970s", st, tragic, false, index.FacetCompany)
	offeredHold("tragic love in the 1970s", "1970s")
}

func titlesOf(res *index.Result) string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.Title)
	}
	return strings.Join(out, "|")
}
