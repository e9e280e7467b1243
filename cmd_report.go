package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/filter"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/output"
	"github.com/honeyreport/honeyreport/report"
	"github.com/honeyreport/honeyreport/site"
)

// reportFlags are the flags shared by "report" and "demo".
type reportFlags struct {
	output, jsonOut, mdOut, exportOut, siteDir string
	title, notes                               string
	notesHTML                                  bool
	geoipDBs                                   stringList
	noSystemGeoIP                              bool
	whois                                      bool
	ti                                         string
	feeds                                      stringList
	configPath, cacheDir                       string
	refresh                                    bool
	onlineBudget                               time.Duration
	maxRows, workers, jsonMaxIPs, siteKeep     int
	quiet                                      bool
	cpuProfile                                 string

	// The window and exclusions (package filter): as given, then parsed
	// by plan, before reading.
	since, until, window string
	excludes, excludeUAs stringList
	timeWindow           filter.Window
	rules                []filter.Rule
	// baselinePath is --baseline; plan reads it into baseline, before
	// the logs.
	baselinePath string
	baseline     *report.Baseline

	// online is settled by plan, before reading.
	online *onlinePlan

	email emailFlags

	// s3 are the s3:// inputs' flags and client ("report" only).
	s3 s3Flags

	// inputFormat is --input-format, "report" only: the demo sample's
	// format is known ("" reads as auto).
	inputFormat string
}

func (f *reportFlags) register(fs *flag.FlagSet, defaultOutput string) {
	fs.StringVar(&f.output, "o", defaultOutput, "write the HTML report to `FILE` (- for standard output)")
	fs.StringVar(&f.output, "output", defaultOutput, "same as -o `FILE`")
	fs.StringVar(&f.jsonOut, "json", "", "also write the JSON summary (schema honeyreport.summary/v1) to `FILE`")
	fs.IntVar(&f.jsonMaxIPs, "json-max-ips", report.DefaultJSONMaxIPs, "list at most the `N` busiest IPs in the JSON summary (ips_omitted counts the rest; totals cover all)")
	fs.StringVar(&f.mdOut, "md", "", "also write a Markdown summary (email body, README) to `FILE`")
	fs.StringVar(&f.exportOut, "export", "", "also write every event, enriched, to `FILE` (.csv or .ndjson)")
	fs.StringVar(&f.siteDir, "site", "", "also add this run's period to the site folder `DIR` for GitHub Pages: reports/PERIOD/ (index.html, summary.json, events.csv.gz), index.html with every period and a trend, latest/, history.json, feed.xml (Atom), .nojekyll")
	fs.IntVar(&f.siteKeep, "site-keep", 0, "keep the newest `N` periods in the --site folder, removing older ones (0: keep all)")
	fs.StringVar(&f.title, "title", "", "report `TITLE` (default: named after the buckets seen)")
	fs.StringVar(&f.notes, "notes", "", "analyst notes in Markdown from `FILE`, shown in the report")
	fs.BoolVar(&f.notesHTML, "notes-html", false, "allow raw HTML in --notes (only for notes you wrote yourself)")
	f.registerFilter(fs)
	f.registerEnrichment(fs)
	f.email.register(fs)
	fs.IntVar(&f.maxRows, "max-rows", aggregate.DefaultSampleSize, "show at most `N` rows in the report's event table (the newest; --export has all)")
	fs.IntVar(&f.workers, "workers", 0, "read up to `N` inputs at once (0: one per CPU)")
	fs.BoolVar(&f.quiet, "q", false, "no progress and no per-line diagnostics on standard error")
	fs.BoolVar(&f.quiet, "quiet", false, "same as -q")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile to `FILE` (for go tool pprof; for developers)")
}

// registerFilter adds the window and exclusion flags.
func (f *reportFlags) registerFilter(fs *flag.FlagSet) {
	fs.StringVar(&f.since, "since", "", "report on events from `TIME` on: RFC 3339, a UTC date (2026-11-01) or a duration back from now (36h, 7d, 2w)")
	fs.StringVar(&f.until, "until", "", "report on events up to `TIME`: as --since; a date includes that whole day")
	fs.StringVar(&f.window, "window", "", "report on the previous complete UTC `PERIOD`: last-day, last-week (Monday to Sunday) or last-month")
	fs.Var(&f.excludes, "exclude", "leave out events from `RULE`: an IP, a CIDR, an ASN (AS16509), a service name, or @FILE of rules, one a line (repeatable; counted in the data-quality section)")
	fs.Var(&f.excludeUAs, "exclude-ua", "leave out events whose user agent matches `REGEX` (RE2; repeatable)")
	fs.StringVar(&f.baselinePath, "baseline", "", "compare with an earlier run's JSON summary `FILE` (--json) in a What changed section; without it, a window is compared with the one of equal length before it when the inputs hold it")
}

