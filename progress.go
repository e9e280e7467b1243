package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/honeyreport/honeyreport/report"
)

// startProgress draws a one-line progress display on stderr while work
// advances done (bytes) towards total (0: unknown) and counts events, when
// stderr is a terminal and the user did not ask for quiet. The returned func
// stops it and clears the line. Drawing reads two atomic counters four times
// a second, so it costs the work nothing measurable.
func startProgress(e *env, quiet bool, label func() string, done, events *atomic.Int64, total int64) (stop func()) {
	start := time.Now()
	return startTicker(e, quiet, func() string {
		return progressLine(label(), done.Load(), total, events.Load(), time.Since(start))
	})
}

// startTicker redraws line() on stderr four times a second, when stderr is
// a terminal and the user did not ask for quiet, until stop, which clears
// it.
func startTicker(e *env, quiet bool, line func() string) (stop func()) {
	if quiet || !e.stderrTTY {
		return func() {}
	}
	tick := time.NewTicker(250 * time.Millisecond)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer tick.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(e.stderr, "\r\033[K")
				return
			case <-tick.C:
				fmt.Fprint(e.stderr, "\r\033[K"+line())
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
	}
}

// progressLine formats "reading 12.0 MB / 48.0 MB (25%), 40.0 MB/s,
// 120k events (300k/s), 1s left".
func progressLine(label string, done, total, events int64, elapsed time.Duration) string {
	secs := max(elapsed.Seconds(), 0.001)
	rate := float64(done) / secs
	s := fmt.Sprintf("%s %s", label, report.ByteSize(done))
	if total > 0 {
		s += fmt.Sprintf(" / %s (%d%%)", report.ByteSize(total), done*100/max(total, 1))
	}
	s += fmt.Sprintf(", %s/s", report.ByteSize(int64(rate)))
	if events > 0 {
		s += fmt.Sprintf(", %s events (%s/s)", humanCount(events), humanCount(int64(float64(events)/secs)))
	}
	if total > 0 && rate > 0 && done < total {
		left := time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second)
		s += fmt.Sprintf(", %s left", left)
	}
	return s
}

// humanCount writes a count the way a progress line has room for: 950,
// 12.3k, 4.5M.
func humanCount(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%d", n)
}
