package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/ingest"
)

// reportFlags are the flags shared by "report" and "demo".
type reportFlags struct {
	output, jsonOut, mdOut, exportOut, siteDir string
	inputFormat                                string
	title, notes                               string
	notesHTML                                  bool
	geoipDBs                                   stringList
	noSystemGeoIP                              bool
	whois                                      bool
	ti                                         string
	feeds                                      stringList
	configPath, cacheDir                       string
	refresh                                    bool
	maxRows, workers                           int
	quiet                                      bool
	cpuProfile                                 string
}

func (f *reportFlags) register(fs *flag.FlagSet, defaultOutput string) {
	fs.StringVar(&f.output, "o", defaultOutput, "write the HTML report to `FILE` (- for standard output)")
	fs.StringVar(&f.output, "output", defaultOutput, "same as -o `FILE`")
	fs.StringVar(&f.jsonOut, "json", "", "also write the JSON summary (schema honeyreport.summary/v1) to `FILE`")
	fs.StringVar(&f.mdOut, "md", "", "also write a Markdown summary (email body, README) to `FILE`")
	fs.StringVar(&f.exportOut, "export", "", "also write every event, enriched, to `FILE` (.csv or .ndjson)")
	fs.StringVar(&f.siteDir, "site", "", "also write a GitHub Pages folder to `DIR` (index.html, summary.json, events.csv, .nojekyll)")
	fs.StringVar(&f.inputFormat, "input-format", "auto", "input `FORMAT`: auto, breachinsider, breachinsider-csv, cloudtrail or s3-access")
	fs.StringVar(&f.title, "title", "", "report `TITLE` (default: named after the buckets seen)")
	fs.StringVar(&f.notes, "notes", "", "analyst notes in Markdown from `FILE`, shown in the report")
	fs.BoolVar(&f.notesHTML, "notes-html", false, "allow raw HTML in --notes (only for notes you wrote yourself)")
	f.registerEnrichment(fs)
	fs.IntVar(&f.maxRows, "max-rows", aggregate.DefaultSampleSize, "show at most `N` rows in the report's event table (the newest; --export has all)")
	fs.IntVar(&f.workers, "workers", 0, "read up to `N` inputs at once (0: one per CPU)")
	fs.BoolVar(&f.quiet, "q", false, "no progress and no per-line diagnostics on standard error")
	fs.BoolVar(&f.quiet, "quiet", false, "same as -q")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile to `FILE` (for go tool pprof; for developers)")
}

// registerEnrichment adds the enrichment flags, which "report", "demo" and
// "lookup" share.
func (f *reportFlags) registerEnrichment(fs *flag.FlagSet) {
	fs.Var(&f.geoipDBs, "geoip-db", "MaxMind/DB-IP/ip-location-db .mmdb `FILE` to use before the embedded data (repeatable; also $HONEYREPORT_GEOIP_DB, colon-separated)")
	fs.BoolVar(&f.noSystemGeoIP, "no-system-geoip", false, "do not look for databases in /usr/share/GeoIP and /var/lib/GeoIP")
	fs.BoolVar(&f.whois, "whois", false, "look up WHOIS registration (bulk IP-to-ASN, then the RIRs): uses the network")
	fs.StringVar(&f.ti, "ti", "", "threat-intelligence `PROVIDERS`, comma-separated (otx, abuseipdb, greynoise, virustotal, xforce) or all-configured: uses the network")
	fs.Var(&f.feeds, "feed", "blocklist feed `FILE` of IPs/CIDRs, as NAME=PATH or PATH (repeatable; more in the config file)")
	fs.StringVar(&f.configPath, "config", "", "config `FILE` (default: the per-user config dir's honeyreport/config.yaml if present)")
	fs.StringVar(&f.cacheDir, "cache-dir", "", "cache `DIR` for online lookups (default: $HONEYREPORT_CACHE_DIR or the per-user cache dir)")
	fs.BoolVar(&f.refresh, "refresh", false, "ignore cached online answers (they are still written)")
}

func (f *reportFlags) check() error {
	if f.maxRows < 1 {
		return usagef("--max-rows must be at least 1")
	}
	if f.workers < 0 {
		return usagef("--workers must not be negative")
	}
	if f.workers == 0 {
		f.workers = runtime.GOMAXPROCS(0)
	}
	stdout := 0
	for _, o := range []string{f.output, f.jsonOut, f.mdOut, f.exportOut} {
		if o == "-" {
			stdout++
		}
	}
	if stdout > 1 {
		return usagef("only one output can go to standard output (-)")
	}
	if _, err := ingest.ParseFormat(f.inputFormat); err != nil {
		return usagef("--input-format: %v", err)
	}
	return nil
}

const reportUsage = `Usage: honeyreport report [flags] INPUT...

Reads honeybucket access logs and writes one self-contained HTML report.

INPUT is a file, a directory (read recursively), a glob pattern, or - for
standard input; gzip-compressed input is recognised anywhere. Several inputs
of different formats can be mixed. Supported formats, detected from content:
BreachInsider dashboard dump (text) and CSV export, CloudTrail (Records files,
.json.gz delivery trees, one-event-per-line exports), S3 server access logs.

Exit status: 0 on success (even when some lines were skipped; the report's
data-quality section lists them), 1 when no event could be read or an output
could not be written, 2 on a usage error, 3 when every threat-intelligence
provider asked for failed (the outputs are written and say so).

Flags:
`

func cmdReport(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("report", reportUsage, args, e)
	var f reportFlags
	f.register(fs, "report.html")
	inputs, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	if len(inputs) == 0 {
		fs.Usage()
		return usagef("no input given")
	}
	ins, err := ingest.ExpandInputs(inputs)
	if err != nil {
		return err
	}
	// Standard input can be read once; when the export needs a second pass,
	// keep a copy.
	ins, cleanup, err := spoolStdin(ins, e.stdin, f.exportOut != "" || f.siteDir != "")
	if err != nil {
		return err
	}
	defer cleanup()
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	return runReport(ctx, ins, &f, e)
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
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	if ingest.NoEvents(stats) {
		return nil, noEventsError(stats)
	}
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

// spoolStdin points "-" inputs at the command's standard input, and when
// the inputs will be read twice (export), at a temporary copy of it.
func spoolStdin(ins []ingest.Input, stdin io.Reader, twice bool) ([]ingest.Input, func(), error) {
	noop := func() {}
	for i, in := range ins {
		if in.Path != "" || in.Opener != nil {
			continue
		}
		ins = append([]ingest.Input(nil), ins...)
		if !twice {
			ins[i].Opener = func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }
			return ins, noop, nil
		}
		tmp, err := os.CreateTemp("", "honeyreport-stdin-*")
		if err != nil {
			return nil, noop, err
		}
		if _, err := io.Copy(tmp, stdin); err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			return nil, noop, fmt.Errorf("read standard input: %w", err)
		}
		tmp.Close()
		ins[i] = ingest.Input{Name: in.Name, Path: tmp.Name()}
		return ins, func() { os.Remove(tmp.Name()) }, nil
	}
	return ins, noop, nil
}

// writeFile writes an output atomically: to a temporary file beside it,
// renamed into place once complete, so a failed run never leaves half a
// report where a good one was. "-" writes to stdout.
func writeFile(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == "-" {
		return write(stdout)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func startCPUProfile(path string) (stop func(), err error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}

// generationTime is now, or SOURCE_DATE_EPOCH when set, so that the same
// input gives byte-identical output (reproducible-builds.org convention).
func generationTime(getenv func(string) string) (time.Time, error) {
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a Unix time", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}
