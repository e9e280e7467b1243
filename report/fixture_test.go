package report

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/internal/hostile"
)

var fixedTime = time.Date(2022, 3, 1, 12, 0, 0, 0, time.UTC)

// ev builds an event with the fields most tests vary.
func ev(t string, ip, ua string, op ingest.Operation) ingest.Event {
	tm, err := time.Parse(time.RFC3339, t)
	if err != nil {
		panic(err)
	}
	e := ingest.Event{Time: tm, UserAgent: ua, Op: op, Bucket: "honey-bucket", Weight: 1, Format: ingest.FormatCloudTrail,
		Identity: ingest.Identity{AccountID: "ANONYMOUS_PRINCIPAL"}}
	if a, err := netip.ParseAddr(ip); err == nil {
		e.Source = a
	} else {
		e.SourceText = ip
	}
	return e
}

func summarize(events []ingest.Event, inputs ...*ingest.Stats) *aggregate.Summary {
	agg := aggregate.New(aggregate.Options{})
	for i := range events {
		events[i].Pos = ingest.Pos{File: "logs/trail.json", Line: i + 1}
		agg.Add(&events[i])
	}
	s := agg.Summary()
	s.Inputs = inputs
	return s
}

func uaFamily(ua string) string { return enrich.ClassifyUserAgent(ua).Family }

func profile(ip, cc, country string, lat, lon float64, asn uint32, org string, verdicts ...enrich.Verdict) *enrich.Profile {
	a := netip.MustParseAddr(ip)
	return &enrich.Profile{
		Addr: a, Class: enrich.ClassPublic,
		Geo:    enrich.Geo{CountryCode: cc, CountryName: country, Lat: lat, Lon: lon, Source: "test"},
		ASN:    enrich.ASN{Number: asn, Org: org, Hosting: asn == 14061, Source: "test"},
		Threat: verdicts,
	}
}

