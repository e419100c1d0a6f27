package api

// The dashboard in Debian's Chromium: it renders under its own CSP with no violation, its
// charts and tables show a day of traffic, and it fits a phone. -shots DIR saves it as PNGs.

import (
	"context"
	"encoding/json"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"

	"filmsearch/internal/testkit"
)

var shots = flag.String("shots", "", "save screenshots of the dashboard (desktop and phone) in this directory")

type dashboardView struct {
	Title      string
	Charts     int
	RateBars   int
	Lines      int
	TopRows    int
	ZeroRows   int
	Tiles      []string
	Radius     string // a style from the stylesheet: proof the CSP let it apply
	Width      int    // of the document, in CSS pixels
	Violations []string
}

const readDashboard = `JSON.stringify({
	title: document.title,
	charts: document.querySelectorAll('svg.chart').length,
	rateBars: document.querySelectorAll('#rate rect.native').length,
	lines: document.querySelectorAll('#latency polyline').length,
	topRows: document.querySelectorAll('#top tbody tr').length,
	zeroRows: document.querySelectorAll('#zero tbody tr').length,
	tiles: [...document.querySelectorAll('.tile')].map(e => e.innerText.replace(/\s+/g, ' ').trim()),
	radius: getComputedStyle(document.querySelector('.tile')).borderTopLeftRadius,
	width: document.documentElement.scrollWidth,
	violations: window.__violations || [],
})`

func TestBrowserDashboard(t *testing.T) {
	ctx := testkit.Browser(t, 60*time.Second)
	const key = "browser-test-key"
	srv := newServer(testIndex(t), Options{Logger: zerolog.Nop(), AdminKey: key, Version: "test", CacheEntries: 64})
	fillDay(srv, time.Now())
	ts := httptest.NewServer(srv.routes())
	defer ts.Close()

	setup := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Authorization": "Bearer " + key}}); err != nil {
			return err
		}
		// Collects what the page's CSP refuses; scripts added by DevTools are not subject to it.
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`})
		return err
	})
	read := func(what string) dashboardView {
		t.Helper()
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](readDashboard))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		var v dashboardView
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatalf("%s: %v: %s", what, err, raw)
		}
		return v
	}
	if err := chromedp.Do(ctx, setup, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(ts.URL+"/admin")); err != nil {
		t.Fatal(err)
	}
	v := read("desktop")
	t.Logf("desktop: %+v", v)
	switch {
	case v.Title != "searchd dashboard":
		t.Errorf("title %q; want the dashboard (was the key sent?)", v.Title)
	case v.Charts != 3 || v.RateBars < 100 || v.Lines < 3:
		t.Errorf("%d charts, %d rate bars, %d latency lines; want 3 charts, a bar for most of 144 slots, 3+ lines", v.Charts, v.RateBars, v.Lines)
	case v.TopRows == 0 || v.ZeroRows == 0 || len(v.Tiles) != 4:
		t.Errorf("%d top rows, %d zero-result rows, tiles %q; want both tables filled and 4 tiles", v.TopRows, v.ZeroRows, v.Tiles)
	case v.Radius != "10px":
		t.Errorf(".tile border radius %q; want 10px from the stylesheet (refused by the CSP?)", v.Radius)
	case len(v.Violations) > 0:
		t.Errorf("CSP violations: %q", v.Violations)
	case v.Width > 1280:
		t.Errorf("the page is %d px wide; want at most 1280", v.Width)
	}
	if *shots != "" {
		shoot(t, ctx, filepath.Join(*shots, "dashboard.png"))
	}

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait),
		chromedp.Navigate(ts.URL+"/admin")); err != nil {
		t.Fatal(err)
	}
	if v := read("phone"); v.Width > 390 || len(v.Violations) > 0 || v.Charts != 3 {
		t.Errorf("at 390 px: %d px wide, violations %q, %d charts; want it to fit with 3 charts", v.Width, v.Violations, v.Charts)
	}
	if *shots != "" {
		shoot(t, ctx, filepath.Join(*shots, "dashboard-phone.png"))
	}
}

func shoot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