// parseFilter parses the window (now is SOURCE_DATE_EPOCH when set) and
// the exclusion rules: the config file's, then --exclude, then
// --exclude-ua. Mistakes are usage errors, found before reading.
func (f *reportFlags) parseFilter(cfg enrich.Config, e *env) error {
	now, err := generationTime(e.getenv)
	if err != nil {
		return usagef("%v", err)
	}
	if f.timeWindow, err = filter.ParseWindow(f.since, f.until, f.window, now); err != nil {
		return usagef("%v", err)
	}
	specs := append(append([]string(nil), cfg.Exclude...), f.excludes...)
	if f.rules, err = filter.ParseRules(specs); err != nil {
		return usagef("--exclude: %v", err)
	}
	for _, expr := range f.excludeUAs {
		r, err := filter.UserAgentRule(expr)
		if err != nil {
			return usagef("--exclude-ua: %v", err)
		}
		f.rules = append(f.rules, r)
	}
	return nil
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
	fs.DurationVar(&f.onlineBudget, "online-budget", 0, "stop starting online lookups after `DURATION` (0 or unset: the config's online_budget, else 2m; a long one, e.g. 24h, for paid tiers); what was not checked is reported")
}

// check validates the flags on their own; plan then checks them against
// the files and the config. Both run before any input is read.
func (f *reportFlags) check() error {
	if f.maxRows < 1 {
		return usagef("--max-rows must be at least 1")
	}
	if f.siteKeep < 0 {
		return usagef("--site-keep must not be negative")
	}
	if f.onlineBudget < 0 {
		return usagef("--online-budget must not be negative")
	}
	if f.jsonMaxIPs < 0 {
		return usagef("--json-max-ips must not be negative")
	}
	if f.workers < 0 {
		return usagef("--workers must not be negative")
	}
	if f.workers == 0 {
		f.workers = runtime.GOMAXPROCS(0)
	}
	if f.output == "" {
		return usagef("-o: empty file name (the HTML report is always written)")
	}
	if f.exportOut != "" {
		if _, err := report.ExportFormatFor(f.exportOut); err != nil {
			return usagef("--export: %v", err)
		}
	}
	if _, err := ingest.ParseFormat(f.inputFormat); err != nil {
		return usagef("--input-format: %v", err)
	}
	if name := f.email.unused(); name != "" {
		return usagef("%s: give --email FILE or --smtp HOST:PORT too", name)
	}
	return nil
}

