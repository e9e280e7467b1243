package enrich

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"os"
	"strings"

	"go4.org/netipx"

	"github.com/honeyreport/honeyreport/output"
)

// maxFeedBytes caps a downloaded feed; the largest common lists (FireHOL
// level 4, Spamhaus DROP) are a few MiB.
const maxFeedBytes = 64 << 20

// Feed is one parsed blocklist: a set of addresses and prefixes with the
// name and severity the config gave it.
type Feed struct {
	Name     string
	Severity Severity
	Path     string
	// Entries is the number of addresses, prefixes and ranges read;
	// Skipped counts lines that held none.
	Entries, Skipped int
	set              *netipx.IPSet
}

// Feeds matches addresses against local blocklists, offline.
// Safe for concurrent use once loaded.
type Feeds struct {
	list []*Feed
}

// LoadFeeds reads every feed in cfg that has a Path. A feed file that is
// missing or holds no entries is an error naming it; the other feeds still
// load, so the caller can report the error and carry on.
func LoadFeeds(cfg []FeedConfig) (*Feeds, error) {
	fs := &Feeds{}
	var errs []error
	for _, fc := range cfg {
		if fc.Path == "" {
			errs = append(errs, fmt.Errorf("feed %q: no path", fc.Name))
			continue
		}
		f, err := LoadFeed(fc.Name, fc.Path, fc.severity())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fs.list = append(fs.list, f)
	}
	return fs, errors.Join(errs...)
}

// LoadFeed reads one feed file.
func LoadFeed(name, path string, sev Severity) (*Feed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("feed %q: %w", name, err)
	}
	f, err := ParseFeed(name, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("feed %q: %s: %w", name, path, err)
	}
	f.Path, f.Severity = path, sev
	return f, nil
}

// ParseFeed reads a blocklist in any of the common formats, detected line
// by line: one address, prefix or "a - b" range per line with "#" or ";"
// comments (plain lists, FireHOL .netset/.ipset, Spamhaus DROP
// "1.10.16.0/20 ; SBL256894"); or CSV, when the first data line has commas,
// using the column whose header names an IP (ip, ip_address, ipaddress,
// address, src_ip, cidr, network, ...) or else the first column that holds
// an address.
func ParseFeed(name string, r io.Reader) (*Feed, error) {
	br := bufio.NewReader(io.LimitReader(r, maxFeedBytes))
	var b netipx.IPSetBuilder
	f := &Feed{Name: name}
	first, err := firstDataLine(br)
	if err != nil {
		return nil, err
	}
	if strings.Contains(first, ",") {
		if err := parseFeedCSV(io.MultiReader(strings.NewReader(first+"\n"), br), &b, f); err != nil {
			return nil, err
		}
	} else {
		sc := bufio.NewScanner(io.MultiReader(strings.NewReader(first+"\n"), br))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if i := strings.IndexAny(line, "#;"); i >= 0 {
				line = line[:i]
			}
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if !addFeedEntry(&b, line) {
				// "a - b" ranges have spaces; anything else keeps only its
				// first field (some lists append a note after the address).
				if fl := strings.Fields(line); len(fl) == 0 || !addFeedEntry(&b, fl[0]) {
					f.Skipped++
					continue
				}
			}
			f.Entries++
		}
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	set, err := b.IPSet()
	if err != nil {
		return nil, err
	}
	if f.Entries == 0 {
		return nil, errors.New("no addresses or prefixes found")
	}
	f.set = set
	return f, nil
}

// firstDataLine returns the first line that is neither blank nor a comment,
// consuming the lines before it.
func firstDataLine(br *bufio.Reader) (string, error) {
	for {
		line, err := br.ReadString('\n')
		t := strings.TrimSpace(line)
		if t != "" && t[0] != '#' && t[0] != ';' {
			return strings.TrimRight(line, "\r\n"), nil
		}
		if err == io.EOF {
			return "", errors.New("no addresses or prefixes found")
		}
		if err != nil {
			return "", err
		}
	}
}

var feedIPColumns = []string{"ip", "ip_address", "ipaddress", "ip address", "address", "addr", "src_ip", "source_ip", "source ip", "ipv4", "ip_str", "cidr", "network", "prefix", "indicator"}

