package site

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/output"
	"github.com/honeyreport/honeyreport/report"
)

// The site's layout. Paths are slash-separated and relative to the site
// folder; links in the site use them as they are.
const (
	ReportsDir  = "reports"
	IndexFile   = "index.html"
	LatestFile  = "latest/index.html"
	HistoryFile = "history.json"
	FeedFile    = "feed.xml"
	NoJekyll    = ".nojekyll"

	// The files of a period folder.
	ReportFile  = "index.html"
	SummaryFile = "summary.json"
	EventsFile  = "events.csv.gz"
)

// File is a file of a period: its name in the period's folder and what
// fills it.
type File struct {
	Name  string
	Write func(io.Writer) error
}

// Period is one period to add to a site.
type Period struct {
	// Name is the folder's name, from PeriodName.
	Name string
	// Report and Summary write the HTML report and its JSON summary
	// (report.SummaryJSON.WriteJSON).
	Report, Summary func(io.Writer) error
	// Events writes the events as CSV, stored gzip-compressed as
	// events.csv.gz; nil writes no events file.
	Events func(io.Writer) error
	// Extra are more files for the folder, such as the email digest
	// (digest.html): plain names, none of the three above.
	Extra []File
}

// Options are a site's settings.
type Options struct {
	// Title heads the front page and the feed; "" keeps the site's
	// title (a quiet week names no bucket), or "Honeybucket report".
	Title string
	// GeneratedAt is when the site is updated; the package never reads
	// the clock.
	GeneratedAt time.Time
	ToolVersion string
	// Keep is how many periods to keep, the newest; 0 keeps all.
	Keep   int
	Assets assets.Assets
}

// Result says what Add did.
type Result struct {
	// Written lists the files written, as paths under the site folder.
	Written []string
	// Pruned are the periods removed by Options.Keep.
	Pruned []string
	// Skipped are the period folders left out of the front page, history
	// and feed, each with why ("reports/2026-W40: summary.json: ...").
	Skipped []string
}

// DefaultTitle is a site's title until a run gives one.
const DefaultTitle = "Honeybucket report"

// Add writes p into the site at dir as one folder, reports/NAME/,
// replacing that period's folder whole if it exists (written aside, then
// swapped in) and leaving every other period's files as they are. It
// then prunes to o.Keep periods and rewrites the front page, latest/,
// history.json, feed.xml and .nojekyll from the periods' stored
// summaries.
func Add(dir string, p Period, o Options) (*Result, error) {
	if _, _, ok := ParsePeriod(p.Name); !ok {
		return nil, fmt.Errorf("site %s: %q is not a period name", dir, p.Name)
	}
	if p.Report == nil || p.Summary == nil {
		return nil, fmt.Errorf("site %s: period %s: no report or summary", dir, p.Name)
	}
	files := []File{{ReportFile, p.Report}, {SummaryFile, p.Summary}}
	if p.Events != nil {
		files = append(files, File{EventsFile, gzipped(p.Events)})
	}
	for _, f := range p.Extra {
		if err := checkExtra(f.Name); err != nil {
			return nil, fmt.Errorf("site %s: period %s: %w", dir, p.Name, err)
		}
		files = append(files, f)
	}
	res := &Result{}
	if err := writePeriod(dir, p.Name, files); err != nil {
		return nil, err
	}
	for _, f := range files {
		res.Written = append(res.Written, filepath.Join(dir, ReportsDir, p.Name, f.Name))
	}
	h, err := readHistory(dir, res)
	if err != nil {
		return nil, err
	}
	if o.Keep > 0 && len(h.Periods) > o.Keep {
		for _, e := range h.Periods[o.Keep:] {
			if err := os.RemoveAll(filepath.Join(dir, ReportsDir, e.Period)); err != nil {
				return nil, fmt.Errorf("site %s: prune: %w", dir, err)
			}
			res.Pruned = append(res.Pruned, e.Period)
		}
		h.Periods = h.Periods[:o.Keep]
	}
	if h.ID == "" {
		h.ID = uuidURN("honeyreport site\x00" + o.Title + "\x00" + p.Name + "\x00" + o.GeneratedAt.UTC().Format(time.RFC3339Nano))
	}
	if o.Title != "" || h.Title == "" {
		h.Title = cmp.Or(o.Title, DefaultTitle)
	}
	o.Title = h.Title
	h.Updated = o.GeneratedAt.UTC().Format(time.RFC3339)
	if err := writePages(dir, h, o, res); err != nil {
		return nil, err
	}
	return res, nil
}

