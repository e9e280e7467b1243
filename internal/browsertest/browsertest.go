// Package browsertest starts the headless Chromium that the browser
// tests drive (Debian's chromium, installed by scripts/install-chromium.sh).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds Debian's chromium, "" when it is not installed.
func Path() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Start starts a browser for the test, stopped when the test ends or
// after timeout. The test is skipped under -short and where Chromium is
// missing or cannot start. Everything that would reach the network on
// its own (updates, sync, QUIC probes) is off, so any request a page
// makes is the page's.
func Start(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	bin := Path()
	if bin == "" {
		t.Skip("chromium not installed (sh scripts/install-chromium.sh)")
	}
	root, stop := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(stop)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root,
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")),
	)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		t.Skipf("cannot start chromium: %v", err)
	}
	return browser
}
