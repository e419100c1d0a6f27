package web_test

// Browser tests of the widget's "Similar films" (the similar attribute), on another origin under
// a strict CSP, checked against what the API itself answers.

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// apiSimilar asks the API for the first page of films like id, as the widget does.
func apiSimilar(t *testing.T, api, id string, perPage int) (titles []string, total int) {
	t.Helper()
	res, err := http.Get(fmt.Sprintf("%s/api/films/%s/similar?per_page=%d", api, url.PathEscape(id), perPage))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Total int `json:"total"`
		Hits  []struct {
			Title string `json:"title"`
		} `json:"hits"`
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET similar of %s = %d", id, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	for _, h := range body.Hits {
		titles = append(titles, h.Title)
	}
	return titles, body.Total
}

// view is what one widget shows, read from its shadow root.
type view struct {
	Like    string   `json:"like"`    // the film of "Films like …"; "" when that line is hidden
	Back    string   `json:"back"`    // the Back button's accessible name
	Role    string   `json:"role"`    // of the results list
	Titles  []string `json:"titles"`  // of the results
	Similar []string `json:"similar"` // accessible names of the Similar buttons
	Tags    []string `json:"tags"`    // element names of the Similar buttons
	Status  string   `json:"status"`
	Input   string   `json:"input"`
	Focus   string   `json:"focus"`  // the focused element in the shadow root: INPUT, back, similar-3…
	Active  string   `json:"active"` // the box's aria-activedescendant
	Busy    bool     `json:"busy"`
	Alert   string   `json:"alert"`
	Buttons []string `json:"buttons"` // of the message
}

func readView(shadow string) string {
	return `(() => {
  const r = ` + shadow + `, q = s => [...r.querySelectorAll(s)], f = r.activeElement, bar = r.querySelector('.like');
  return {
    like: bar.hidden ? '' : r.querySelector('[part=similar-title] strong').textContent,
    back: r.querySelector('[part=back]').getAttribute('aria-label') || '',
    role: r.querySelector('[part=results]').getAttribute('role'),
    titles: q('[part=results] .t').map(e => e.textContent),
    similar: q('[part=similar]').map(b => b.getAttribute('aria-label')),
    tags: q('[part=similar]').map(b => b.tagName),
    status: r.querySelector('[role=status]').textContent,
    input: r.querySelector('input').value,
    focus: !f ? '' : f.tagName === 'INPUT' ? 'INPUT' : f.getAttribute('part') === 'similar' ? 'similar-' + f.dataset.i : f.getAttribute('part') || f.tagName,
    active: r.querySelector('input').getAttribute('aria-activedescendant') || '',
    busy: !r.querySelector('.busy').hidden,
    alert: r.querySelector('[role=alert]')?.textContent || '',
    buttons: q('.msg button').map(b => b.textContent),
  };
})()`
}