// checkExtra refuses an extra file name that is not a plain file name or
// that would replace one of the period's own files.
func checkExtra(name string) error {
	switch {
	case name == "" || name != path.Base(name) || name != filepath.Base(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\:`):
		return fmt.Errorf("extra file %q: not a plain file name", name)
	case name == ReportFile || name == SummaryFile || name == EventsFile:
		return fmt.Errorf("extra file %q: the period's own file", name)
	}
	return nil
}

// gzipped writes what write writes, gzip-compressed. The header holds
// no time or name, so the same events give the same bytes.
func gzipped(write func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		zw := gzip.NewWriter(w)
		if err := write(zw); err != nil {
			return err
		}
		return zw.Close()
	}
}

// writePeriod writes files into a new folder beside reports/NAME and
// swaps it in: a failed or interrupted run leaves the previous folder
// whole, and a reader never sees half of one.
func writePeriod(dir, name string, files []File) error {
	reports := filepath.Join(dir, ReportsDir)
	if err := os.MkdirAll(reports, 0o777); err != nil {
		return fmt.Errorf("site %s: %w", dir, err)
	}
	// Not os.MkdirTemp, which makes the folder private: a site is
	// published, so the folder gets 0777 less the umask, as MkdirAll's.
	tmp := filepath.Join(reports, "."+name+".new-"+rand.Text())
	if err := os.Mkdir(tmp, 0o777); err != nil {
		return fmt.Errorf("site %s: %w", dir, err)
	}
	for _, f := range files {
		if err := output.WriteFile(filepath.Join(tmp, f.Name), f.Write); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("site %s: period %s: %w", dir, name, err)
		}
	}
	final := filepath.Join(reports, name)
	if err := replaceDir(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("site %s: period %s: %w", dir, name, err)
	}
	return nil
}

// History is history.json: the site's periods for machines, newest
// first. Each entry is read from the period's summary.json; its SHA-256
// lets the next run reuse the entry without decoding the summary again.
type History struct {
	Schema string `json:"schema"`
	// ID is the feed's Atom id, made once and kept.
	ID      string  `json:"id"`
	Title   string  `json:"title"`
	Updated string  `json:"updated"`
	Periods []Entry `json:"periods"`
}

// HistorySchema names history.json's schema.
const HistorySchema = "honeyreport.site/v1"

// Entry is one period of History.
type Entry struct {
	Period string `json:"period"`
	// Since and Until are the period's bounds, RFC 3339 UTC; Until is
	// the first instant after it.
	Since       string `json:"since"`
	Until       string `json:"until"`
	Label       string `json:"label"`
	GeneratedAt string `json:"generated_at"`
	// Report is the period's report, relative to the site; Files are
	// the names of all its files.
	Report        string   `json:"report"`
	Files         []string `json:"files"`
	Alerts        int64    `json:"alerts"`
	Attempts      int64    `json:"attempts"`
	UniqueIPs     int      `json:"unique_ips"`
	Countries     int      `json:"countries"`
	ASNs          int      `json:"asns"`
	WriteAttempts int64    `json:"write_attempts"`
	// NewSources counts the sources not in the period's baseline, null
	// when the period was compared with nothing; Baseline says with what.
	NewSources  *int      `json:"new_sources"`
	Baseline    string    `json:"baseline,omitempty"`
	TopCountry  *KeyCount `json:"top_country"`
	TopASN      *KeyCount `json:"top_asn"`
	TIHigh      int       `json:"ti_high"`
	KeyFindings string    `json:"key_findings"`
	// SummarySHA256 is the SHA-256 of the summary.json read.
	SummarySHA256 string `json:"summary_sha256"`
}

// KeyCount is the busiest country or ASN of a period.
type KeyCount struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// summary is the part of a JSON summary a site lists.
type summary struct {
	Schema      string `json:"schema"`
	GeneratedAt string `json:"generated_at"`
	Totals      struct {
		Events    int64 `json:"events"`
		Attempts  int64 `json:"attempts"`
		UniqueIPs int   `json:"unique_ips"`
		Countries int   `json:"countries"`
		ASNs      int   `json:"asns"`
		Writes    int64 `json:"write_attempts"`
	} `json:"totals"`
	KeyFindings string               `json:"key_findings"`
	Countries   []report.CountryJSON `json:"countries"`
	ASNs        []report.ASNJSON     `json:"asns"`
	ThreatIntel struct {
		Findings []struct {
			IP       string `json:"ip"`
			Severity string `json:"severity"`
		} `json:"findings"`
	} `json:"threat_intel"`
	Window     *report.WindowJSON `json:"window"`
	Comparison *struct {
		Baseline struct {
			Label string `json:"label"`
		} `json:"baseline"`
		Sources struct {
			NewCount int `json:"new_count"`
		} `json:"sources"`
	} `json:"comparison"`
}

// readHistory lists the site's periods, newest first, from their
// summaries: an entry of the last history.json is kept when its summary
// is byte for byte the one read, else the summary is decoded. A folder
// without a readable summary is left out and named in res.Skipped.
func readHistory(dir string, res *Result) (*History, error) {
	old := map[string]Entry{}
	h := &History{Schema: HistorySchema}
	if b, err := os.ReadFile(filepath.Join(dir, HistoryFile)); err == nil {
		var last History
		// A damaged history only costs decoding every summary again.
		if json.Unmarshal(b, &last) == nil && last.Schema == HistorySchema {
			h.ID, h.Title = last.ID, last.Title
			for _, e := range last.Periods {
				old[e.Period] = e
			}
		}
	}
	ents, err := os.ReadDir(filepath.Join(dir, ReportsDir))
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", dir, err)
	}
	var names []string
	for _, de := range ents {
		name := de.Name()
		if strings.HasPrefix(name, ".") {
			removeStale(filepath.Join(dir, ReportsDir), name)
			continue
		}
		if _, _, ok := ParsePeriod(name); ok && de.IsDir() {
			names = append(names, name) // the rest is not ours: left alone
		}
	}
	// Decoding is most of the work when the history is lost (about 1.5 ms
	// a summary of 300 sources), so summaries are read side by side.
	entries := make([]Entry, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for i := range next {
				entries[i], errs[i] = readEntry(filepath.Join(dir, ReportsDir, names[i]), old[names[i]])
			}
		})
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, name := range names {
		if errs[i] != nil {
			res.Skipped = append(res.Skipped, path.Join(ReportsDir, name)+": "+errs[i].Error())
			continue
		}
		e := entries[i]
		since, until, _ := ParsePeriod(name)
		e.Period = name
		e.Since, e.Until = since.Format(time.RFC3339), until.Format(time.RFC3339)
		e.Report = path.Join(ReportsDir, name, ReportFile)
		h.Periods = append(h.Periods, e)
	}
	slices.SortFunc(h.Periods, func(a, b Entry) int {
		// Newest first: the latest end, then the latest start. RFC 3339 UTC
		// strings of one layout sort as times.
		return strings.Compare(b.Until+b.Since, a.Until+a.Since)
	})
	return h, nil
}

// removeStale removes what an interrupted Add left in reports/: a
// folder being written or one swapped out.
func removeStale(reports, name string) {
	base := strings.TrimPrefix(name, ".")
	for _, mark := range []string{".new-", ".old-"} {
		if i := strings.Index(base, mark); i > 0 {
			if _, _, ok := ParsePeriod(base[:i]); ok {
				os.RemoveAll(filepath.Join(reports, name))
			}
			return
		}
	}
}

// readEntry reads the entry of the period folder at dir, reusing old when
// the summary is the one old was read from.
func readEntry(dir string, old Entry) (Entry, error) {
	b, err := os.ReadFile(filepath.Join(dir, SummaryFile))
	if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
		err = pe.Err
	}
	if err != nil {
		return Entry{}, fmt.Errorf("%s: %w", SummaryFile, err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return Entry{}, err
	}
	var files []string
	for _, de := range ents {
		if de.Type().IsRegular() && !strings.HasPrefix(de.Name(), ".") {
			files = append(files, de.Name())
		}
	}
	sum := sha256.Sum256(b)
	hash := hex.EncodeToString(sum[:])
	if old.SummarySHA256 == hash {
		old.Files = files
		return old, nil
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		return Entry{}, fmt.Errorf("%s: not a JSON summary: %v", SummaryFile, err)
	}
	if s.Schema != report.SummarySchema {
		return Entry{}, fmt.Errorf("%s: schema %q, want %s", SummaryFile, s.Schema, report.SummarySchema)
	}
	e := Entry{
		GeneratedAt: s.GeneratedAt, Files: files,
		Alerts: s.Totals.Events, Attempts: s.Totals.Attempts, UniqueIPs: s.Totals.UniqueIPs, Countries: s.Totals.Countries,
		ASNs: s.Totals.ASNs, WriteAttempts: s.Totals.Writes, KeyFindings: s.KeyFindings, SummarySHA256: hash,
	}
	if s.Window != nil {
		e.Label = s.Window.Label
	}
	if c := s.Comparison; c != nil {
		n := c.Sources.NewCount
		e.NewSources, e.Baseline = &n, c.Baseline.Label
	}
	if len(s.Countries) > 0 {
		c := s.Countries[0]
		e.TopCountry = &KeyCount{c.Code, c.Name, c.Count}
	}
	if len(s.ASNs) > 0 {
		a := s.ASNs[0]
		e.TopASN = &KeyCount{fmt.Sprintf("AS%d", a.ASN), a.Org, a.Count}
	}
	high := map[string]bool{}
	for _, f := range s.ThreatIntel.Findings {
		if f.Severity == "high" {
			high[f.IP] = true
		}
	}
	e.TIHigh = len(high)
	return e, nil
}

// writePages writes the site's own pages from h.
func writePages(dir string, h *History, o Options, res *Result) error {
	write := func(name string, render func(io.Writer) error) error {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := output.WriteFile(p, render); err != nil {
			return fmt.Errorf("site: %w", err)
		}
		res.Written = append(res.Written, p)
		return nil
	}
	idx := &report.SiteIndex{Title: o.Title, GeneratedAt: o.GeneratedAt, ToolVersion: o.ToolVersion,
		Latest: LatestFile, Feed: FeedFile, History: HistoryFile}
	for _, e := range h.Periods {
		sp := report.SitePeriod{Name: e.Period, Label: e.Label, Href: e.Report, Alerts: e.Alerts, Attempts: e.Attempts,
			UniqueIPs: e.UniqueIPs, NewSources: -1, Writes: e.WriteAttempts, TIHigh: e.TIHigh}
		if e.NewSources != nil {
			sp.NewSources = *e.NewSources
		}
		if c := e.TopCountry; c != nil {
			sp.TopCountry, sp.TopCountryName = c.Key, c.Name
		}
		if a := e.TopASN; a != nil {
			sp.TopASN = strings.TrimSpace(a.Key + " " + a.Name)
		}
		for _, f := range e.Files {
			if f != ReportFile {
				sp.Files = append(sp.Files, report.SiteFile{Name: f, Href: path.Join(ReportsDir, e.Period, f)})
			}
		}
		idx.Periods = append(idx.Periods, sp)
	}
	if err := write(IndexFile, func(w io.Writer) error { return report.WriteSiteHTML(w, idx, o.Assets) }); err != nil {
		return err
	}
	if len(h.Periods) > 0 {
		// A copy, not a redirect: the newest report at a fixed address,
		// with no script and no meta refresh, on Pages and from file://.
		// Its links are fragments, so it works one folder down.
		latest, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(h.Periods[0].Report)))
		if err != nil {
			return fmt.Errorf("site %s: latest: %w", dir, err)
		}
		if err := write(LatestFile, func(w io.Writer) error { _, err := w.Write(latest); return err }); err != nil {
			return err
		}
	}
	if err := write(HistoryFile, func(w io.Writer) error {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(h); err != nil {
			return err
		}
		_, err := w.Write(b.Bytes())
		return err
	}); err != nil {
		return err
	}
	if err := write(FeedFile, func(w io.Writer) error { return writeFeed(w, h) }); err != nil {
		return err
	}
	// Pages would run Jekyll over the folder without it.
	return write(NoJekyll, func(io.Writer) error { return nil })
}

// Previous returns the summary.json of the period in the site at dir
// that ends last at or before since (of two ending together, the
// shorter): what a period starting at since compares with.
func Previous(dir string, since time.Time) (string, bool) {
	ents, err := os.ReadDir(filepath.Join(dir, ReportsDir))
	if err != nil {
		return "", false
	}
	var best string
	var bestSince, bestUntil time.Time
	for _, de := range ents {
		s, u, ok := ParsePeriod(de.Name())
		if !ok || u.After(since) || best != "" && (u.Before(bestUntil) || u.Equal(bestUntil) && !s.After(bestSince)) {
			continue
		}
		p := filepath.Join(dir, ReportsDir, de.Name(), SummaryFile)
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		best, bestSince, bestUntil = p, s, u
	}
	return best, best != ""
}

// Paths lists the files Add writes for the period name, as paths under
// dir: the period's report, summary and events, and the site's pages.
// main checks them with the other outputs before reading.
func Paths(dir, name string) []string {
	var out []string
	if name != "" {
		for _, f := range []string{ReportFile, SummaryFile, EventsFile} {
			out = append(out, filepath.Join(dir, ReportsDir, name, f))
		}
	}
	for _, f := range []string{IndexFile, LatestFile, HistoryFile, FeedFile, NoJekyll} {
		out = append(out, filepath.Join(dir, filepath.FromSlash(f)))
	}
	return out
}
