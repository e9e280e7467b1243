package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/honeyreport/honeyreport/internal/browsertest"
)

// TestSiteBrowser opens a three-week site in headless Chromium from
// file://: the front page, latest/ and every period's report. None may
// request anything outside the site folder, log an error, throw, or
// violate its CSP, and every chart must start. (report/browser_test.go
// checks a report's rendering in depth; this checks the site around it.)
func TestSiteBrowser(t *testing.T) {
	browser := browsertest.Start(t, 3*time.Minute)
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	weeks := writeSiteLog(t, log)
	for i, w := range weeks {
		var extra []string
		if i == len(weeks)-1 { // a run that mails publishes its digest too
			extra = []string{"--email", filepath.Join(dir, "digest.eml")}
		}
		runWeek(t, dir, log, w.monday, extra...)
	}
	root, err := filepath.EvalSymlinks(filepath.Join(dir, "site"))
	if err != nil {
		t.Fatal(err)
	}

	pages := []string{"index.html", "latest/index.html"}
	for _, w := range weeks {
		pages = append(pages, "reports/"+w.period+"/index.html")
	}
	pages = append(pages, "reports/"+weeks[len(weeks)-1].period+"/digest.html")
	for _, p := range pages {
		t.Run(p, func(t *testing.T) { openSitePage(t, browser, root, p) })
	}
}

func openSitePage(t *testing.T, browser context.Context, root, page string) {
	tab, cancel := chromedp.NewContext(browser)
	defer cancel()
	w := &browsertest.Watch{}
	if err := chromedp.Listen(tab, w.Listen); err != nil {
		t.Fatal(err)
	}
	setup := browsertest.Instrument()
	url := "file://" + filepath.ToSlash(filepath.Join(root, page))
	if err := chromedp.Do(tab, setup, chromedp.Navigate(url), chromedp.Sleep(500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	ctx, cancelEval := context.WithTimeout(tab, 20*time.Second)
	defer cancelEval()
	if strings.HasSuffix(page, "digest.html") {
		// The digest has no script: its charts are PNGs inline.
		images, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`Array.from(document.images).map(function (i) { return i.complete ? i.naturalWidth : -1; })`))
		if err != nil {
			t.Fatal(err)
		}
		if len(images) == 0 || slices.Contains(images, 0) || slices.Contains(images, -1) {
			t.Errorf("digest images (natural widths) %v, want every one drawn", images)
		}
	} else {
		checkCharts(ctx, t, page)
	}
	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](browsertest.CSPViolations))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range csp {
		t.Errorf("CSP violation: %s", v)
	}
	requests, problems := w.Snapshot()
	inside := "file://" + filepath.ToSlash(root) + "/"
	for _, r := range requests {
		if !strings.HasPrefix(r, inside) && !strings.HasPrefix(r, "data:") {
			t.Errorf("request outside the site: %.200s", r)
		}
	}
	for _, p := range problems {
		t.Errorf("page problem: %s", p)
	}
}

// checkCharts checks that every chart box of page holds a started
// ECharts chart, and the front page's trend its three periods.
func checkCharts(ctx context.Context, t *testing.T, page string) {
	t.Helper()
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-chart]')).map(function (el) {
		return el.id + ' ' + !!(window.echarts && echarts.getInstanceByDom(el)); })`))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) == 0 {
		t.Error("no charts")
	}
	for _, c := range charts {
		if !strings.HasSuffix(c, " true") {
			t.Errorf("chart not started: %s", c)
		}
	}
	if page == "index.html" {
		points, err := chromedp.Run(ctx, chromedp.Evaluate[int](`echarts.getInstanceByDom(document.getElementById('chart-trend')).getOption().series[0].data.length`))
		if err != nil || points != 3 {
			t.Errorf("the trend has %d points (%v), want 3", points, err)
		}
	}
}
