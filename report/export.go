package report

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/ingest"
)

// ExportFormat is a per-event export format.
type ExportFormat string

const (
	ExportCSV    ExportFormat = "csv"
	ExportNDJSON ExportFormat = "ndjson"
)

// ExportFormatFor picks the export format from a file name's extension.
func ExportFormatFor(name string) (ExportFormat, error) {
	n := strings.ToLower(strings.TrimSuffix(name, ".gz"))
	switch {
	case strings.HasSuffix(n, ".csv"):
		return ExportCSV, nil
	case strings.HasSuffix(n, ".ndjson"), strings.HasSuffix(n, ".jsonl"), strings.HasSuffix(n, ".json"):
		return ExportNDJSON, nil
	}
	return "", fmt.Errorf("cannot tell the export format of %q: name it .csv or .ndjson", name)
}

// exportColumns is the stable column order of the CSV export and the key
// order of the NDJSON export. New columns are only ever appended.
var exportColumns = []string{
	"time", "source_ip", "source_text", "user_agent", "alert_user_agent",
	"operation", "event_type", "bucket", "key", "prefix", "host", "request_parameters",
	"identity_type", "account_id", "principal_id", "arn", "user_name",
	"error_code", "error_message", "attempts", "alert_id", "event_id", "request_id", "alarm_time",
	"format", "file", "line",
	"country", "country_name", "city", "lat", "lon", "asn", "as_org", "ip_class", "hosting",
	"user_agent_family", "severity", "raw_operation", "extra",
}

// EventWriter writes enriched events one per row or line.
type EventWriter struct {
	format   ExportFormat
	bw       *bufio.Writer
	csv      *csv.Writer
	profiles *enrich.Profiles
	uaFamily func(string) string
	families map[string]string
	row      []string
	obj      exportEvent
}

// NewEventWriter returns a writer of events to w in the given format,
// each joined with its address's profile in rep and named a user-agent
// family by rep's classifier (none without one). The events are read
// again by the caller: the model keeps counts, not events. Call Flush at
// the end.
func NewEventWriter(w io.Writer, format ExportFormat, rep *Report) (*EventWriter, error) {
	ew := &EventWriter{format: format, bw: bufio.NewWriterSize(w, 256<<10), families: make(map[string]string)}
	if rep.all != nil {
		ew.profiles, ew.uaFamily = rep.all.store, rep.all.classify
	}
	switch format {
	case ExportCSV:
		ew.csv = csv.NewWriter(ew.bw)
		if err := ew.csv.Write(exportColumns); err != nil {
			return nil, err
		}
		ew.row = make([]string, len(exportColumns))
	case ExportNDJSON:
	default:
		return nil, fmt.Errorf("unknown export format %q", format)
	}
	return ew, nil
}

// Write writes one event.
func (ew *EventWriter) Write(ev *ingest.Event) error {
	q := enrich.Profile{Addr: ev.Source}
	if ev.Source.IsValid() {
		if found, ok := ew.profiles.Lookup(ev.Source); ok {
			q = found
		}
	}
	p := NewIPProfile(&q, false)
	family := ""
	if ew.uaFamily != nil {
		f, ok := ew.families[ev.UserAgent]
		if !ok {
			// Cached per agent: families are computed once per distinct
			// agent, not per event.
			f = ew.uaFamily(ev.UserAgent)
			ew.families[ev.UserAgent] = f
		}
		family = f
	}
	o := &ew.obj
	*o = exportEvent{
		Time: formatTime(ev.Time, time.RFC3339Nano), SourceText: ev.SourceText, UserAgent: ev.UserAgent, AlertUserAgent: ev.AlertUserAgent,
		Operation: string(ev.Op), EventType: ev.EventType, Bucket: ev.Bucket, Key: ev.Key, Prefix: ev.Prefix, Host: ev.Host,
		Params: ev.Params, IdentityType: ev.Identity.Type, AccountID: ev.Identity.AccountID, PrincipalID: ev.Identity.PrincipalID,
		ARN: ev.Identity.ARN, UserName: ev.Identity.UserName, ErrorCode: ev.ErrorCode, ErrorMessage: ev.ErrorMessage,
		Attempts: ev.Weight, AlertID: ev.AlertID, EventID: ev.EventID, RequestID: ev.RequestID, AlarmTime: formatTime(ev.AlarmTime, time.RFC3339Nano),
		Format: string(ev.Format), File: ev.Pos.File, Line: ev.Pos.Line,
		Country: p.Country, CountryName: p.CountryName, City: p.City, Lat: p.Lat, Lon: p.Lon,
		ASN: p.ASN, ASOrg: p.ASOrg, IPClass: p.IPClass, Hosting: p.Hosting,
		UserAgentFamily: family, Severity: p.Severity, RawOperation: ev.RawOp,
	}
	if o.RawOperation == "" {
		o.RawOperation = o.Operation
	}
	if ev.Source.IsValid() {
		o.SourceIP = p.IP
	}
	if ev.Extra != "" {
		o.Extra = extraJSON(ev.ExtraFields())
	}
	if ew.format == ExportNDJSON {
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		ew.bw.Write(b)
		return ew.bw.WriteByte('\n')
	}
	r := ew.row[:0]
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	flt := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', 4, 64)
	}
	// Our own columns (times, numbers, IPs, codes we produce) cannot start
	// a formula; every string that came from a log or a database goes
	// through cell().
	r = append(r, o.Time, o.SourceIP, cell(o.SourceText), cell(o.UserAgent), cell(o.AlertUserAgent),
		cell(o.Operation), cell(o.EventType), cell(o.Bucket), cell(o.Key), cell(o.Prefix), cell(o.Host), cell(o.Params),
		cell(o.IdentityType), cell(o.AccountID), cell(o.PrincipalID), cell(o.ARN), cell(o.UserName),
		cell(o.ErrorCode), cell(o.ErrorMessage), num(int64(o.Attempts)), num(int64(o.AlertID)), cell(o.EventID), cell(o.RequestID), o.AlarmTime,
		o.Format, cell(o.File), num(int64(o.Line)),
		o.Country, cell(o.CountryName), cell(o.City), flt(o.Lat), flt(o.Lon), num(int64(o.ASN)), cell(o.ASOrg), o.IPClass, strconv.FormatBool(o.Hosting),
		cell(o.UserAgentFamily), o.Severity, cell(o.RawOperation), cell(string(o.Extra)))
	return ew.csv.Write(r)
}

