package report

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/honeyreport/honeyreport/internal/browsertest"
)

var reportFile = flag.String("report-file", "", "also open this HTML report in the browser test (e.g. the demo output)")

var screenshots = flag.String("screenshots", "", "directory to write browser-test screenshots (report-NAME-WIDTH[-dark].png) to")

// TestBrowser opens reports in headless Chromium and checks that they
// render completely with no network, no script from data, no console
// errors or CSP violations, and no horizontal overflow.
func TestBrowser(t *testing.T) {
	browser := browsertest.Start(t, 3*time.Minute)
	a := realAssets(t)
	dir := t.TempDir()
	if *screenshots != "" {
		if err := os.MkdirAll(*screenshots, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	cases := []struct {
		name string
		in   Input
	}{{"small", smallInput()}, {"hostile", hostileInput()}}
	if in, ok := realCSVInput(t); ok {
		cases = append(cases, struct {
			name string
			in   Input
		}{"real", in})
	}

	if *reportFile != "" {
		abs, err := filepath.Abs(*reportFile)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("file", func(t *testing.T) { checkPage(t, browser, "file", "file://"+abs) })
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, "report-"+tc.name+".html")
			f, err := os.Create(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteHTML(f, Build(tc.in), a); err != nil {
				t.Fatal(err)
			}
			f.Close()
			if *screenshots != "" {
				data, _ := os.ReadFile(file)
				os.WriteFile(filepath.Join(*screenshots, "report-"+tc.name+".html"), data, 0o644)
			}
			checkPage(t, browser, tc.name, "file://"+file)
			checkNoScript(t, browser, tc.name, "file://"+file)
		})
	}
}

func checkPage(t *testing.T, browser context.Context, name, url string) {
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	w := &browsertest.Watch{}
	if err := chromedp.Listen(tab, w.Listen); err != nil {
		t.Fatal(err)
	}
	setup := browsertest.Instrument()
	media := func(scheme string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
			return err
		})
	}
	if err := chromedp.Do(tab, setup, chromedp.EmulateViewport(1280, 900), media("light"), chromedp.Navigate(url), chromedp.Sleep(400*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string, v any) {
		t.Helper()
		ctx, cancel := context.WithTimeout(tab, 20*time.Second)
		defer cancel()
		var err error
		switch p := v.(type) {
		case *bool:
			*p, err = chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		case *[]string:
			*p, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](expr))
		case *int:
			*p, err = chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		}
		if err != nil {
			t.Errorf("evaluate %.60s: %v", expr, err)
		}
	}

	// Every chart container holds an initialised ECharts instance with a canvas.
	var charts []string
	eval(`Array.from(document.querySelectorAll('[data-chart]')).map(function (el) { return el.id + ' ' + (!!(window.echarts && echarts.getInstanceByDom(el))) + ' ' + (!!el.querySelector('canvas')); })`, &charts)
	if len(charts) == 0 {
		t.Error("no charts in the page")
	}
	for _, c := range charts {
		if !strings.HasSuffix(c, " true true") {
			t.Errorf("chart not initialised: %s", c)
		}
	}
	// Show the first tooltip of every series: our formatters render the
	// hostile names as HTML, escaped.
	var tips int
	eval(`(function () { var n = 0; document.querySelectorAll('[data-chart]').forEach(function (el) { var c = echarts.getInstanceByDom(el); if (!c) return; (c.getOption().series || []).forEach(function (s, i) { if (s.data && s.data.length) { c.dispatchAction({ type: 'showTip', seriesIndex: i, dataIndex: 0 }); n += el.querySelectorAll('.tt').length > 0 ? 1 : 0; } }); }); return n; })()`, &tips)
	if tips == 0 {
		t.Error("no tooltip rendered with our formatter")
	}
	// Table tools work.
	if *screenshots != "" {
		// A picture of a tooltip built from hostile data.
		var ok bool
		eval(`(function () { var el = document.getElementById('chart-useragents'); if (!el) return false; el.scrollIntoView(); var c = echarts.getInstanceByDom(el); c.dispatchAction({ type: 'showTip', seriesIndex: 0, dataIndex: 1 }); return true; })()`, &ok)
		if ok {
			if png, err := chromedp.Run(tab, chromedp.CaptureScreenshot()); err == nil {
				os.WriteFile(filepath.Join(*screenshots, "report-"+name+"-tooltip.png"), png, 0o644)
			}
		}
	}
	var hidden bool
	eval(`(function () { document.querySelectorAll('[data-chart]').forEach(function (el) { var c = echarts.getInstanceByDom(el); if (c) c.dispatchAction({ type: 'hideTip' }); }); return true; })()`, &hidden)
	var sortable bool
	eval(`document.querySelectorAll('th.sortable').length > 0 && document.querySelectorAll('.tools input[type=search]').length > 0`, &sortable)
	if !sortable {
		t.Error("report.js did not add table sorting and filtering")
	}

	var injected []string
	eval(`[typeof window.__pwned, String(document.querySelectorAll('img, iframe, object, embed, link, base, form').length), document.title]`, &injected)
	if len(injected) < 2 || injected[0] != "undefined" || injected[1] != "0" {
		t.Errorf("hostile data ran or injected elements: __pwned=%s, elements=%s", injected[0], injected[1])
	}

	for _, width := range []int64{1280, 375} {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(width, 900), chromedp.Sleep(250*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		overflow := []string{"0", "0"}
		eval(`[String(document.documentElement.scrollWidth), String(window.innerWidth)]`, &overflow)
		var sw, iw int
		fmt.Sscan(overflow[0], &sw)
		fmt.Sscan(overflow[1], &iw)
		if sw > iw+2 {
			t.Errorf("page is %dpx wide in a %dpx viewport: the layout broke", sw, iw)
		}
		shoot(t, tab, name, width, "")
	}
	if *screenshots != "" {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900), media("dark"), chromedp.Navigate(url), chromedp.Sleep(400*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		shoot(t, tab, name, 1280, "-dark")
		// Print media at A4 width (210 mm at 96 dpi, less margins).
		printMedia := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		})
		if err := chromedp.Do(tab, chromedp.EmulateViewport(700, 1000), media("light"), chromedp.Navigate(url), printMedia, chromedp.Sleep(400*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		var ok bool
		eval(`(function () { window.dispatchEvent(new Event('beforeprint')); return true; })()`, &ok)
		shoot(t, tab, name, 700, "-print")
	}

	var csp []string
	eval(browsertest.CSPViolations, &csp)
	for _, v := range csp {
		t.Errorf("CSP violation: %s", v)
	}
	reqs, probs := w.Snapshot()
	for _, r := range reqs {
		if !strings.HasPrefix(r, "file://") && !strings.HasPrefix(r, "data:") {
			t.Errorf("network request to %.200s", r)
		}
	}
	for _, p := range probs {
		t.Errorf("page problem: %s", p)
	}
}