// plan loads the config and builds the online sources, checks that the
// files named by flags exist, and checks every output path against the
// files the run reads and the other outputs (see package output). ins are
// the expanded inputs; standard input counts when it is a file. A file
// found in an input folder that is one of this run's outputs (last week's
// report.html beside the logs) is left out of the returned inputs, with a
// note: it was not named as a log, and it is about to be replaced.
func (f *reportFlags) plan(ins []ingest.Input, e *env) ([]ingest.Input, error) {
	online, err := planOnline(f, e)
	if err != nil {
		return nil, err
	}
	f.online = online
	if err := f.parseFilter(online.cfg, e); err != nil {
		return nil, err
	}
	// A site compares each period with the one before it, when it has
	// it: a weekly job keeps no state besides the site.
	if f.siteDir != "" && f.baselinePath == "" && !f.timeWindow.Since.IsZero() {
		if prev, ok := site.Previous(f.siteDir, f.timeWindow.Since); ok {
			// A damaged old period must not stop this week's report.
			if f.baseline, err = report.ReadBaseline(prev); err != nil {
				fmt.Fprintf(e.stderr, "honeyreport: --site: not compared with the previous period: %v\n", err)
			} else {
				f.baseline.Label = "the previous period, " + filepath.Base(filepath.Dir(prev))
			}
		}
	}
	if err := f.email.settle(online.cfg.Email); err != nil {
		return nil, err
	}
	// Read whole before any output is written: --baseline last.json
	// --json last.json rolls a weekly summary forward.
	if f.baselinePath != "" {
		if f.baseline, err = report.ReadBaseline(f.baselinePath); err != nil {
			return nil, usagef("--%v", err) // "--baseline FILE: why"
		}
	}
	outs := f.outputs()
	var existing []os.FileInfo // outputs already there, from a last run
	for _, o := range outs {
		if fi, err := os.Stat(o[1]); err == nil {
			existing = append(existing, fi)
		}
	}
	var p output.Plan
	kept := ins[:0:0]
	for _, in := range ins {
		switch {
		case in.Path != "":
			fi, err := os.Stat(in.Path)
			if err != nil {
				break // reading it will say why
			}
			if in.Found && isAny(fi, existing) && !holdsLog(in.Path) {
				fmt.Fprintf(e.stderr, "honeyreport: %s: not read: it is an output of this run\n", in.Name)
				continue
			}
			p.AddInputInfo(in.Path, fi)
		case in.Opener == nil: // "-"
			if fi, ok := stdinFile(e.stdin); ok {
				p.AddInputInfo("- (standard input)", fi)
			}
		}
		kept = append(kept, in)
	}
	ins = kept
	// The run reads these too: "--md notes.md --notes notes.md" would
	// replace the analyst's notes with the summary.
	read := [][2]string{{"--notes", f.notes}, {"--config", f.configPath}}
	for _, db := range f.geoipDBs {
		read = append(read, [2]string{"--geoip-db", db})
	}
	for _, x := range append(append([]string(nil), online.cfg.Exclude...), f.excludes...) {
		if name, ok := strings.CutPrefix(strings.TrimSpace(x), "@"); ok {
			read = append(read, [2]string{"--exclude", name})
		}
	}
	for _, r := range read {
		if r[1] == "" {
			continue
		}
		if _, err := os.Stat(r[1]); err != nil {
			return nil, usagef("%s: %v", r[0], err)
		}
		p.AddInput(r[1])
	}
	if f.configPath == "" {
		if def, err := enrich.DefaultConfigPath(); err == nil {
			p.AddInput(def) // when it exists
		}
	}
	for _, fc := range online.feeds {
		p.AddInput(fc.Path)
	}
	for _, o := range outs {
		if err := p.AddOutput(o[0], o[1]); err != nil {
			return nil, &usageError{err.Error()}
		}
	}
	return ins, nil
}

// outputs lists the output files asked for, as {flag, path}.
func (f *reportFlags) outputs() [][2]string {
	all := [][2]string{{"-o", f.output}, {"--json", f.jsonOut}, {"--md", f.mdOut}, {"--export", f.exportOut}, {"--cpuprofile", f.cpuProfile}, {"--email", f.email.out}}
	if f.siteDir != "" {
		for _, p := range site.Paths(f.siteDir, f.sitePeriod(nil)) {
			all = append(all, [2]string{"--site", p})
		}
	}
	var outs [][2]string
	for _, o := range all {
		if o[1] != "" {
			outs = append(outs, o)
		}
	}
	return outs
}

// sitePeriod names the run's period in the --site folder: the window's,
// with an open end (or no window) taken from the events' first or last
// day in sum; "" when sum is nil and the window does not name it, or when
// nothing does.
func (f *reportFlags) sitePeriod(sum *aggregate.Summary) string {
	since, until := f.timeWindow.Since, f.timeWindow.Until
	if sum != nil && !sum.FirstSeen.IsZero() {
		if since.IsZero() {
			since = sum.FirstSeen.UTC().Truncate(24 * time.Hour)
		}
		if until.IsZero() {
			until = sum.LastSeen.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
		}
	}
	if since.IsZero() || until.IsZero() {
		return ""
	}
	return site.PeriodName(since, until)
}

// isAny reports whether fi is one of files.
func isAny(fi os.FileInfo, files []os.FileInfo) bool {
	return slices.ContainsFunc(files, func(f os.FileInfo) bool { return os.SameFile(fi, f) })
}

// holdsLog reports whether the file at path may be a log: compressed, in
// a supported format, or unreadable (then reading it will say why).
func holdsLog(path string) bool {
	file, err := os.Open(path)
	if err != nil {
		return true
	}
	defer file.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(file, head)
	head = head[:n]
	return bytes.HasPrefix(head, []byte{0x1f, 0x8b}) || ingest.Detect(head) != ""
}