// Flush writes any buffered data.
func (ew *EventWriter) Flush() error {
	if ew.csv != nil {
		ew.csv.Flush()
		if err := ew.csv.Error(); err != nil {
			return err
		}
	}
	return ew.bw.Flush()
}

type exportEvent struct {
	Time            string   `json:"time"`
	SourceIP        string   `json:"source_ip,omitempty"`
	SourceText      string   `json:"source_text,omitempty"`
	UserAgent       string   `json:"user_agent"`
	AlertUserAgent  string   `json:"alert_user_agent,omitempty"`
	Operation       string   `json:"operation"`
	EventType       string   `json:"event_type,omitempty"`
	Bucket          string   `json:"bucket,omitempty"`
	Key             string   `json:"key,omitempty"`
	Prefix          string   `json:"prefix,omitempty"`
	Host            string   `json:"host,omitempty"`
	Params          string   `json:"request_parameters,omitempty"`
	IdentityType    string   `json:"identity_type,omitempty"`
	AccountID       string   `json:"account_id,omitempty"`
	PrincipalID     string   `json:"principal_id,omitempty"`
	ARN             string   `json:"arn,omitempty"`
	UserName        string   `json:"user_name,omitempty"`
	ErrorCode       string   `json:"error_code,omitempty"`
	ErrorMessage    string   `json:"error_message,omitempty"`
	Attempts        int      `json:"attempts"`
	AlertID         int      `json:"alert_id,omitempty"`
	EventID         string   `json:"event_id,omitempty"`
	RequestID       string   `json:"request_id,omitempty"`
	AlarmTime       string   `json:"alarm_time,omitempty"`
	Format          string   `json:"format"`
	File            string   `json:"file"`
	Line            int      `json:"line"`
	Country         string   `json:"country,omitempty"`
	CountryName     string   `json:"country_name,omitempty"`
	City            string   `json:"city,omitempty"`
	Lat             *float64 `json:"lat,omitempty"`
	Lon             *float64 `json:"lon,omitempty"`
	ASN             uint32   `json:"asn,omitempty"`
	ASOrg           string   `json:"as_org,omitempty"`
	IPClass         string   `json:"ip_class,omitempty"`
	Hosting         bool     `json:"hosting"`
	UserAgentFamily string   `json:"user_agent_family,omitempty"`
	Severity        string   `json:"severity,omitempty"`
	// RawOperation is the operation as the log wrote it (REST.GET.BUCKET
	// where Operation says ListObjects).
	RawOperation string `json:"raw_operation"`
	// Extra is the input's fields that no column stands for (a label of
	// another dashboard version), as one JSON object, keys in input order.
	Extra json.RawMessage `json:"extra,omitempty"`
}

// extraJSON renders fields as a JSON object, in their order.
func extraJSON(fields []ingest.Field) json.RawMessage {
	b := []byte{'{'}
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		k, _ := json.Marshal(f.Label)
		v, _ := json.Marshal(f.Value)
		b = append(append(append(b, k...), ':'), v...)
	}
	return append(b, '}')
}

// cell makes an untrusted string safe in a CSV cell. Characters that
// could hide or garble text (controls such as NUL and ESC, invalid UTF-8,
// bidirectional overrides) are made visible as the report shows them
// (clean: tab and line breaks become spaces, so a cell is one line; the
// NDJSON export keeps the exact string). A cell that a spreadsheet would
// evaluate as a formula (OWASP "CSV injection": a leading =, +, -, @,
// tab or carriage return) gets a leading apostrophe, which spreadsheets
// show as text.
func cell(s string) string {
	if s == "" {
		return s
	}
	c := clean(s, math.MaxInt)
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + c
	}
	return c
}
