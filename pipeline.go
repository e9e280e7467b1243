package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/filter"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/output"
	"github.com/honeyreport/honeyreport/report"
)

// runReport is the whole pipeline: read and count, enrich once per distinct
// IP, build the report model, write every output asked for.
func runReport(ctx context.Context, ins []ingest.Input, f *reportFlags, e *env) error {
	genTime, err := generationTime(e.getenv)
	if err != nil {
		return err
	}
	var notes []byte
	if f.notes != "" {
		if notes, err = os.ReadFile(f.notes); err != nil {
			return fmt.Errorf("read notes: %w", err)
		}
	}
	// Load the enrichment data while the logs are read: it costs a core
	// for a tenth of a second that reading rarely keeps busy at its start.
	// ASN exclusion rules need the data while reading: their lookups
	// wait for it.
	var db struct {
		offline *enrich.Offline
		close   func()
		err     error
	}
	loaded := make(chan struct{})
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		defer close(loaded)
		db.offline, db.close, db.err = openOffline(f, e)
		if db.err != nil {
			stopReading() // a bad --geoip-db fails now, not after the logs
		}
	}()
	flt := filter.New(f.timeWindow, f.rules, func() filter.ASData {
		if <-loaded; db.offline == nil {
			return nil // reading stops: the error is reported below
		}
		return db.offline
	})
	sum, err := readSummary(readCtx, ins, f, e, flt)
	<-loaded
	if db.err != nil {
		return db.err
	}
	defer db.close()
	if err != nil {
		return err
	}
	offline := db.offline
	// An interrupt stops reading and waiting on the network; what was
	// read is still reported, and local work is quick.
	addrs := sum.Addrs()
	// The previous window's sources are located too, offline only, for
	// the comparison's countries and ASNs.
	profiles, err := offline.LookupMany(context.WithoutCancel(ctx), withPrevious(addrs, sum.Previous), 0)
	if err != nil {
		return fmt.Errorf("enrich: %w", err)
	}
	statuses := offline.Status()
	onlineStatuses, tiNames, err := runOnline(ctx, f, e, addrs, profiles)
	if err != nil {
		return err
	}
	statuses = append(statuses, onlineStatuses...)
	sources := offline.Sources()

	uaFamily := func(ua string) string { return enrich.ClassifyUserAgent(ua).Family }
	exportHint := "Run honeyreport with --export events.csv for every event."
	if f.exportOut != "" {
		exportHint = "Every event is in " + filepath.Base(f.exportOut) + "."
	} else if f.siteDir != "" {
		exportHint = "Every event is in events.csv beside this page."
	}
	a, err := assets.Load()
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var written []string
	out := func(path string, write func(io.Writer) error) error {
		if path == "" {
			return nil
		}
		if err := output.Write(path, e.stdout, write); err != nil {
			return err
		}
		mu.Lock()
		written = append(written, path)
		mu.Unlock()
		return nil
	}
	interrupted := ""
	if err := context.Cause(ctx); err != nil {
		interrupted = err.Error()
	}
	rep := report.Build(report.Input{
		Summary: sum, Profiles: profiles, Statuses: statuses, Sources: sources, ThreatIntel: tiNames, UAFamily: uaFamily, Baseline: f.baseline,
		Options: report.Options{
			Title: f.title, GeneratedAt: genTime, ToolVersion: toolVersion(), MaxEventRows: f.maxRows,
			NotesMarkdown: notes, AllowNotesHTML: f.notesHTML, ExportHint: exportHint, Interrupted: interrupted,
		},
	})
	// Every renderer only reads the model: each writes on its own core.
	var summaryJSON *report.SummaryJSON
	var g errgroup.Group
	if f.jsonOut != "" || f.siteDir != "" {
		g.Go(func() error {
			summaryJSON = report.NewSummaryJSON(rep, f.jsonMaxIPs)
			return out(f.jsonOut, summaryJSON.WriteJSON)
		})
	}
	g.Go(func() error { return out(f.output, func(w io.Writer) error { return report.WriteHTML(w, rep, a) }) })
	g.Go(func() error { return out(f.mdOut, func(w io.Writer) error { return report.WriteMarkdown(w, rep) }) })
	if err := g.Wait(); err != nil {
		return err
	}
	sort.Strings(written)
	// The export is a second read of the inputs: after an interrupt it
	// would be cut somewhere else than the report, so it is not written.
	exported := ctx.Err() == nil
	exportOut, siteEvents := "", ""
	if exported {
		exportOut = f.exportOut
		if f.siteDir != "" {
			siteEvents = filepath.Join(f.siteDir, "events.csv")
		}
	}
	if err := out(exportOut, func(w io.Writer) error { return exportEvents(ctx, w, f.exportOut, ins, f, flt, rep) }); err != nil {
		return err
	}
	if f.siteDir != "" {
		// Pages would run Jekyll over the folder without .nojekyll.
		if err := output.WriteFile(filepath.Join(f.siteDir, ".nojekyll"), func(io.Writer) error { return nil }); err != nil {
			return err
		}
		if err := out(filepath.Join(f.siteDir, "index.html"), func(w io.Writer) error { return report.WriteHTML(w, rep, a) }); err != nil {
			return err
		}
		if err := out(filepath.Join(f.siteDir, "summary.json"), summaryJSON.WriteJSON); err != nil {
			return err
		}
		if err := out(siteEvents, func(w io.Writer) error {
			if format, _ := report.ExportFormatFor(f.exportOut); format == report.ExportCSV {
				// Already written once: copy rather than read the logs again.
				return copyFile(w, f.exportOut)
			}
			return exportEvents(ctx, w, "events.csv", ins, f, flt, rep)
		}); err != nil {
			return err
		}
	}
	if res := sum.Filter; res != nil && sum.Events == 0 && !res.Window.IsZero() {
		// Not an error: a quiet week is news too, and the outputs say so.
		fmt.Fprintf(e.stderr, "honeyreport: no events in the window %s: %s outside it, %s excluded\n",
			res.Window.Label, report.Plural(res.OutsideTotal(), "event"), report.Plural(res.ExcludedTotal(), "event"))
	}
	if !f.quiet {
		var skipped int64
		for _, st := range sum.Inputs {
			skipped += st.Skipped
		}
		fmt.Fprintf(e.stderr, "honeyreport: %s (%s) from %s in %s", report.Plural(sum.Events, "event"), report.Plural(sum.Attempts, "attempt"),
			report.Plural(int64(len(sum.IPs)), "unique IP"), report.Plural(int64(len(sum.Inputs)), "input"))
		if skipped > 0 {
			fmt.Fprintf(e.stderr, ", %s skipped", report.Plural(skipped, "record"))
		}
		if res := sum.Filter; res != nil {
			if n := res.OutsideTotal(); n > 0 || !res.Window.IsZero() {
				fmt.Fprintf(e.stderr, ", %s outside the window", report.Plural(n, "event"))
			}
			if n := res.ExcludedTotal(); n > 0 || len(res.Excluded) > 0 {
				fmt.Fprintf(e.stderr, ", %s excluded", report.Plural(n, "event"))
			}
		}
		if len(written) > 0 && !(len(written) == 1 && written[0] == "-") {
			fmt.Fprintf(e.stderr, "; wrote %s", strings.Join(written, ", "))
		}
		fmt.Fprintln(e.stderr)
	}
	// A run stopped by a signal still says that threat intelligence is
	// incomplete; the signal decides the exit status.
	tiErr := threatOutcome(rep, e)
	if err := context.Cause(ctx); err != nil {
		if tiErr != nil {
			fmt.Fprintln(e.stderr, "honeyreport: "+tiErr.Error())
		}
		msg := "outputs written from what was done before"
		if !exported && (f.exportOut != "" || f.siteDir != "") {
			msg += "; events export not written"
		}
		return fmt.Errorf("%w: %s", err, msg)
	}
	return tiErr
}

