package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/filter"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/output"
	"github.com/honeyreport/honeyreport/report"
	"github.com/honeyreport/honeyreport/site"
)

// target is one file to write: its path ("" when not asked for, "-" for
// standard output) and the renderer that fills it.
type target struct {
	path   string
	render func(io.Writer) error
}

// outputs writes files through package output and lists those written,
// for the closing line on stderr.
type outputs struct {
	stdout  io.Writer
	written []string
}

// write writes one output; an empty path is an output not asked for.
func (o *outputs) write(path string, render func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	if err := output.Write(path, o.stdout, render); err != nil {
		return err
	}
	o.written = append(o.written, path)
	return nil
}

// writeSorted writes each of outs and lists them by path, so that the
// closing line does not depend on which flag named which file.
func (o *outputs) writeSorted(outs ...target) error {
	n := len(o.written)
	for _, out := range outs {
		if err := o.write(out.path, out.render); err != nil {
			return err
		}
	}
	sort.Strings(o.written[n:])
	return nil
}

// siteTitle is the title the run gives its site: --title, or the report's
// own when it names a bucket; "" (keep the site's) for a period that saw
// no bucket.
func siteTitle(f *reportFlags, sum *aggregate.Summary, rep *report.Report) string {
	if f.title == "" && len(sum.Buckets) == 0 {
		return ""
	}
	return rep.Title
}

// writeSite adds the run's period to the site folder (package site) and
// lists what it wrote. extra are more files for the period's folder.
func (o *outputs) writeSite(f *reportFlags, sum *aggregate.Summary, rep *report.Report, genTime time.Time, a assets.Assets, html, summary, events func(io.Writer) error, extra []site.File, stderr io.Writer) error {
	name := f.sitePeriod(sum)
	if name == "" {
		return fmt.Errorf("--site %s: no window and no timed event to name the period by (give --window, or --since and --until)", f.siteDir)
	}
	res, err := site.Add(f.siteDir, site.Period{Name: name, Report: html, Summary: summary, Events: events, Extra: extra}, site.Options{
		Title: siteTitle(f, sum, rep), GeneratedAt: genTime, ToolVersion: rep.ToolVersion, Keep: f.siteKeep, Assets: a,
	})
	if err != nil {
		return err
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(stderr, "honeyreport: --site: %s: left out of the index\n", filepath.Join(f.siteDir, s))
	}
	for _, p := range res.Pruned {
		fmt.Fprintf(stderr, "honeyreport: --site: removed period %s (--site-keep %d)\n", p, f.siteKeep)
	}
	o.written = append(o.written, res.Written...)
	return nil
}

func copyFile(w io.Writer, path string) error {
	r, err := os.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}

// exporter is the second pass over the inputs: every event, joined with
// its IP's profile.
type exporter struct {
	ins         []ingest.Input
	readAhead   func(context.Context, []ingest.Input) ([]ingest.Input, func())
	inputFormat string         // the --input-format flag
	filter      *filter.Filter // leaves out the events the report left out
	rep         *report.Report
}

// to returns the renderer of the export named name, whose extension
// chooses CSV or NDJSON. Inputs are read one at a time so rows keep input
// order.
func (x *exporter) to(ctx context.Context, name string) func(io.Writer) error {
	return func(w io.Writer) error {
		format, err := report.ExportFormatFor(name)
		if err != nil {
			return err
		}
		ew, err := report.NewEventWriter(w, format, x.rep)
		if err != nil {
			return err
		}
		inFormat, _ := ingest.ParseFormat(x.inputFormat)
		var werr error
		tally := x.filter.NewTally()
		ins, done := x.readAhead(ctx, x.ins)
		ingest.ReadInputs(ctx, ins, ingest.ReadOptions{Format: inFormat, Workers: 1, NoChecksum: true}, func(_ int, ev *ingest.Event) {
			if werr == nil && tally.Keep(ev) {
				werr = ew.Write(ev)
			}
		})
		done()
		if werr != nil {
			return werr
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return ew.Flush()
	}
}

// siteEvents returns the renderer of the site's events CSV, nil from a nil
// exporter (no export). An export already written as CSV to exportOut is
// copied rather than the logs read again.
func (x *exporter) siteEvents(ctx context.Context, exportOut string) func(io.Writer) error {
	if x == nil {
		return nil
	}
	if format, _ := report.ExportFormatFor(exportOut); format == report.ExportCSV {
		return func(w io.Writer) error { return copyFile(w, exportOut) }
	}
	return x.to(ctx, "events.csv")
}

// renderOnce returns a renderer that runs render the first time and
// writes the same bytes again after that.
func renderOnce(render func(io.Writer) error) func(io.Writer) error {
	var b bytes.Buffer
	var err error
	done := false
	return func(w io.Writer) error {
		if !done {
			err, done = render(&b), true
		}
		if err != nil {
			return err
		}
		_, werr := w.Write(b.Bytes())
		return werr
	}
}

// count is how many of conds hold.
func count(conds ...bool) int {
	n := 0
	for _, c := range conds {
		if c {
			n++
		}
	}
	return n
}

// printTotals writes the closing line: what was read, left out and
// written.
func printTotals(w io.Writer, sum *aggregate.Summary, written []string) {
	var skipped int64
	for _, st := range sum.Inputs {
		skipped += st.Skipped
	}
	fmt.Fprintf(w, "honeyreport: %s (%s) from %s in %s", report.Plural(sum.Events, "event"), report.Plural(sum.Attempts, "attempt"),
		report.Plural(int64(len(sum.IPs)), "unique IP"), report.Plural(int64(len(sum.Inputs)), "input"))
	if skipped > 0 {
		fmt.Fprintf(w, ", %s skipped", report.Plural(skipped, "record"))
	}
	if res := sum.Filter; res != nil {
		if n := res.OutsideTotal(); n > 0 || !res.Window.IsZero() {
			fmt.Fprintf(w, ", %s outside the window", report.Plural(n, "event"))
		}
		if n := res.ExcludedTotal(); n > 0 || len(res.Excluded) > 0 {
			fmt.Fprintf(w, ", %s excluded", report.Plural(n, "event"))
		}
	}
	if len(written) > 0 && !(len(written) == 1 && written[0] == "-") {
		fmt.Fprintf(w, "; wrote %s", strings.Join(written, ", "))
	}
	fmt.Fprintln(w)
}
