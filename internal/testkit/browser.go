package testkit

import (
	"context"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumEnv names the variable that gives Chromium's path; unset, it is looked up on PATH.
const ChromiumEnv = "CHROMIUM"

// Chromium returns the path of the Chromium the browser tests drive: $CHROMIUM, else the first
// of chromium, chromium-browser and google-chrome on PATH. Under -short it skips tb, as browser
// tests are slow; otherwise a missing browser fails tb, so that a machine without one never
// passes the browser tests silently.
func Chromium(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("drives headless Chromium: skipped under -short")
	}
	if p := os.Getenv(ChromiumEnv); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			tb.Fatalf("%s=%s: %v", ChromiumEnv, p, err)
		}
		return path
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	tb.Fatalf("no Chromium on PATH: install Debian's chromium (apt-get install -y chromium, or make test-deps), or set %s to its path", ChromiumEnv)
	return ""
}

// browser is the test binary's one headless Chromium, started on first use and stopped by Main.
var browser struct {
	once sync.Once
	ctx  context.Context // the browser's first tab; Browser opens the others from it
	err  error
}

// Browser returns a new tab of the test binary's headless Chromium, with a deadline of timeout;
// the tab closes when tb ends. Tabs of one browser are isolated enough for these tests and far
// cheaper than a browser each. It skips or fails tb as Chromium does.
func Browser(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	path := Chromium(tb)
	browser.once.Do(func() {
		var dir string
		if dir, browser.err = MkdirTemp("chromium-"); browser.err != nil {
			return
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-extensions", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			// Tabs of parallel tests run in the background: their timers must not slow down.
			chromedp.Flag("disable-background-timer-throttling", true),
			chromedp.Flag("disable-renderer-backgrounding", true),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.UserDataDir(dir),
			chromedp.WindowSize(1280, 900),
		)
		ctx, cancel := chromedp.NewContext(alloc)
		atExit(func() {
			cancel()
			cancelAlloc()
		})
		browser.ctx = ctx
		// The first action starts the browser; its context must carry no deadline, which
		// would stop the whole browser.
		browser.err = chromedp.Do(ctx)
	})
	if browser.err != nil {
		tb.Fatalf("start %s: %v", path, browser.err)
	}
	tab, cancelTab := chromedp.NewContext(browser.ctx)
	ctx, cancel := context.WithTimeout(tab, timeout)
	tb.Cleanup(func() {
		cancel()
		cancelTab()
	})
	return ctx
}