// checkNoScript opens the report with JavaScript off, on screen and in
// print: every chart box shows its static SVG, drawn and of a visible
// size (on screen, its screenshot has colours besides the background),
// and the page requests nothing.
func checkNoScript(t *testing.T, browser context.Context, name, url string) {
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	w := &browsertest.Watch{}
	if err := chromedp.Listen(tab, w.Listen); err != nil {
		t.Fatal(err)
	}
	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	for _, medium := range []string{"screen", "print"} {
		setMedia := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: medium})
			return err
		})
		if err := chromedp.Do(tab, noScript, setMedia, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url), chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		ctx, cancelEval := context.WithTimeout(tab, 20*time.Second)
		// Each box: id, drawn shapes, and the SVG's rendered size.
		boxes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-chart]')).map(function (el) {
			var svg = el.querySelector('svg.static'), r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
			var shapes = svg ? svg.querySelectorAll('rect, path, circle').length : 0;
			return el.id + ' ' + shapes + ' ' + Math.round(r.width) + ' ' + Math.round(r.height) + ' ' + document.documentElement.classList.contains('js');
		})`))
		cancelEval()
		if err != nil {
			t.Fatalf("%s: %v", medium, err)
		}
		if len(boxes) == 0 {
			t.Errorf("%s: no chart boxes", medium)
		}
		for _, b := range boxes {
			var id, js string
			var shapes, width, height int
			fmt.Sscan(b, &id, &shapes, &width, &height, &js)
			if js != "false" {
				t.Fatalf("%s: script ran with JavaScript disabled", medium)
			}
			if shapes < 1 || width < 150 || height < 100 {
				t.Errorf("%s, no script: chart %s shows %d shapes in %dx%d px", medium, id, shapes, width, height)
				continue
			}
			// What the reader sees: the box's pixels hold colour (bars,
			// slices, cells, bubbles), not only grey text on the card.
			if medium != "screen" {
				continue
			}
			ctx, cancelShot := context.WithTimeout(tab, 20*time.Second)
			shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.ID(id)))
			cancelShot()
			if err != nil {
				t.Errorf("no script: screenshot of chart %s: %v", id, err)
				continue
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatal(err)
			}
			if n := chromatic(img); n < 20 {
				t.Errorf("no script: chart %s has %d coloured pixels: not drawn", id, n)
			}
		}
		shoot(t, tab, name, 1280, "-noscript-"+medium)
	}
	reqs, _ := w.Snapshot()
	for _, r := range reqs {
		if !strings.HasPrefix(r, "file://") {
			t.Errorf("no script: network request to %.200s", r)
		}
	}
}

// shoot writes viewport-sized screenshots down the page: one full-page
// image of a long report is too tall to look at.
func shoot(t *testing.T, tab context.Context, name string, width int64, suffix string) {
	if *screenshots == "" {
		return
	}
	height, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	for i, y := 0, 0; y < height && i < 12; i, y = i+1, y+900 {
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](fmt.Sprintf(`window.scrollTo(0, %d), true`, y))); err != nil {
			t.Errorf("screenshot: %v", err)
			return
		}
		png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			t.Errorf("screenshot: %v", err)
			return
		}
		out := filepath.Join(*screenshots, fmt.Sprintf("report-%s-%d%s-%02d.png", name, width, suffix, i))
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Error(err)
		}
	}
	chromedp.Run(tab, chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`))
}

// chromatic counts the pixels of img, in a 2-pixel grid, that are a
// colour rather than a grey: every chart's marks are; text, rules, the
// card and the map's land are grey.
func chromatic(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			if max(r, g, bl)-min(r, g, bl) > 40<<8 {
				n++
			}
		}
	}
	return n
}
