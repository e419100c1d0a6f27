package web_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

var shots = flag.String("shots", "", "write a screenshot of every page that TestBrowserAxe checks to this directory (PNG)")

// axeSource is axe-core, pinned in testdata/axe/package.json and installed by
// scripts/test-deps.sh (npm ci --prefix web/testdata/axe).
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): run scripts/test-deps.sh or npm ci --prefix web/testdata/axe", err)
	}
	return string(b)
}

type violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// runAxe checks the page with every axe rule, the experimental label-content-name-mismatch
// included, and returns the serious and critical violations.
func runAxe(t *testing.T, ctx context.Context, src string) []violation {
	t.Helper()
	if err := chromedp.Do(ctx, js(src)); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]violation](`axe.run(document, {
      rules: {'label-content-name-mismatch': {enabled: true}}, resultTypes: ['violations'],
    }).then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => JSON.stringify(n.target)),
    })))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return vs
}

// The host page puts the widget in every state a reader can meet: a dropdown in the header
// (opened, showing the films like one of its results), an inline box with results and a chosen
// chip, one showing the films like one of its results, one whose service is unreachable and one
// with no results for its filters. themed gives it a site's own colours, a light accent among
// them.
const axePage = `<header><b>A site</b><film-search id="d" endpoint="{{api}}" layout="dropdown" shortcut page-size="5" facets="decade" similar></film-search></header>
<main><h1>Films</h1>
<film-search id="w" endpoint="{{api}}" initial-query="love" filters="decade=1970s"></film-search>
<h2>Similar films</h2><film-search id="like" endpoint="{{api}}" initial-query="love" page-size="3" similar></film-search>
<h2>Unreachable</h2><film-search id="down" endpoint="http://127.0.0.1:9" initial-query="giselle"></film-search>
<h2>Nothing found</h2><film-search id="none" endpoint="{{api}}" initial-query="giselle" filters="decade=1980s"></film-search>
</main>`

const axeStyle = `header{display:flex;gap:16px;align-items:center;justify-content:space-between;margin-bottom:16px}
header film-search{flex:0 1 420px}main{max-width:640px}main film-search{margin-bottom:12px}
@media (prefers-color-scheme:dark){body{background:#141317;color:#ecebf0}}`

const themedStyle = `body{background:#fdf6e3;color:#073642}
film-search{--fs-accent:#ffd166;--fs-on-accent:#1a1a1a;--fs-bg:#fffdf5;--fs-fg:#073642;--fs-muted:#4a5a60;
--fs-border:#93a1a1;--fs-active:#f3ecd6;--fs-mark:#b8e0d2;--fs-focus:#005f87;--fs-error:#9b1c1c;--fs-radius:4px}`

func TestBrowserAxe(t *testing.T) {
	t.Parallel()
	src := axeSource(t)
	apiSrv := startAPI(t, corpusDir, nil)
	host := site(t, apiSrv, axeStyle, axePage)
	themed := site(t, apiSrv, axeStyle+themedStyle, axePage)
	if *shots != "" {
		if err := os.MkdirAll(*shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name, url, scheme string
	}{
		{"host-light", host, "light"},
		{"host-dark", host, "dark"},
		{"host-themed", themed, "light"},
		{"demo-light", apiSrv.URL + "/?q=love&decade=1970s", "light"},
		{"demo-dark", apiSrv.URL + "/?q=love&decade=1970s", "dark"},
	} {
		for _, width := range []int64{1280, 390} {
			name := fmt.Sprintf("%s-%d", tt.name, width)
			t.Run(name, func(t *testing.T) {
				ctx := newBrowser(t)
				do(t, ctx, chromedp.EmulateViewport(width, 900), colorScheme(tt.scheme), chromedp.Navigate(tt.url))
				waitFor(t, ctx, "the film-search element", `!!customElements.get('film-search')`)
				if strings.HasPrefix(tt.name, "host") {
					waitFor(t, ctx, "every state", `!!(`+sr("w")+`.querySelector('.chip[aria-pressed=true]') && `+sr("down")+`.querySelector('[role=alert]') && `+
						sr("none")+`.querySelector('.msg button') && `+sr("like")+`.querySelector('[part=similar]'))`)
					do(t, ctx, js(sr("like")+`.querySelector('[part=similar]').click()`))
					waitFor(t, ctx, "the inline similar view", sr("like")+`.querySelector('[role=status]').textContent.includes('similar film')`)
					do(t, ctx, js(sr("d")+`.querySelector('input').focus()`))
					waitFor(t, ctx, "the open dropdown", sr("d")+`.querySelectorAll('.o').length === 5`)
					// From the box, as a keyboard does: Down, Right to Similar, Enter; then Down
					// makes a similar film active.
					do(t, ctx, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.Enter))
					waitFor(t, ctx, "the similar view in the dropdown", sr("d")+`.querySelector('[role=status]').textContent.includes('similar film')`)
					do(t, ctx, chromedp.KeyEvent(kb.ArrowDown)) // one active result
				} else {
					ready(t, ctx)
					waitFor(t, ctx, "the 1970s chip", root+`.querySelector('.chip[aria-pressed=true]') !== null`)
					do(t, ctx, chromedp.Click(chromedp.JSPath(root+`.querySelector('[role=option]')`)))
					waitFor(t, ctx, "the details", `!!document.querySelector('#detail h3')`)
				}
				if vs := runAxe(t, ctx, src); len(vs) > 0 {
					for _, v := range vs {
						t.Errorf("axe %s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
					}
				}
				if *shots != "" {
					// From the top: the sticky box would otherwise sit wherever the page was scrolled.
					do(t, ctx, chromedp.Sleep(500*time.Millisecond), js(`scrollTo(0, 0)`), chromedp.Sleep(100*time.Millisecond))
					png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG; less is JPEG
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(*shots, name+".png"), png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			})
		}
	}
}