// smallInput is a tidy, realistic fixture for the golden file.
func smallInput() Input {
	const (
		boto = "Boto3/1.20.24 Python/3.9.7 Linux/5.10.0 Botocore/1.23.24"
		cli  = "aws-cli/2.4.6 Python/3.8.8 Linux/5.4.0 exe/x86_64.ubuntu.20 prompt/off command/s3.ls"
		curl = "curl/7.68.0"
	)
	events := []ingest.Event{
		ev("2022-01-03T08:15:00Z", "198.51.100.7", boto, ingest.OpListObjects),
		ev("2022-01-03T08:15:02Z", "198.51.100.7", boto, ingest.OpGetObject),
		ev("2022-01-09T22:40:00Z", "203.0.113.50", cli, ingest.OpListObjects),
		ev("2022-01-17T03:05:00Z", "192.0.2.33", curl, ingest.OpHeadBucket),
		ev("2022-02-01T14:00:00Z", "198.51.100.7", boto, ingest.OpListObjects),
		ev("2022-02-02T14:30:00Z", "2001:db8::1", cli, ingest.OpGetObject),
		ev("2022-02-10T09:00:00Z", "203.0.113.50", cli, ingest.OpPutObject),
		ev("2022-02-11T10:00:00Z", "s3.amazonaws.com", "AWS Internal", ingest.OpGetObject),
	}
	events[1].Key = "backup/db.sql.gz"
	events[1].ErrorCode = "AccessDenied"
	events[6].Key = "README.txt"
	events[6].ErrorCode = "AccessDenied"
	events[6].Identity = ingest.Identity{Type: "IAMUser", AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:user/mallory", UserName: "mallory"}
	events[0].Weight = 3
	st := &ingest.Stats{File: "logs/trail.json", Format: ingest.FormatCloudTrail, Events: int64(len(events)), Skipped: 1,
		Reasons: map[string]int64{"bad time": 1}, Bytes: 12345, SHA256: strings.Repeat("ab", 32),
		Errors: []*ingest.SyntaxError{{File: "logs/trail.json", Line: 9, Reason: "bad time", Msg: `bad eventTime "yesterday"`}}}
	return Input{
		Summary: summarize(events, st),
		Profiles: enrich.NewProfiles(
			profile("198.51.100.7", "NL", "Netherlands", 52.37, 4.89, 14061, "DIGITALOCEAN-ASN",
				enrich.Verdict{Provider: "otx", Severity: enrich.SeverityHigh, Score: 7, Categories: []string{"scanner", "malware"}, Reference: "https://otx.alienvault.com/indicator/ip/198.51.100.7"}),
			profile("203.0.113.50", "US", "United States", 37.75, -97.82, 16509, "AMAZON-02"),
			profile("192.0.2.33", "CN", "China", 35.0, 103.0, 4134, "CHINANET-BACKBONE"),
			profile("2001:db8::1", "DE", "Germany", 51.2, 10.4, 3320, "Deutsche Telekom AG"),
		),
		Statuses:    []enrich.Status{{Source: "otx", Queried: 4, FromCache: 1, Succeeded: 4, Duration: 1500 * time.Millisecond}},
		Sources:     []enrich.SourceInfo{{Name: "embedded-asn", Kind: "asn", Version: "@ip-location-db/asn@2.3", BuildDate: fixedTime, Licence: "CC-BY-4.0", Attribution: "ASN data: ip-location-db", URL: "https://db-ip.com", Embedded: true}},
		ThreatIntel: []string{"otx"},
		UAFamily:    uaFamily,
		Options: Options{Title: "Honeybucket report", GeneratedAt: fixedTime, ToolVersion: "v0.0.0-test", ExportHint: "Every event is in events.csv beside this page.",
			NotesMarkdown: []byte("Seen after the **January** leak. See [the runbook](https://example.com/runbook).\n")},
	}
}

// Payloads put into every attacker- or third-party-controlled field.
var payloads = hostile.Strings()

// hostileInput puts payloads in every field that reaches the report, plus
// a 1 MB user agent and invalid UTF-8.
func hostileInput() Input {
	huge := strings.Repeat("A", 1<<20) + "<script>window.__pwned=6</script>"
	var events []ingest.Event
	var profiles []*enrich.Profile
	for i, p := range payloads {
		ip := fmt.Sprintf("198.51.100.%d", i+1)
		e := ev(fmt.Sprintf("2022-01-%02dT%02d:00:00Z", i+1, i), ip, p, ingest.Operation(p))
		e.Bucket, e.Key, e.Prefix, e.Params, e.ErrorCode, e.ErrorMessage = p, p, p, p, p, p
		e.Identity = ingest.Identity{Type: p, AccountID: p, ARN: p, UserName: p, PrincipalID: p}
		e.AlertUserAgent = p
		events = append(events, e, e)
		profiles = append(profiles, &enrich.Profile{
			Addr: e.Source, Class: enrich.IPClass(p),
			Geo:   enrich.Geo{CountryCode: p, CountryName: p, City: p, Lat: float64(i*10 - 40), Lon: float64(i*25 - 150)},
			ASN:   enrich.ASN{Number: uint32(64500 + i), Org: p},
			Whois: &enrich.Whois{NetName: p, Org: p},
			Threat: []enrich.Verdict{{Provider: p, Severity: enrich.SeverityHigh, Score: 99, Categories: []string{p, p},
				Reference: p}},
		})
	}
	// The window before, for the What changed section: its operations,
	// errors, principals and sources are gone quiet now.
	var prev []ingest.Event
	for i, p := range payloads {
		ip := fmt.Sprintf("198.51.100.%d", 100+i)
		e := ev("2021-12-01T00:00:00Z", ip, p, ingest.Operation(p+" old"))
		e.ErrorCode = p + " old"
		e.Identity = ingest.Identity{Type: p, AccountID: p + " old"}
		prev = append(prev, e)
		profiles = append(profiles, &enrich.Profile{Addr: e.Source, Geo: enrich.Geo{CountryCode: p + " old", CountryName: p},
			ASN: enrich.ASN{Number: uint32(64600 + i), Org: p}})
	}
	events = append(events, ev("2022-01-20T10:00:00Z", "198.51.100.200", huge, ingest.OpPutObject))
	events = append(events, ev("2022-01-21T10:00:00Z", "</script><b>svc</b>", payloads[0], ingest.OpGetObject))
	events[len(events)-1].Key = huge
	st := &ingest.Stats{File: payloads[1], Format: ingest.Format(payloads[2]), Events: int64(len(events)), Skipped: 2,
		Reasons: map[string]int64{payloads[0]: 1, payloads[5]: 1}, SHA256: payloads[3],
		Errors: []*ingest.SyntaxError{{File: payloads[1], Line: 3, Reason: payloads[0], Msg: payloads[2]}},
		Err:    fmt.Errorf("stopped: %s", payloads[4])}
	sum := summarize(events, st)
	sum.Previous = summarize(prev)
	return Input{
		Summary:     sum,
		Profiles:    enrich.NewProfiles(profiles...),
		Statuses:    []enrich.Status{{Source: payloads[0], Queried: 1, Failed: 1, Err: payloads[2]}},
		Sources:     []enrich.SourceInfo{{Name: payloads[0], Kind: enrich.DBKind(payloads[1]), Version: payloads[2], Licence: payloads[3], Attribution: payloads[5], URL: payloads[3]}},
		ThreatIntel: []string{payloads[0]},
		UAFamily:    uaFamily,
		Options: Options{Title: payloads[0], GeneratedAt: fixedTime, ToolVersion: payloads[1], ExportHint: payloads[2],
			NotesMarkdown: []byte("Notes: [click](javascript:alert(1)) ![img](http://evil.example/n.png) <script>window.__pwned=7</script> <img src=http://evil.example/m.png> <https://ok.example/a> <javascript:alert(1)>\n")},
	}
}
