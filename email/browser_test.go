package email

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	_ "image/png" // decodes the screenshots
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/honeyreport/honeyreport/internal/browsertest"
)

// TestDigestBrowser opens the digest of the normal and the hostile
// report in headless Chromium as a mail client shows it: JavaScript off,
// cid: images replaced by their parts' bytes, at 640 and 375 px. Every
// chart is an image that loaded and has more than its background in it,
// nothing is requested, and nothing is wider than the window.
func TestDigestBrowser(t *testing.T) {
	browser := browsertest.Start(t, 2*time.Minute)
	dir := t.TempDir()
	for _, hostileStrings := range []bool{false, true} {
		name := map[bool]string{false: "normal", true: "hostile"}[hostileStrings]
		t.Run(name, func(t *testing.T) {
			rep := testReport(t, hostileStrings)
			msg, err := New(rep, testImages(t, rep), testOptions([]byte("zip")))
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, name+".html")
			if err := os.WriteFile(file, []byte(inlineImages(t, msg.Data)), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, width := range []int64{640, 375} {
				checkDigest(t, browser, "file://"+file, width)
			}
		})
	}
}

// inlineImages returns the message's HTML part with every cid: reference
// replaced by a data: URL of its image part, as a mail client shows it.
func inlineImages(t *testing.T, data []byte) string {
	_, parts := parse(t, data)
	var html string
	repl := []string{}
	for _, p := range parts {
		switch p.mediaType {
		case "text/html":
			html = string(p.body)
		case "image/png":
			cid := strings.Trim(p.header["Content-Id"][0], "<>")
			repl = append(repl, `src="cid:`+cid+`"`, `src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(p.body)+`"`)
		}
	}
	out := strings.NewReplacer(repl...).Replace(html)
	if strings.Contains(out, "cid:") {
		t.Fatal("a cid: reference has no image part")
	}
	return out
}

func checkDigest(t *testing.T, browser context.Context, url string, width int64) {
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(tab, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, ev.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	if err := chromedp.Do(tab, noScript, chromedp.EmulateViewport(width, 900), chromedp.Navigate(url), chromedp.Sleep(200*time.Millisecond)); err != nil {
		t.Fatalf("%d px: %v", width, err)
	}
	ctx, cancelRun := context.WithTimeout(tab, 30*time.Second)
	defer cancelRun()
	imgs, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.images).map(function (im) {
		var r = im.getBoundingClientRect();
		return im.alt.length + ' ' + im.complete + ' ' + im.naturalWidth + ' ' + Math.round(r.width) + ' ' + Math.round(r.height);
	})`))
	if err != nil {
		t.Fatalf("%d px: %v", width, err)
	}
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(function () {
		var out = [], w = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth > w) out.push('page ' + document.documentElement.scrollWidth + ' > ' + w);
		document.querySelectorAll('body *').forEach(function (el) {
			var r = el.getBoundingClientRect();
			if (r.right > w + 0.5 && out.length < 5) out.push(el.tagName + ' ' + Math.round(r.right) + ' > ' + w + ': ' + el.textContent.slice(0, 60));
		});
		return out;
	})()`))
	if err != nil {
		t.Fatalf("%d px: %v", width, err)
	}
	if len(imgs) < 2 {
		t.Errorf("%d px: %d images, want the timeline and the map at least", width, len(imgs))
	}
	for i, s := range imgs {
		var alt, w, h, natural int
		var complete bool
		fmt.Sscan(s, &alt, &complete, &natural, &w, &h)
		if !complete || natural != ChartWidth || w < int(width)/2 || h < 50 || alt == 0 {
			t.Errorf("%d px: image %d: %s (alt length, loaded, natural width, shown size)", width, i, s)
			continue
		}
		shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.JSPath(fmt.Sprintf("document.images[%d]", i))))
		if err != nil {
			t.Errorf("%d px: screenshot of image %d: %v", width, i, err)
			continue
		}
		img, _, err := image.Decode(bytes.NewReader(shot))
		if err != nil {
			t.Fatal(err)
		}
		if n := colourCount(img); n < 4 {
			t.Errorf("%d px: image %d shows %d colours: blank", width, i, n)
		}
	}
	for _, o := range overflow {
		t.Errorf("%d px: overflow: %s", width, o)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range requests {
		if !strings.HasPrefix(r, "file://") && !strings.HasPrefix(r, "data:") {
			t.Errorf("%d px: request to %.200s", width, r)
		}
	}
}

func colourCount(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r >> 12, g >> 12, bl >> 12, a >> 12}] = true
		}
	}
	return len(seen)
}