// stdinFile returns what standard input reads when the shell connected it
// to a regular file ("report - -o x < x").
func stdinFile(stdin io.Reader) (os.FileInfo, bool) {
	file, ok := stdin.(*os.File)
	if !ok {
		return nil, false
	}
	fi, err := file.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	return fi, true
}

const reportUsage = `Usage: honeyreport report [flags] INPUT...

Reads honeybucket access logs and writes one self-contained HTML report.

INPUT is a file, a directory (read recursively), a glob pattern, an
s3://BUCKET/PREFIX (every object under it, through the AWS credential
chain; with a window, only the objects its keys date in it), or - for
standard input; gzip-compressed input is recognised anywhere. Several inputs
of different formats can be mixed. Supported formats, detected from content:
BreachInsider dashboard dump (text) and CSV export, CloudTrail (Records files,
.json.gz delivery trees, one-event-per-line exports), S3 server access logs,
the CSV Athena writes for "honeyreport athena-sql".

Standard input and FIFOs are read once, as a stream; with --export, --site
or --email-attach csv, whose events file is a second pass, up to 4 GiB of
each is kept in a temporary file for it (more fails the export, not the
report).
SIGINT or SIGTERM stops reading: the outputs are written from what was read,
without the events export.

Exit status: 0 on success (even when some lines were skipped; the report's
data-quality section lists them), 1 when no event could be read or an output
could not be written, 2 on a usage error: a bad flag or config file, or an
output path that is an input, a device, a FIFO, a directory or another
output, all found before any input is read; 3 when every threat-intelligence
provider asked for failed (the outputs are written and say so); 130 or 143
when interrupted by SIGINT or SIGTERM (the outputs are written from what was
read).

Each output file is written beside its path and renamed into place: a
failed run keeps the previous file, a symbolic link at the path is
replaced (never written through), a replaced file keeps its mode.
--smtp sends the email after every output is written; a failed send exits
1 and loses nothing.

Flags:
`

func cmdReport(ctx context.Context, args []string, e *env) (err error) {
	fs := newFlagSet("report", reportUsage, args, e)
	var f reportFlags
	f.register(fs, "report.html")
	fs.StringVar(&f.inputFormat, "input-format", "auto", "input `FORMAT`: auto, breachinsider, breachinsider-csv, cloudtrail, s3-access or athena-cloudtrail")
	f.s3.register(fs)
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
	paths, urls := splitS3(inputs)
	ins, err := ingest.ExpandInputs(paths)
	if err != nil {
		return err
	}
	if ins, err = f.plan(ins, e); err != nil {
		return err
	}
	// Listed after plan, which parses the window the listing is pruned by.
	objs, err := f.listS3(ctx, urls, e)
	if err != nil {
		return err
	}
	ins = append(ins, objs...)
	if len(ins) == 0 {
		return fmt.Errorf("no input: %s listed no object", strings.Join(urls, ", "))
	}
	// A stream can be read once; when the export (or the email's
	// events.csv) needs a second pass, keep a copy.
	ins, cleanup := spoolStreams(ins, e.stdin, f.exportOut != "" || f.siteDir != "" || slices.Contains(f.email.kinds, "csv"))
	defer cleanup()
	if f.cpuProfile != "" {
		stop, perr := startCPUProfile(f.cpuProfile, e.stdout)
		if perr != nil {
			return perr
		}
		defer func() { err = errors.Join(err, stop()) }()
	}
	return runReport(ctx, ins, &f, e)
}

// maxSpool bounds the copy of a stream (standard input, a FIFO) kept for a
// second pass (--export, --site): a stream can be endless, a temporary
// directory cannot. Beyond it the report is still made, and the export
// fails.
const maxSpool = 4 << 30

// spoolStreams points "-" inputs at the command's standard input. When the
// inputs will be read twice (export), every stream among them (standard
// input, a FIFO, a device) is read once: the first read also copies what
// it reads into a temporary file, up to maxSpool, which later reads open
// instead. cleanup removes the copies.
func spoolStreams(ins []ingest.Input, stdin io.Reader, twice bool) (out []ingest.Input, cleanup func()) {
	out = append([]ingest.Input(nil), ins...)
	var spools []*spool
	for i, in := range out {
		if in.Opener != nil {
			continue
		}
		var open func() (io.ReadCloser, error)
		if in.Path == "" {
			open = func() (io.ReadCloser, error) { return io.NopCloser(stdin), nil }
		} else if fi, err := os.Stat(in.Path); twice && err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
			path := in.Path
			open = func() (io.ReadCloser, error) { return os.Open(path) }
		}
		if open == nil {
			continue
		}
		if !twice {
			out[i].Opener = open
			continue
		}
		sp := &spool{name: in.Name, src: open, limit: maxSpool}
		spools = append(spools, sp)
		out[i].Opener = sp.open
	}
	return out, func() {
		for _, sp := range spools {
			sp.drop()
		}
	}
}