// TestBrowserSimilar: the Similar buttons appear only with the attribute; one shows the API's
// films like that result under "Films like …"; Back restores the search as it was, focus
// included; a cancelled film-similar changes nothing.
func TestBrowserSimilar(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, corpusDir, nil)
	ctx := openPage(t, site(t, apiSrv, "", `<film-search id="plain" endpoint="{{api}}" initial-query="love"></film-search>
<film-search id="w" endpoint="{{api}}" initial-query="love" similar></film-search>`))
	plain, w := sr("plain"), sr("w")
	waitFor(t, ctx, "both result lists", plain+`.querySelectorAll('.o').length > 1 && `+w+`.querySelectorAll('.o').length > 1 && !`+w+`.querySelector('[aria-busy]')`)
	before := eval[view](t, ctx, readView(w))
	if p := eval[view](t, ctx, readView(plain)); len(p.Similar) != 0 || p.Role != "listbox" {
		t.Errorf("without the attribute: %d Similar buttons, results role %q; want none, listbox", len(p.Similar), p.Role)
	}
	wantNames := []string{}
	for _, title := range before.Titles {
		wantNames = append(wantNames, "Similar to "+title)
	}
	if !slices.Equal(before.Similar, wantNames) || slices.ContainsFunc(before.Tags, func(s string) bool { return s != "BUTTON" }) || before.Role != "grid" {
		t.Fatalf("with similar: buttons %q (%q), role %q; want a <button> named %q per result, in a grid", before.Similar, before.Tags, before.Role, wantNames)
	}

	// A mouse click shows the API's answer for that film, and focus moves to Back.
	do(t, ctx, js(`window.__similar = []; document.addEventListener('film-similar', e => { window.__similar.push(e.detail.hit.id); if (window.__cancel) e.preventDefault(); })`))
	click(t, ctx, w+`.querySelectorAll('[part=similar]')[1]`)
	waitFor(t, ctx, "the similar view", w+`.querySelector('[role=status]').textContent.includes('similar film')`)
	ids := eval[[]string](t, ctx, `window.__similar`)
	if len(ids) != 1 {
		t.Fatalf("film-similar fired for %q; want once", ids)
	}
	want, total := apiSimilar(t, apiSrv.URL, ids[0], 10)
	got := eval[view](t, ctx, readView(w))
	if got.Like != before.Titles[1] || !slices.Equal(got.Titles, want) || got.Status != fmt.Sprintf("%d similar films", total) ||
		got.Focus != "back" || got.Back != "Back to results" || got.Input != "love" || len(got.Similar) != len(want) {
		t.Errorf("similar view = %+v;\nwant films like %q: %q, status %d similar films, focus on back, the words kept", got, before.Titles[1], want, total)
	}

	// Back restores the results, and focus goes back to the button that was clicked.
	click(t, ctx, w+`.querySelector('[part=back]')`)
	waitFor(t, ctx, "the results again", w+`.querySelector('.like').hidden`)
	after := eval[view](t, ctx, readView(w))
	if !slices.Equal(after.Titles, before.Titles) || after.Status != before.Status || after.Focus != "similar-1" || after.Input != "love" {
		t.Errorf("after Back: %+v; want %q, %q, focus on similar-1", after, before.Titles, before.Status)
	}

	// A page that shows similar films itself cancels film-similar: the results stay.
	do(t, ctx, js(`window.__cancel = true`))
	click(t, ctx, w+`.querySelectorAll('[part=similar]')[0]`)
	do(t, ctx, chromedp.Sleep(200*time.Millisecond))
	if v := eval[view](t, ctx, readView(w)); v.Like != "" || !slices.Equal(v.Titles, before.Titles) || len(eval[[]string](t, ctx, `window.__similar`)) != 2 {
		t.Errorf("after a cancelled film-similar: %+v; want the results unchanged", v)
	}

	// Typing starts a new search and forgets the similar view.
	do(t, ctx, js(`window.__cancel = false`), js(w+`.querySelectorAll('[part=similar]')[0].click()`))
	waitFor(t, ctx, "the similar view again", w+`.querySelector('[role=status]').textContent.includes('similar film')`)
	do(t, ctx, setQuery(w, "giselle"))
	waitFor(t, ctx, "a new search", w+`.querySelector('.like').hidden && `+w+`.querySelector('[role=status]').textContent === '1 result'`)
}

// TestBrowserSimilarKeyboard: in the grid, Right reaches a result's Similar button and Enter
// opens its films while focus stays in the box; Escape goes back to the same cell.
func TestBrowserSimilarKeyboard(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, corpusDir, nil)
	ctx := openPage(t, site(t, apiSrv, "", `<film-search id="w" endpoint="{{api}}" initial-query="love" similar></film-search>`))
	w := sr("w")
	waitFor(t, ctx, "the results", w+`.querySelectorAll('.o').length > 1 && !`+w+`.querySelector('[aria-busy]')`)
	before := eval[view](t, ctx, readView(w))
	do(t, ctx, js(`window.__similar = []; document.addEventListener('film-similar', e => window.__similar.push(e.detail.hit.id))`),
		focusIn(w), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowRight))
	cell := eval[string](t, ctx, w+`.querySelectorAll('[part=similar]')[1].parentNode.id`)
	if v := eval[view](t, ctx, readView(w)); v.Active != cell || v.Focus != "INPUT" {
		t.Fatalf("after Down Down Right: active %q, focus %q; want the second Similar cell %q, focus in the box", v.Active, v.Focus, cell)
	}
	saveShot(t, ctx, "similar-keyboard")
	// Left and Right again: the result cell, then the button.
	do(t, ctx, chromedp.KeyEvent(kb.ArrowLeft))
	if a := eval[view](t, ctx, readView(w)).Active; a == cell || a == "" {
		t.Errorf("after Left: active %q; want the second result's cell", a)
	}
	do(t, ctx, chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "the similar view", w+`.querySelector('[role=status]').textContent.includes('similar film')`)
	ids := eval[[]string](t, ctx, `window.__similar`)
	if len(ids) != 1 {
		t.Fatalf("film-similar fired for %q; want once", ids)
	}
	want, _ := apiSimilar(t, apiSrv.URL, ids[0], 10)
	got := eval[view](t, ctx, readView(w))
	if got.Like != before.Titles[1] || !slices.Equal(got.Titles, want) || got.Focus != "INPUT" || got.Active != "" {
		t.Errorf("after Enter on Similar: %+v; want films like %q: %q, focus in the box, nothing active", got, before.Titles[1], want)
	}
	// The similar films are rows like any: Down makes the first active, and Enter on its Similar
	// goes one level deeper; Back names where it returns to.
	do(t, ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.Enter))
	waitFor(t, ctx, "films like the first similar film", fmt.Sprintf(`%s.querySelector('[part=similar-title] strong').textContent === %q && !%[1]s.querySelector('.busy:not([hidden])')`, w, want[0]))
	if b := eval[view](t, ctx, readView(w)).Back; b != "Back to films like "+before.Titles[1] {
		t.Errorf("second level: Back is named %q; want Back to films like %s", b, before.Titles[1])
	}
	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the first level", fmt.Sprintf(`%s.querySelector('[part=similar-title] strong').textContent === %q`, w, before.Titles[1]))
	do(t, ctx, chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the results again", w+`.querySelector('.like').hidden`)
	after := eval[view](t, ctx, readView(w))
	if !slices.Equal(after.Titles, before.Titles) || after.Active != cell || after.Focus != "INPUT" || after.Input != "love" {
		t.Errorf("after Escape Escape: %+v; want %q with %q active and focus in the box", after, before.Titles, cell)
	}
	// Enter on the result cell follows its link as before (here: film-select is cancelled).
	do(t, ctx, js(`window.__sel = []; document.addEventListener('film-select', e => { window.__sel.push(e.detail.hit.title); e.preventDefault(); })`),
		chromedp.KeyEvent(kb.ArrowLeft), chromedp.KeyEvent(kb.Enter))
	if sel := eval[[]string](t, ctx, `window.__sel`); !slices.Equal(sel, before.Titles[1:2]) {
		t.Errorf("Enter on the result: film-select for %q; want %q", sel, before.Titles[1:2])
	}
}

