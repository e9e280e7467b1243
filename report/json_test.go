package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestSummaryJSONRendersModel: the JSON summary says what the report
// says, because it is rendered from the same model. User agents the
// classifier cannot name are counted as "Other" in both.
func TestSummaryJSONRendersModel(t *testing.T) {
	in := smallInput()
	in.UAFamily = func(ua string) string {
		if strings.HasPrefix(ua, "curl") {
			return "" // unknown
		}
		return uaFamily(ua)
	}
	rep := Build(in)
	s := NewSummaryJSON(rep, DefaultJSONMaxIPs)

	var htmlFam, jsonFam []string
	for _, r := range rep.UAFamilies {
		htmlFam = append(htmlFam, fmt.Sprintf("%s=%d", r.Label.Short, r.Events))
	}
	for _, f := range s.UserAgentFamilies {
		jsonFam = append(jsonFam, fmt.Sprintf("%s=%d", f.Family, f.Count))
	}
	if !slices.Equal(htmlFam, jsonFam) || !slices.Contains(jsonFam, "Other=1") {
		t.Errorf("families: report %v, JSON %v; want equal, with Other=1", htmlFam, jsonFam)
	}

	var htmlCountries, jsonCountries []string
	for _, c := range rep.Countries {
		if c.Code != "" {
			htmlCountries = append(htmlCountries, fmt.Sprintf("%s=%d/%d", c.Code, c.Events, c.IPs))
		}
	}
	for _, c := range s.Countries {
		jsonCountries = append(jsonCountries, fmt.Sprintf("%s=%d/%d", c.Code, c.Count, c.IPs))
	}
	if !slices.Equal(htmlCountries, jsonCountries) || len(jsonCountries) != 4 {
		t.Errorf("countries: report %v, JSON %v", htmlCountries, jsonCountries)
	}
	if s.Totals.ASNs != rep.ASNTotal || s.Totals.UniqueIPs != rep.IPTotal || s.Totals.Events != rep.EventsTotal {
		t.Errorf("JSON totals %+v; report %d ASNs, %d IPs, %d events", s.Totals, rep.ASNTotal, rep.IPTotal, rep.EventsTotal)
	}
	if len(s.ThreatIntel.Findings) != len(rep.Threat.Findings) || s.ThreatIntel.Findings[0].IP != rep.Threat.Findings[0].IP {
		t.Errorf("findings: JSON %+v, report %+v", s.ThreatIntel.Findings, rep.Threat.Findings)
	}
	if s.GeneratedAt != rep.GeneratedAt || s.Tool.Version != rep.ToolVersion {
		t.Errorf("JSON generated %q by %q, report %q by %q", s.GeneratedAt, s.Tool.Version, rep.GeneratedAt, rep.ToolVersion)
	}
}

// TestIPProfileShape: an address's profile has the same keys and values
// in the JSON summary, the NDJSON export and lookup's detailed form.
func TestIPProfileShape(t *testing.T) {
	evs, profiles := exportEvents()
	addr := evs[0].Source
	in := Input{Summary: summarize(evs[:1]), Profiles: profiles}
	rep := Build(in)
	s := NewSummaryJSON(rep, DefaultJSONMaxIPs)
	var summaryIP map[string]any
	decode(t, mustJSON(t, s.IPs[0]), &summaryIP)

	var buf bytes.Buffer
	ew, err := NewEventWriter(&buf, ExportNDJSON, rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := ew.Write(&evs[0]); err != nil {
		t.Fatal(err)
	}
	if err := ew.Flush(); err != nil {
		t.Fatal(err)
	}
	var exported map[string]any
	decode(t, buf.Bytes(), &exported)

	var lookup map[string]any
	p, ok := profiles.Lookup(addr)
	if !ok {
		t.Fatal("no profile for", addr)
	}
	decode(t, mustJSON(t, NewIPProfile(&p, true)), &lookup)

	for _, key := range []string{"country", "country_name", "lat", "lon", "asn", "as_org", "ip_class", "hosting"} {
		if summaryIP[key] == nil || fmt.Sprint(summaryIP[key]) != fmt.Sprint(exported[key]) || fmt.Sprint(summaryIP[key]) != fmt.Sprint(lookup[key]) {
			t.Errorf("%s: summary %v, export %v, lookup %v", key, summaryIP[key], exported[key], lookup[key])
		}
	}
	if lookup["ip"] != "203.0.113.7" || summaryIP["ip"] != lookup["ip"] || exported["source_ip"] != lookup["ip"] {
		t.Errorf("ip: summary %v, export %v, lookup %v", summaryIP["ip"], exported["source_ip"], lookup["ip"])
	}
	if _, ok := summaryIP["region"]; ok {
		t.Error("the summary lists lookup's detail")
	}
	if _, ok := lookup["region"]; !ok {
		t.Error("lookup's profile lacks its detail")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
}

// TestSummaryJSONEmpty: a report of nothing, or one not made by Build,
// still renders a valid summary with empty lists.
func TestSummaryJSONEmpty(t *testing.T) {
	for name, rep := range map[string]*Report{"built": Build(Input{}), "zero": {}} {
		var buf bytes.Buffer
		if err := NewSummaryJSON(rep, 10).WriteJSON(&buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var s SummaryJSON
		decode(t, buf.Bytes(), &s)
		if s.Totals.Events != 0 || s.IPs == nil || s.UserAgentFamilies == nil || s.Schema != SummarySchema {
			t.Errorf("%s: %s", name, buf.Bytes())
		}
	}
}
