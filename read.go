package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
)

// readAndOpen reads the inputs (readSummary) while it opens the enrichment
// databases (openOffline), which takes 40-80 ms of a core that reading
// leaves partly idle: on 800k generated events (4 formats, 2 cores), 30
// alternating runs took 1.12 s (median) this way and 1.15 s one after the
// other, 4% slower run for run. A bad --geoip-db stops the reading at once.
// On success the caller closes the databases with closeDBs.
func readAndOpen(ctx context.Context, ins []ingest.Input, f *reportFlags, e *env) (sum *aggregate.Summary, offline *enrich.Offline, closeDBs func(), err error) {
	type opened struct {
		offline *enrich.Offline
		close   func()
		err     error
	}
	dbs := make(chan opened, 1)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		o, c, err := openOffline(f, e)
		if err != nil {
			stopReading()
		}
		dbs <- opened{o, c, err}
	}()
	sum, err = readSummary(readCtx, ins, f, e)
	db := <-dbs
	if db.err != nil {
		return nil, nil, nil, db.err
	}
	if err != nil {
		db.close()
		return nil, nil, nil, err
	}
	return sum, db.offline, db.close, nil
}

// readSummary reads every input in parallel, one aggregator per worker, and
// prints what was skipped.
func readSummary(ctx context.Context, ins []ingest.Input, f *reportFlags, e *env) (*aggregate.Summary, error) {
	format, _ := ingest.ParseFormat(f.inputFormat)
	workers := max(1, f.workers)
	aggs := make([]*aggregate.Aggregator, workers)
	for i := range aggs {
		aggs[i] = aggregate.New(aggregate.Options{SampleSize: f.maxRows})
	}
	var read, events atomic.Int64
	stop := startProgress(e, f.quiet, "reading", &read, &events, totalSize(ins))
	stats := ingest.ReadInputs(ctx, ins, ingest.ReadOptions{Format: format, Workers: workers, BytesRead: &read, EventsRead: &events},
		func(w int, ev *ingest.Event) { aggs[w].Add(ev) })
	stop()
	for _, a := range aggs[1:] {
		aggs[0].Merge(a)
	}
	sum := aggs[0].Summary()
	sum.Inputs = stats
	if !f.quiet {
		printDiagnostics(e.stderr, stats)
	}
	if ingest.NoEvents(stats) {
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, noEventsError(stats)
	}
	// Interrupted with events read: the caller reports on those, and the
	// inputs' errors say where reading stopped.
	return sum, nil
}

// printDiagnostics writes, per input, its problems as file:line: msg, then
// a one-line account of what was skipped.
func printDiagnostics(w io.Writer, stats []*ingest.Stats) {
	// Messages quote log content: control characters go before they
	// reach a terminal, where escape sequences could rewrite the screen.
	for _, st := range stats {
		if st.Err != nil && !errors.Is(st.Err, context.Canceled) {
			// Most errors name their file and line already; the others
			// ("read: unexpected EOF") get the file's name here.
			msg := st.Err.Error()
			if !strings.HasPrefix(msg, st.File+":") {
				msg = st.File + ": " + msg
			}
			fmt.Fprintln(w, printable(msg))
		}
		for _, se := range st.Errors {
			fmt.Fprintln(w, printable(se.Error()))
		}
		if n := st.Skipped - int64(len(st.Errors)); n > 0 {
			fmt.Fprintf(w, "%s: %d more problems not shown (see the report's data-quality section)\n", st.File, n)
		}
	}
}

// noEventsError explains why a run found nothing to report, like
// "no events in 3 inputs (2 empty, 1 not a supported format: logs/x.bin)".
func noEventsError(stats []*ingest.Stats) error {
	var empty, unknown, failed, skippedOnly []string
	for _, st := range stats {
		switch {
		case st.Err != nil && ingest.IsUnknownFormat(st.Err) && strings.Contains(st.Err.Error(), "empty input"):
			empty = append(empty, st.File)
		case st.Err != nil && ingest.IsUnknownFormat(st.Err):
			unknown = append(unknown, st.File)
		case st.Err != nil:
			failed = append(failed, st.File)
		default:
			skippedOnly = append(skippedOnly, st.File)
		}
	}
	var parts []string
	add := func(names []string, what string) {
		if len(names) == 0 {
			return
		}
		shown := names
		if len(shown) > 3 {
			shown = append(shown[:3:3], "...")
		}
		parts = append(parts, fmt.Sprintf("%d %s: %s", len(names), what, strings.Join(shown, ", ")))
	}
	add(empty, "empty")
	add(unknown, "not a supported format")
	add(failed, "unreadable")
	add(skippedOnly, "without a valid event")
	noun := "inputs"
	if len(stats) == 1 {
		noun = "input"
	}
	return fmt.Errorf("no events in %d %s (%s)", len(stats), noun, strings.Join(parts, "; "))
}

func totalSize(ins []ingest.Input) int64 {
	var n int64
	for _, in := range ins {
		if in.Path == "" {
			return 0 // standard input: size unknown
		}
		if fi, err := os.Stat(in.Path); err == nil {
			n += fi.Size()
		}
	}
	return n
}
