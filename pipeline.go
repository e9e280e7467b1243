package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"

	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/email"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/report"
	"github.com/honeyreport/honeyreport/site"
)

// runReport is the whole pipeline, one stage after the other: read and
// count the inputs while the enrichment databases open (read.go), enrich
// once per distinct IP (enrichment.go), build the report model, render it
// to every output asked for (outputs.go).
func runReport(ctx context.Context, ins []ingest.Input, f *reportFlags, e *env) error {
	opts, err := reportOptions(f, e)
	if err != nil {
		return err
	}
	a, err := assets.Load()
	if err != nil {
		return err
	}
	in, err := readAndOpen(ctx, ins, f, e)
	if err != nil {
		return err
	}
	defer in.closeDBs()
	sum := in.sum

	// An interrupt stops the online sources; what was read is still
	// enriched from the local data and reported. The previous window's
	// sources are located too, for the comparison's countries and ASNs.
	var previous []netip.Addr
	if sum.Previous != nil {
		previous = sum.Previous.Addrs()
	}
	en, err := enrichAddrs(ctx, f, e, in.offline, sum.LookupOrder(), previous)
	if err != nil {
		return err
	}

	if err := context.Cause(ctx); err != nil {
		opts.Interrupted = err.Error()
	}
	uaFamily := func(ua string) string { return enrich.ClassifyUserAgent(ua).Family }
	rep := report.Build(report.Input{
		Summary: sum, Profiles: en.Profiles, Statuses: en.Statuses, Sources: en.Sources,
		ThreatIntel: en.ThreatIntel, UAFamily: uaFamily, Baseline: f.baseline, Options: opts,
	})
	// The JSON summary goes to --json, the site and the email; encoded
	// once (70-130 ms on 1M events) when more than one takes it.
	var summary func(io.Writer) error
	if takers := count(f.jsonOut != "", f.siteDir != "", slices.Contains(f.email.kinds, "json")); takers > 0 {
		summary = report.NewSummaryJSON(rep, f.jsonMaxIPs).WriteJSON
		if takers > 1 {
			summary = renderOnce(summary)
		}
	}

	// One after the other: side by side, the HTML (20-40 ms on 1M S3
	// access events) could hide behind the JSON summary (70-130 ms), and
	// measured no faster: 30 alternating runs, 1.15 s median side by side,
	// 1.08 s not, equal run for run.
	out := &outputs{stdout: e.stdout}
	html := func(w io.Writer) error { return report.WriteHTML(w, rep, a) }
	var htmlBytes []byte
	if f.email.wanted() {
		// The email attaches the very bytes written: render once.
		var b bytes.Buffer
		if err := html(&b); err != nil {
			return err
		}
		htmlBytes = b.Bytes()
		html = func(w io.Writer) error { _, err := w.Write(htmlBytes); return err }
	}
	if err := out.writeSorted(
		target{f.output, html},
		target{f.jsonOut, summary},
		target{f.mdOut, func(w io.Writer) error { return report.WriteMarkdown(w, rep) }},
	); err != nil {
		return err
	}
	// The export is a second read of the inputs: after an interrupt it
	// would be cut somewhere else than the report, so it is not written.
	var export *exporter
	if ctx.Err() == nil {
		export = &exporter{ins: ins, readAhead: f.s3.readAhead, inputFormat: f.inputFormat, filter: in.filter, rep: rep}
		if err := out.write(f.exportOut, export.to(ctx, f.exportOut)); err != nil {
			return err
		}
	}
	// events.csv for the site and the email is one more read of the
	// inputs (or a copy of --export's CSV); when both take it, one read
	// serves both.
	events := export.siteEvents(ctx, f.exportOut)
	if events != nil && f.siteDir != "" && slices.Contains(f.email.kinds, "csv") {
		events = renderOnce(events)
	}
	// The message is written with the other outputs and sent after all
	// of them, so a failed send loses nothing.
	var msg *email.Message
	if f.email.wanted() {
		parts := mailParts{html: htmlBytes, summary: summary, events: events}
		if msg, err = buildEmail(f, rep, a, parts, opts.GeneratedAt); err != nil {
			return err
		}
		if err := out.write(f.email.out, func(w io.Writer) error { _, err := w.Write(msg.Data); return err }); err != nil {
			return err
		}
	}
	if f.siteDir != "" {
		// A run that mails its digest publishes it beside the report.
		var extra []site.File
		if msg != nil {
			extra = append(extra, site.File{Name: "digest.html", Write: func(w io.Writer) error {
				return email.WritePage(w, rep, msg.Subject, msg.Images)
			}})
		}
		if err := out.writeSite(f, sum, rep, opts.GeneratedAt, a, html, summary, events, extra, e.stderr); err != nil {
			return err
		}
	}
	if res := sum.Filter; res != nil && sum.Events == 0 && !res.Window.IsZero() {
		// Not an error: a quiet week is news too, and the outputs say so.
		msg := fmt.Sprintf("honeyreport: no events in the window %s: %s outside it", res.Window.Label, report.Plural(res.OutsideTotal(), "event"))
		if len(res.Excluded) > 0 {
			msg += ", " + report.Plural(res.ExcludedTotal(), "event") + " excluded"
		}
		fmt.Fprintln(e.stderr, msg)
	}
	if !f.quiet {
		printTotals(e.stderr, sum, out.written)
	}

	// A run stopped by a signal still says that threat intelligence is
	// incomplete; the signal decides the exit status.
	tiErr := threatOutcome(rep, e)
	if f.email.smtp != "" {
		if ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "honeyreport: mail not sent: the run was interrupted")
		} else if err := sendEmail(ctx, &f.email, e, msg); err != nil {
			if tiErr != nil {
				fmt.Fprintln(e.stderr, "honeyreport: "+tiErr.Error())
			}
			return fmt.Errorf("%w (every output was written)", err)
		} else if !f.quiet {
			fmt.Fprintf(e.stderr, "honeyreport: mailed %q to %s via %s\n", msg.Subject, report.Plural(int64(len(msg.Rcpt)), "recipient"), f.email.smtp)
		}
	}
	if err := context.Cause(ctx); err != nil {
		if tiErr != nil {
			fmt.Fprintln(e.stderr, "honeyreport: "+tiErr.Error())
		}
		msg := "outputs written from what was done before"
		if export == nil && (f.exportOut != "" || f.siteDir != "") {
			msg += "; events export not written"
		}
		return fmt.Errorf("%w: %s", err, msg)
	}
	return tiErr
}