// spool is a stream read once: the first open reads it and copies it into
// a temporary file, every later open reads the copy. An interrupted read
// may still be running when the copy is dropped, hence the lock.
type spool struct {
	mu      sync.Mutex
	name    string
	src     func() (io.ReadCloser, error)
	limit   int64
	opened  bool
	r       io.ReadCloser // the stream, while the first pass reads it
	f       *os.File      // the copy
	n       int64
	err     error // why the copy is incomplete
	eof     bool  // the copy is complete
	dropped bool
}

func (s *spool) open() (io.ReadCloser, error) {
	s.mu.Lock()
	first := !s.opened
	s.opened = true
	s.mu.Unlock()
	if first {
		// Not under the lock: opening a FIFO waits for a writer.
		r, err := s.src()
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.err = err
			return nil, err
		}
		if s.dropped {
			r.Close()
			return nil, fmt.Errorf("%s: opened too late", s.name)
		}
		f, err := os.CreateTemp("", "honeyreport-stream-*")
		if err != nil {
			r.Close()
			s.err = fmt.Errorf("%s: keep a copy: %w", s.name, err)
			return nil, s.err
		}
		s.r, s.f = r, f
		return s, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return nil, s.err
	case !s.eof:
		return nil, fmt.Errorf("%s: not read to its end, so not read again", s.name)
	}
	return os.Open(s.f.Name())
}

// Close ends the first pass.
func (s *spool) Close() error { return s.r.Close() }

// Read reads the stream, copying what it reads.
func (s *spool) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil && s.err == nil {
		s.err = fmt.Errorf("%s: copy dropped", s.name)
	}
	if s.err == nil && n > 0 {
		if s.n += int64(n); s.n > s.limit {
			s.err = fmt.Errorf("%s: more than %d GiB, too much to keep for a second pass; give a file instead", s.name, s.limit>>30)
		} else if _, werr := s.f.Write(p[:n]); werr != nil {
			s.err = fmt.Errorf("%s: keep a copy: %w", s.name, werr)
		}
		if s.err != nil {
			s.dropLocked()
		}
	}
	if err == io.EOF {
		s.eof = true
	}
	return n, err
}

// drop removes the copy.
func (s *spool) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked()
}

func (s *spool) dropLocked() {
	s.dropped = true
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
		s.f = nil
	}
}

// startCPUProfile profiles the run into memory; stop writes the profile
// through the output writer, like every other output.
func startCPUProfile(path string, stdout io.Writer) (stop func() error, err error) {
	var buf bytes.Buffer
	if err := pprof.StartCPUProfile(&buf); err != nil {
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return output.Write(path, stdout, func(w io.Writer) error {
			_, err := w.Write(buf.Bytes())
			return err
		})
	}, nil
}

// reportOptions are the report's settings from the flags, the notes file
// and SOURCE_DATE_EPOCH.
func reportOptions(f *reportFlags, e *env) (report.Options, error) {
	genTime, err := generationTime(e.getenv)
	if err != nil {
		return report.Options{}, err
	}
	notes, err := readNotes(f.notes)
	if err != nil {
		return report.Options{}, err
	}
	hint := "Run honeyreport with --export events.csv for every event."
	if f.exportOut != "" {
		hint = "Every event is in " + filepath.Base(f.exportOut) + "."
	} else if f.siteDir != "" {
		// Not "beside this page": latest/ holds a copy of the report.
		hint = "Every event is in " + site.EventsFile + " in this period's folder of the site."
		if name := f.sitePeriod(nil); name != "" {
			hint = "Every event is in " + site.ReportsDir + "/" + name + "/" + site.EventsFile + " in the site."
		}
	}
	return report.Options{
		Title: f.title, GeneratedAt: genTime, ToolVersion: toolVersion(), MaxEventRows: f.maxRows,
		NotesMarkdown: notes, AllowNotesHTML: f.notesHTML, ExportHint: hint,
	}, nil
}

// readNotes reads the --notes file, if any.
func readNotes(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read notes: %w", err)
	}
	return b, nil
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