func parseFeedCSV(r io.Reader, b *netipx.IPSetBuilder, f *Feed) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	cr.LazyQuotes = true
	col := -1
	for row := 0; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("csv: %w", err)
		}
		if row == 0 {
			for i, h := range rec {
				for _, want := range feedIPColumns {
					if strings.EqualFold(strings.TrimSpace(h), want) {
						if col < 0 {
							col = i
						}
					}
				}
			}
			if col >= 0 {
				continue // a header
			}
			for i, v := range rec {
				if isFeedEntry(v) {
					col = i
					break
				}
			}
			if col < 0 {
				continue // an unrecognised header; look at the next row
			}
		}
		if col < 0 {
			for i, v := range rec {
				if isFeedEntry(v) {
					col = i
					break
				}
			}
		}
		if col < 0 || col >= len(rec) || !addFeedEntry(b, strings.TrimSpace(rec[col])) {
			f.Skipped++
			continue
		}
		f.Entries++
	}
}

func isFeedEntry(s string) bool {
	var b netipx.IPSetBuilder
	return addFeedEntry(&b, strings.TrimSpace(s))
}

func addFeedEntry(b *netipx.IPSetBuilder, s string) bool {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return false
		}
		b.AddPrefix(p.Masked())
		return true
	}
	if i := strings.IndexByte(s, '-'); i > 0 {
		r := parseWhoisRange(s)
		if !r.IsValid() {
			return false
		}
		b.AddRange(r)
		return true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	b.Add(a.Unmap())
	return true
}

// List returns the loaded feeds, in config order.
func (fs *Feeds) List() []*Feed {
	if fs == nil {
		return nil
	}
	return fs.list
}

// Contains reports whether addr is in the feed.
func (f *Feed) Contains(addr netip.Addr) bool {
	return f.set != nil && f.set.Contains(addr.Unmap())
}

// Source names the feed as a threat-intelligence source, in verdicts and
// statuses: "feed:NAME", apart from any provider's name.
func (f *Feed) Source() string { return "feed:" + f.Name }

// Match returns one verdict per feed listing addr, with Provider
// f.Source(), the feed's severity, Score 1 and the feed name as category.
// Reference is empty: a local file has no page to link to.
func (fs *Feeds) Match(addr netip.Addr) []Verdict {
	if fs == nil {
		return nil
	}
	var out []Verdict
	for _, f := range fs.list {
		if f.Contains(addr) {
			out = append(out, Verdict{Provider: f.Source(), Severity: f.Severity, Score: 1, Categories: []string{f.Name}})
		}
	}
	return out
}

// Apply appends each profile's feed verdicts to its Threat list.
func (fs *Feeds) Apply(profiles []*Profile) {
	for _, p := range profiles {
		if p != nil {
			p.Threat = append(p.Threat, fs.Match(p.Addr)...)
		}
	}
}

// FeedUpdate is the outcome of downloading one feed.
type FeedUpdate struct {
	Name    string
	Path    string
	Bytes   int64
	Entries int
	Err     error
}

// UpdateFeeds downloads every feed in cfg that has a URL to its Path. The
// download must parse as a feed before output.WriteFile replaces the old
// file with it, atomically, so a failed or interrupted update leaves the
// old list in place. It returns one FeedUpdate per feed with a URL; the
// error joins the failures.
func UpdateFeeds(ctx context.Context, cfg []FeedConfig, client *http.Client) ([]FeedUpdate, error) {
	if client == nil {
		client = http.DefaultClient
	}
	var out []FeedUpdate
	var errs []error
	for _, fc := range cfg {
		if fc.URL == "" {
			continue
		}
		u := FeedUpdate{Name: fc.Name, Path: fc.Path}
		u.Bytes, u.Entries, u.Err = updateFeed(ctx, fc, client)
		if u.Err != nil {
			u.Err = fmt.Errorf("update feed %q: %w", fc.Name, u.Err)
			errs = append(errs, u.Err)
		}
		out = append(out, u)
		if ctx.Err() != nil {
			break
		}
	}
	return out, errors.Join(errs...)
}

func updateFeed(ctx context.Context, fc FeedConfig, client *http.Client) (int64, int, error) {
	if fc.Path == "" {
		return 0, 0, errors.New("no path to save it to")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fc.URL, nil)
	if err != nil {
		return 0, 0, fmt.Errorf("bad URL: %w", err)
	}
	req.Header.Set("User-Agent", "honeyreport")
	body, _, err := httpFetch(ctx, client, req, nil)
	if err != nil {
		return 0, 0, err
	}
	f, err := ParseFeed(fc.Name, bytes.NewReader(body))
	if err != nil {
		return 0, 0, fmt.Errorf("downloaded file is not a feed: %w", err)
	}
	if err := output.WriteFile(fc.Path, func(w io.Writer) error {
		_, err := w.Write(body)
		return err
	}); err != nil {
		return 0, 0, err
	}
	return int64(len(body)), f.Entries, nil
}