func focusIn(shadow string) chromedp.Action[chromedp.Void] {
	return js(shadow + `.querySelector('input').focus()`)
}

// TestBrowserSimilarScroll: Back puts a long list back where it was, in the page (inline) and in
// the popup (dropdown).
func TestBrowserSimilarScroll(t *testing.T) {
	t.Parallel()
	apiSrv := startAPI(t, films(t, 30), nil)
	ctx := openPage(t, site(t, apiSrv, ".spacer{height:2000px}", `<film-search id="d" endpoint="{{api}}" layout="dropdown" page-size="30" similar></film-search>
<h1>Films</h1><film-search id="w" endpoint="{{api}}" page-size="30" facets="" similar></film-search><div class="spacer"></div>`))
	do(t, ctx, chromedp.EmulateViewport(1280, 700))
	type place struct {
		Page  float64 `json:"page"`  // window.scrollY
		Panel float64 `json:"panel"` // the panel's scrollTop
		Row   float64 `json:"row"`   // the 20th row's top in the viewport
	}
	where := func(shadow string) place {
		return eval[place](t, ctx, `(() => { const r = `+shadow+`; return {page: scrollY, panel: r.querySelector('.panel').scrollTop,
      row: r.querySelectorAll('.rw')[19].getBoundingClientRect().top}; })()`)
	}
	for _, id := range []string{"w", "d"} {
		s := sr(id)
		do(t, ctx, js(`scrollTo(0, 0)`), focusIn(s))
		waitFor(t, ctx, id+": 30 results", s+`.querySelectorAll('.rw').length === 30`)
		do(t, ctx, js(s+`.querySelectorAll('.rw')[19].scrollIntoView({block: 'center'})`), chromedp.Sleep(100*time.Millisecond))
		before := where(s)
		if before.Page == 0 && before.Panel == 0 {
			t.Fatalf("%s: nothing scrolled: %+v", id, before)
		}
		click(t, ctx, s+`.querySelectorAll('[part=similar]')[19]`)
		waitFor(t, ctx, id+": the similar view", s+`.querySelector('[role=status]').textContent.includes('similar film')`)
		// "Films like …" is in view.
		if top := eval[float64](t, ctx, s+`.querySelector('.like').getBoundingClientRect().top`); top < 0 || top > 700 {
			t.Errorf("%s: the similar view's title is at %v px, out of view", id, top)
		}
		// Back by a click inline; by Escape, from the focused Back button, in the dropdown.
		if id == "w" {
			do(t, ctx, js(s+`.querySelector('[part=back]').click()`))
		} else if f := eval[view](t, ctx, readView(s)).Focus; f != "back" {
			t.Errorf("%s: focus on %q after clicking Similar; want back", id, f)
		} else {
			do(t, ctx, chromedp.KeyEvent(kb.Escape))
		}
		waitFor(t, ctx, id+": the results again", s+`.querySelectorAll('.rw').length === 30`)
		if after := where(s); math.Abs(after.Page-before.Page) > 1 || math.Abs(after.Panel-before.Panel) > 1 || math.Abs(after.Row-before.Row) > 1 {
			t.Errorf("%s: after Back scrolled to %+v; want %+v", id, after, before)
		}
		if f := eval[view](t, ctx, readView(s)).Focus; f != "similar-19" {
			t.Errorf("%s: after Back focus is on %q; want the 20th Similar button", id, f)
		}
	}
}