// withPrevious returns addrs followed by the previous window's sources
// not among them (prev may be nil).
func withPrevious(addrs []netip.Addr, prev *aggregate.Summary) []netip.Addr {
	if prev == nil || len(prev.IPs) == 0 {
		return addrs
	}
	seen := make(map[netip.Addr]bool, len(addrs))
	for _, a := range addrs {
		seen[a] = true
	}
	out := addrs
	for _, ip := range prev.IPs {
		if !seen[ip.Addr] {
			out = append(out, ip.Addr)
		}
	}
	return out
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

// exportEvents is the second pass over the inputs: every event, joined with
// its IP's profile. Inputs are read one at a time so rows keep input order.
// The filter leaves out the events the report left out.
func exportEvents(ctx context.Context, w io.Writer, name string, ins []ingest.Input, f *reportFlags, flt *filter.Filter, rep *report.Report) error {
	format, err := report.ExportFormatFor(name)
	if err != nil {
		return err
	}
	ew, err := report.NewEventWriter(w, format, rep)
	if err != nil {
		return err
	}
	inFormat, _ := ingest.ParseFormat(f.inputFormat)
	var werr error
	tally := flt.NewTally()
	ingest.ReadInputs(ctx, ins, ingest.ReadOptions{Format: inFormat, Workers: 1, NoChecksum: true}, func(_ int, ev *ingest.Event) {
		if werr == nil && tally.Keep(ev) {
			werr = ew.Write(ev)
		}
	})
	if werr != nil {
		return werr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return ew.Flush()
}

// openOffline opens the embedded data and every user database: --geoip-db
// flags, then $HONEYREPORT_GEOIP_DB, then the usual system folders.
func openOffline(f *reportFlags, e *env) (*enrich.Offline, func(), error) {
	emb, err := enrich.OpenEmbedded()
	if err != nil {
		return nil, nil, fmt.Errorf("load embedded geolocation data: %w", err)
	}
	paths := append([]string(nil), f.geoipDBs...)
	for _, p := range filepath.SplitList(e.getenv("HONEYREPORT_GEOIP_DB")) {
		if p != "" {
			paths = append(paths, p)
		}
	}
	if !f.noSystemGeoIP {
		found, _ := enrich.Locate("/usr/share/GeoIP", "/var/lib/GeoIP")
		paths = append(paths, found...)
	}
	var dbs []*enrich.Database
	closeAll := func() {
		for _, db := range dbs {
			db.Close()
		}
	}
	seen := map[string]bool{}
	for _, p := range paths {
		if abs, err := filepath.Abs(p); err == nil {
			if seen[abs] {
				continue
			}
			seen[abs] = true
		}
		db, err := enrich.OpenDatabase(p)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		dbs = append(dbs, db)
	}
	return enrich.NewOffline(emb, dbs...), closeAll, nil
}
