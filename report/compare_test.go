package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/internal/golden"
)

// writeBaseline writes a summary of n IP sources, each with a full
// profile, as --json would, and returns its path.
func writeBaseline(tb testing.TB, n, omitted int) string {
	tb.Helper()
	s := &SummaryJSON{Schema: SummarySchema, GeneratedAt: "2026-11-17T00:00:00Z", IPsOmitted: omitted}
	for i := range n {
		ip := fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		s.IPs = append(s.IPs, IPJSON{IP: ip, Count: int64(n - i), Attempts: int64(n - i), FirstSeen: "2026-11-09T10:00:00Z",
			LastSeen: "2026-11-15T10:00:00Z", TopUserAgent: "python-requests/2.31",
			IPProfile: IPProfile{IP: ip, Country: "NL", CountryName: "Netherlands", City: "Amsterdam", ASN: 64500 + uint32(i%50),
				ASOrg: "Example Hosting B.V.", IPClass: "public", Hosting: true, Severity: "none"}})
	}
	s.Totals.UniqueIPs = n + omitted
	path := filepath.Join(tb.TempDir(), "summary.json")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if err := s.WriteJSON(f); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestReadBaselineCutIPs(t *testing.T) {
	b, err := ReadBaseline(writeBaseline(t, 3, 7))
	if err != nil {
		t.Fatal(err)
	}
	if len(b.ips) != 3 || b.ipsOmitted != 7 || b.totals[2] != 10 {
		t.Errorf("ips %d omitted %d unique %d, want 3, 7, 10", len(b.ips), b.ipsOmitted, b.totals[2])
	}
	if !strings.HasPrefix(b.Label, "summary summary.json") {
		t.Errorf("label %q", b.Label)
	}
	// A source not in a cut list is not called new.
	c := &comparison{base: b}
	c.sets[0].new = []change{{key: "192.0.2.1", now: 1}}
	md := compareFindings(c)
	if !strings.Contains(md, "1 not in the baseline's list") || !strings.Contains(md, "7 quiet sources left out") {
		t.Errorf("findings on a cut baseline:\n%s", md)
	}
}

// BenchmarkReadBaseline loads a baseline summary of 50,000 IP sources
// (issue 15 asks for under 200 ms).
func BenchmarkReadBaseline(b *testing.B) {
	path := writeBaseline(b, 50000, 0)
	fi, _ := os.Stat(path)
	b.SetBytes(fi.Size())
	for b.Loop() {
		if _, err := ReadBaseline(path); err != nil {
			b.Fatal(err)
		}
	}
}

// compareInput is smallInput with the window before it: 198.51.100.7
// returns, 192.0.2.200 and its NoSuchKey errors have gone quiet, and
// the rest is new, including the first write attempt and principal.
func compareInput() Input {
	in := smallInput()
	prev := []ingest.Event{
		ev("2021-12-20T08:00:00Z", "198.51.100.7", "curl/7.68.0", ingest.OpListObjects),
		ev("2021-12-21T08:00:00Z", "198.51.100.7", "curl/7.68.0", ingest.OpListObjects),
		ev("2021-12-22T08:00:00Z", "192.0.2.200", "curl/7.68.0", ingest.OpGetObject),
	}
	prev[2].ErrorCode = "NoSuchKey"
	in.Summary.Previous = summarize(prev)
	return in
}

func TestCompareGolden(t *testing.T) {
	rep := Build(compareInput())
	var md bytes.Buffer
	if err := WriteMarkdown(&md, rep); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "compare.md.golden"), md.Bytes())
	out := render(t, compareInput(), stubAssets)
	start, end := strings.Index(out, `<section id="changed"`), strings.Index(out, `<section id="time"`)
	if start < 0 || end < start {
		t.Fatal("no What changed section before the time section")
	}
	golden.Check(t, filepath.Join("testdata", "compare.html.golden"), []byte(out[start:end]))

	c := NewSummaryJSON(rep, 1).Comparison
	if c == nil {
		t.Fatal("no comparison in the JSON summary")
	}
	s := c.Sources
	if s.NewCount != 3 || s.ReturningCount != 1 || s.GoneQuietCount != 1 || len(s.New) != 1 || s.GoneQuiet[0].Key != "192.0.2.200" {
		t.Errorf("sources %+v: want 3 new (1 listed at --json-max-ips 1), 1 returning, 192.0.2.200 gone", s)
	}
	if !c.FirstWriteAttempt || !c.FirstAuthenticated || len(c.NewPrincipals) != 1 || c.Baseline.Kind != "previous_window" {
		t.Errorf("first write %v, first authenticated %v, new principals %v, kind %q", c.FirstWriteAttempt, c.FirstAuthenticated, c.NewPrincipals, c.Baseline.Kind)
	}
}