// TestBrowserSimilarStates: loading, an unreachable service with Retry, and no similar films,
// each with the way back; the dropdown stays open through all of it.
func TestBrowserSimilarStates(t *testing.T) {
	t.Parallel()
	c := &control{}
	apiSrv := startAPI(t, corpusDir, c)
	lone := startAPI(t, films(t, 1), nil)
	ctx := openPage(t, site(t, apiSrv, "", `<film-search id="d" endpoint="{{api}}" layout="dropdown" similar></film-search>`))
	d := sr("d")
	do(t, ctx, js(`window.__similar = []; document.addEventListener('film-similar', e => window.__similar.push(e.detail.hit.id))`), focusIn(d))
	waitFor(t, ctx, "the popup", d+`.querySelectorAll('.rw').length === 10`)
	before := eval[view](t, ctx, readView(d))

	// Loading: the spinner says what it is doing; the line above says for which film.
	c.holdSearches()
	click(t, ctx, d+`.querySelectorAll('[part=similar]')[2]`)
	waitFor(t, ctx, "the loading state", d+`.querySelector('.busy').textContent === 'Finding similar films…' && !`+d+`.querySelector('.busy').hidden`)
	if v := eval[view](t, ctx, readView(d)); v.Like != before.Titles[2] || len(v.Titles) != 0 || v.Focus != "back" {
		t.Errorf("while loading: %+v; want films like %q, no results yet, focus on Back", v, before.Titles[2])
	}
	// Back while loading drops the answer when it comes.
	do(t, ctx, js(d+`.querySelector('[part=back]').click()`))
	c.release()
	do(t, ctx, chromedp.Sleep(200*time.Millisecond))
	if v := eval[view](t, ctx, readView(d)); v.Like != "" || !slices.Equal(v.Titles, before.Titles) || v.Busy {
		t.Errorf("after Back while loading: %+v; want the results", v)
	}

	// Unreachable: one message, Retry, and Back still there; Retry brings the API's answer.
	c.down.Store(true)
	click(t, ctx, d+`.querySelectorAll('[part=similar]')[3]`)
	waitFor(t, ctx, "the error", d+`.querySelector('[role=alert]') !== null`)
	if v := eval[view](t, ctx, readView(d)); v.Alert != "Could not reach the search service. Check your connection, then retry." ||
		!slices.Equal(v.Buttons, []string{"Retry"}) || v.Like != before.Titles[3] || len(v.Titles) != 0 || v.Status != "" {
		t.Errorf("unreachable: %+v; want one message with Retry under films like %q", v, before.Titles[3])
	}
	c.down.Store(false)
	click(t, ctx, d+`.querySelector('[part=retry]')`)
	waitFor(t, ctx, "the similar films after Retry", d+`.querySelector('[role=status]').textContent.includes('similar film')`)
	ids := eval[[]string](t, ctx, `window.__similar`)
	want, _ := apiSimilar(t, apiSrv.URL, ids[len(ids)-1], 10)
	if v := eval[view](t, ctx, readView(d)); !slices.Equal(v.Titles, want) || v.Alert != "" {
		t.Errorf("after Retry: %+v; want %q", v, want)
	}
	if open := eval[bool](t, ctx, d+`.querySelector('.panel').getClientRects().length > 0`); !open {
		t.Error("the dropdown closed during the similar view")
	}

	// A film with no neighbours says so.
	ctx = openPage(t, site(t, lone, "", `<film-search id="one" endpoint="{{api}}" similar></film-search>`))
	one := sr("one")
	do(t, ctx, focusIn(one))
	waitFor(t, ctx, "the lone film", one+`.querySelectorAll('.rw').length === 1`)
	do(t, ctx, js(one+`.querySelector('[part=similar]').click()`))
	waitFor(t, ctx, "no similar films", one+`.querySelector('[role=status]').textContent === 'No similar films'`)
	if v := eval[view](t, ctx, readView(one)); v.Like != "Film 01" || len(v.Titles) != 0 || eval[string](t, ctx, one+`.querySelector('.msg').textContent`) != "No films like “Film 01” were found." {
		t.Errorf("no similar films: %+v, message %q", v, eval[string](t, ctx, one+`.querySelector('.msg').textContent`))
	}
}

// click scrolls the element a script returns into view and clicks its middle with the mouse.
func click(t *testing.T, ctx context.Context, elem string) {
	t.Helper()
	do(t, ctx, js(elem+`.scrollIntoView({block: 'nearest'})`))
	x, y := center(t, ctx, elem)
	do(t, ctx, chromedp.MouseClickXY(x, y))
}

// saveShot writes the page to name.png in the -shots directory, when there is one.
func saveShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if *shots == "" {
		return
	}
	if err := os.MkdirAll(*shots, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*shots, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
