package email

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/internal/hostile"
	"github.com/honeyreport/honeyreport/report"
)

var fixedTime = time.Date(2022, 2, 1, 6, 0, 0, 0, time.UTC)

// injections try to end a header line or a MIME part from a value.
var injections = []string{
	"devtest\r\nBcc: victim@evil.example",
	"x\nContent-Type: text/html\n\n<script>alert(1)</script>",
	"--hr-0\r\n--boundary--",
	"=?utf-8?q?=0D=0ABcc:_evil@evil.example?=",
}

// testReport builds a report of a week of alerts from five sources in
// three countries, one write and one authenticated principal; with
// hostile true every string from the logs and enrichment is a payload.
func testReport(t testing.TB, hostileStrings bool) *report.Report {
	t.Helper()
	strs := func(i int, s string) string {
		if !hostileStrings {
			return s
		}
		all := append(hostile.Strings(), injections...)
		return all[i%len(all)]
	}
	agg := aggregate.New(aggregate.Options{})
	var profiles []*enrich.Profile
	places := []struct {
		cc, name string
		lat, lon float64
	}{{"US", "United States", 37.8, -97.8}, {"NL", "Netherlands", 52.4, 4.9}, {"CN", "China", 30.6, 114.3}}
	for i := range 5 {
		addr := netip.MustParseAddr(fmt.Sprintf("203.0.113.%d", 10+i))
		p := places[i%len(places)]
		prof := &enrich.Profile{Addr: addr, Class: enrich.ClassPublic,
			Geo: enrich.Geo{CountryCode: p.cc, CountryName: strs(i, p.name), Lat: p.lat, Lon: p.lon, Source: "test"},
			ASN: enrich.ASN{Number: uint32(64500 + i), Org: strs(i+1, "Example Hosting"), Source: "test"}}
		if i == 1 {
			prof.Threat = []enrich.Verdict{{Provider: "feed", Severity: enrich.SeverityHigh, Score: 90, Categories: []string{strs(i+2, "scanner")}}}
		}
		profiles = append(profiles, prof)
		for k := range 3 + 4*i {
			e := ingest.Event{
				Time: fixedTime.Add(-time.Duration(k*7+i) * 3 * time.Hour), Source: addr, Weight: 1,
				UserAgent: strs(i+k, fmt.Sprintf("aws-cli/2.%d.0 Python/3.11", i)), Op: ingest.OpListObjects,
				Bucket: strs(k, "microsoft-devtest"), Key: strs(k+3, "backup.sql"), Format: ingest.FormatCloudTrail,
				Pos: ingest.Pos{File: "logs/trail.json", Line: k + 1},
			}
			if k%3 == 1 {
				e.Op = ingest.OpGetObject
			}
			if i == 2 && k == 0 {
				e.Op, e.ErrorCode = ingest.OpPutObject, strs(5, "AccessDenied")
				e.Identity = ingest.Identity{Type: "IAMUser", AccountID: "123456789012", ARN: strs(6, "arn:aws:iam::123456789012:user/ci")}
			}
			agg.Add(&e)
		}
	}
	// The week before: fewer alerts, from one source not seen since.
	prev := aggregate.New(aggregate.Options{})
	for k := range 6 {
		e := ingest.Event{Time: fixedTime.Add(-time.Duration(20*24+k) * time.Hour), Source: netip.MustParseAddr("198.51.100.7"), Weight: 1,
			UserAgent: "curl/8.0", Op: ingest.OpListObjects, Bucket: "microsoft-devtest", Format: ingest.FormatCloudTrail}
		prev.Add(&e)
	}
	profiles = append(profiles, &enrich.Profile{Addr: netip.MustParseAddr("198.51.100.7"), Class: enrich.ClassPublic,
		Geo: enrich.Geo{CountryCode: "DE", CountryName: strs(3, "Germany")}})
	sum := agg.Summary()
	sum.Previous = prev.Summary()
	return report.Build(report.Input{
		Summary: sum, Profiles: enrich.NewProfiles(profiles...), ThreatIntel: []string{"feed"},
		Options: report.Options{Title: strs(0, "Honeybucket report: microsoft-devtest"), GeneratedAt: fixedTime, ToolVersion: "v0.0.0-test"},
	})
}

// testImages draws the digest's charts of rep.
func testImages(t testing.TB, rep *report.Report) []Image {
	t.Helper()
	a, err := assets.Load()
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.NewRaster(a.WorldMap)
	if err != nil {
		t.Fatal(err)
	}
	images, err := ChartImages(rep, r)
	if err != nil {
		t.Fatal(err)
	}
	return images
}
