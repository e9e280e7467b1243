package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/honeyreport/honeyreport/internal/golden"
)

// The field-loss check: for every input fixture of every format, every
// value the input holds for a record appears in the --export NDJSON of
// that record's event, or in the data-quality diagnostics of its input.
// It knows how to find records and values in each format, and how values
// are normalised (times, addresses, python-dict and JSON text), but
// nothing about any particular field the decoders read: a field dropped
// anywhere, for any reason, fails it. The only exceptions are the fields
// the canonical event deliberately does not carry, named per format in
// notCarried with the reason.

// notCarried lists, per format, the input fields that the canonical event
// does not hold by design.
var notCarried = map[string]map[string]string{
	"cloudtrail": {
		"eventVersion":                  "schema version of the record",
		"eventSource":                   "the filter: only s3.amazonaws.com events are read",
		"awsRegion":                     "the bucket's region, the same for every event of a trail",
		"recipientAccountId":            "the honeybucket owner's account",
		"responseElements":              "AWS's answer, not the attacker's request",
		"readOnly":                      "derived from the operation",
		"managementEvent":               "derived from the operation",
		"eventCategory":                 "Data for every S3 object event",
		"resources":                     "the bucket and key ARNs, repeated from requestParameters",
		"sharedEventID":                 "cross-account delivery ID",
		"vpcEndpointId":                 "the honeybucket's own network path",
		"tlsDetails":                    "TLS version and cipher, not shown",
		"additionalEventData":           "signature and byte counts, not shown",
		"apiVersion":                    "schema version of the API",
		"@version":                      "the exporter's schema version",
		"@timestamp":                    "the exporter's time of ingestion; the event's time only when eventTime is absent",
		"userIdentity.accessKeyId":      "not shown: the principal is",
		"userIdentity.sessionContext":   "session attributes, not shown: the principal is",
		"userIdentity.invokedBy":        "the AWS service that made the call for the principal",
		"sessionCredentialFromConsole":  "console session flag",
		"requestParameters":             "kept whole as request_parameters",
		"userIdentity.identityProvider": "web identity federation detail",
	},
	"athena-cloudtrail": {
		"eventsource": "the filter: only s3.amazonaws.com events are read",
	},
	"s3-access": {
		"owner":            "the honeybucket owner's canonical ID",
		"operation":        "normalised into operation (REST.GET.OBJECT is GetObject)",
		"status":           "HTTP status, implied by the error code",
		"bytes sent":       "not shown",
		"object size":      "not shown",
		"total time":       "not shown",
		"turn-around time": "not shown",
		"referer":          "not shown",
		"version id":       "not shown",
		"host id":          "AWS's internal request ID",
		"signature":        "signature version, not shown",
		"cipher":           "TLS cipher, not shown",
		"auth type":        "not shown",
		"tls version":      "not shown",
		"access point arn": "not shown",
		"acl required":     "not shown",
	},
}

// knownLoss lists, per format, the fields that are still lost: logged,
// not failed, and the check fails when one no longer is, so that the list
// only shrinks.
var knownLoss = map[string]map[string]string{
	"s3-access": {
		"field 27": "fields AWS adds after \"acl required\" are not read (ingest/s3access.go)",
		"field 28": "fields AWS adds after \"acl required\" are not read (ingest/s3access.go)",
	},
	"breachinsider-csv": {
		"Comment": "columns the export does not have are not read (ingest/breachcsv.go)",
	},
}

var knownLossHits = struct {
	sync.Mutex
	seen map[string]bool
}{seen: map[string]bool{}}

func knownLossSeen(format, field string) {
	knownLossHits.Lock()
	knownLossHits.seen[format+"/"+field] = true
	knownLossHits.Unlock()
}

// s3FieldNames names the S3 server access log fields in order.
var s3FieldNames = []string{"owner", "bucket", "time", "remote ip", "requester", "request id", "operation", "key",
	"request uri", "status", "error code", "bytes sent", "object size", "total time", "turn-around time", "referer",
	"user agent", "version id", "host id", "signature", "cipher", "auth type", "host header", "tls version",
	"access point arn", "acl required"}

// record is one record of an input: where it starts, its event ID when
// the format has one, and its named values.
type record struct {
	line    int
	eventID string
	fields  []recordField
}

type recordField struct{ name, value string }

func TestNoFieldLost(t *testing.T) {
	var inputs []string
	for _, pattern := range []string{"ingest/testdata/*/*", "testdata/*", "../shared/data/*"} {
		m, _ := filepath.Glob(pattern)
		for _, name := range m {
			if fi, err := os.Stat(name); err != nil || fi.IsDir() {
				continue
			}
			switch ext := filepath.Ext(name); ext {
			case ".txt", ".csv", ".json", ".ndjson", ".log":
				if strings.HasPrefix(filepath.Base(name), "LICENSE") {
					continue
				}
				inputs = append(inputs, name)
			}
		}
	}
	if len(inputs) < 20 {
		t.Fatalf("only %d fixtures found: %v", len(inputs), inputs)
	}
	t.Run("inputs", func(t *testing.T) {
		for _, in := range inputs {
			t.Run(strings.ReplaceAll(in, "/", "_"), func(t *testing.T) {
				t.Parallel()
				checkNoFieldLost(t, in)
			})
		}
	})
	for format, fields := range knownLoss {
		for field := range fields {
			if !knownLossHits.seen[format+"/"+field] {
				t.Errorf("%s field %q is listed as lost and no longer is: remove it from knownLoss", format, field)
			}
		}
	}
}

func checkNoFieldLost(t *testing.T, in string) {
	dir := t.TempDir()
	export, summary := filepath.Join(dir, "e.ndjson"), filepath.Join(dir, "s.json")
	_, stderr, code := runCmd(t, fixedEpoch, "report", in, "-o", filepath.Join(dir, "r.html"), "--export", export, "--json", summary, "--no-system-geoip", "-q")
	if code != 0 {
		// An input with nothing usable fails as a whole, naming itself.
		if !strings.Contains(stderr, filepath.Base(in)) {
			t.Fatalf("exit %d without naming the input: %s", code, stderr)
		}
		return
	}
	sum := readSummaryJSON(t, summary)
	if len(sum.Inputs) != 1 {
		t.Fatalf("%d inputs in the summary", len(sum.Inputs))
	}
	st := sum.Inputs[0]
	events := readExport(t, export)
	text, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var recs []record
	switch st.Format {
	case "breachinsider":
		recs = dumpRecords(text)
	case "breachinsider-csv":
		recs = csvRecords(t, text)
	case "athena-cloudtrail":
		recs = csvRecords(t, text)
		for i := range recs {
			recs[i].fields = slices.DeleteFunc(recs[i].fields, func(f recordField) bool { return notCarried[st.Format][f.name] != "" })
		}
	case "cloudtrail":
		recs = cloudTrailRecords(text)
	case "s3-access":
		recs = s3Records(text)
	default:
		t.Fatalf("format %q: no record reader in the field-loss check", st.Format)
	}
	if len(recs) == 0 {
		t.Fatalf("no records found in %s", in)
	}
	// Diagnostics by line; those without a line concern the whole input.
	problems := map[int][]string{}
	for _, p := range st.Problems {
		if m := regexp.MustCompile(`^.*?:(\d+): (.*)$`).FindStringSubmatch(p); m != nil {
			n, _ := strconv.Atoi(m[1])
			problems[n] = append(problems[n], m[2])
		}
	}
	byID, byLine := map[string]exported{}, map[int]exported{}
	for _, e := range events {
		// Every consumer sees the address the export shows: it must be
		// the one canonical form, whatever the input wrote.
		if a := e.source; a.IsValid() && a != a.Unmap().WithZone("") {
			t.Errorf("%s:%d: source %s is not in canonical form", in, e.line, a)
		}
		if id := e.str["event_id"]; id != "" {
			byID[id] = e
		}
		byLine[e.line] = e
	}
	// A record's diagnostics are those at any of its lines.
	probsOf := func(i int) []string {
		end := 1 << 30
		if i+1 < len(recs) {
			end = recs[i+1].line
		}
		var out []string
		for n, ps := range problems {
			if n >= recs[i].line && n < end {
				out = append(out, ps...)
			}
		}
		return out
	}
	unexported := 0
	for i, rec := range recs {
		e, ok := byID[rec.eventID]
		if rec.eventID == "" || !ok {
			e, ok = byLine[rec.line]
		}
		if !ok {
			// Skipped (with a diagnostic at its line), filtered
			// (counted), or not read after a fatal error (named).
			if len(probsOf(i)) == 0 {
				unexported++
			}
			continue
		}
		probs := probsOf(i)
		for _, f := range rec.fields {
			if placed(f.value, e, probs) {
				continue
			}
			if why, ok := knownLoss[st.Format][f.name]; ok {
				knownLossSeen(st.Format, f.name)
				t.Logf("%s:%d: %s %q lost: %s", in, rec.line, f.name, f.value, why)
				continue
			}
			t.Errorf("%s:%d: %s %q is neither in the export of the event nor in a diagnostic", in, rec.line, f.name, f.value)
		}
	}
	if int64(unexported) > st.Filtered && st.Error == "" {
		t.Errorf("%d records without an event or a diagnostic, %d filtered", unexported, st.Filtered)
	}
}

// exported is one event of the NDJSON export: every string in it (keys of
// the extra fields too), its times, and its line.
type exported struct {
	str     map[string]string
	strings []string
	times   []time.Time
	source  netip.Addr
	line    int
}

func readExport(t *testing.T, path string) []exported {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []exported
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		e := exported{str: map[string]string{}}
		var walk func(k string, v any)
		walk = func(k string, v any) {
			switch v := v.(type) {
			case string:
				e.str[k] = v
				e.strings = append(e.strings, v)
				if tm, err := time.Parse(time.RFC3339Nano, v); err == nil {
					e.times = append(e.times, tm)
				}
			case float64:
				e.strings = append(e.strings, strconv.FormatFloat(v, 'f', -1, 64))
			case map[string]any:
				for k2, v2 := range v {
					e.strings = append(e.strings, k2)
					walk(k+"."+k2, v2)
				}
			}
		}
		for k, v := range o {
			walk(k, v)
		}
		if n, ok := o["line"].(float64); ok {
			e.line = int(n)
		}
		e.source, _ = netip.ParseAddr(e.str["source_ip"])
		out = append(out, e)
	}
	return out
}

var (
	timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999-07:00", "2006-01-02 15:04:05", "02/Jan/2006:15:04:05 -0700"}
	// A python-dict or JSON string that is not a key.
	dictLeaf    = regexp.MustCompile(`'((?:[^'\\]|\\.)*)'\s*([:]?)|"((?:[^"\\]|\\.)*)"\s*([:]?)`)
	alertHeader = regexp.MustCompile(`^(?i:alert)\s*#(\d+)\s*(?:-|–|—|â€.)\s*(.*)$`)
	alertCell   = regexp.MustCompile(`^\s*(\d+)-(\d{4}-.*)$`)
)

// placed reports whether the input value v is in the export e or in one
// of the diagnostics probs, as written or normalised.
func placed(v string, e exported, probs []string) bool {
	v = strings.ToValidUTF8(strings.TrimSpace(v), "\uFFFD")
	if v == "" || v == "-" {
		return true
	}
	for _, s := range e.strings {
		if strings.EqualFold(s, v) || len(v) >= 4 && strings.Contains(s, v) {
			return true
		}
	}
	for _, layout := range timeLayouts {
		if tm, err := time.Parse(layout, v); err == nil {
			for _, et := range e.times {
				if et.Equal(tm) {
					return true
				}
			}
		}
	}
	if a, ok := addr(v); ok && a == e.source {
		return true
	}
	// CloudTrail wraps some user agents in brackets.
	if len(v) > 2 && v[0] == '[' && v[len(v)-1] == ']' && placed(v[1:len(v)-1], e, probs) {
		return true
	}
	// Both list versions are ListObjects in every format.
	if v == "ListObjectsV2" && e.str["operation"] == "ListObjects" {
		return true
	}
	if m := alertHeader.FindStringSubmatch(v); m != nil {
		return placed(m[1], e, probs) && placed(m[2], e, probs)
	}
	if m := alertCell.FindStringSubmatch(v); m != nil {
		return placed(m[1], e, probs) && placed(m[2], e, probs)
	}
	// A diagnostic quotes a value, clipped.
	clipped := v
	if len(clipped) > 60 {
		clipped = clipped[:60]
		for !utf8.ValidString(clipped) {
			clipped = clipped[:len(clipped)-1]
		}
	}
	quoted := strings.Trim(strconv.Quote(clipped), `"`)
	for _, p := range probs {
		if strings.Contains(p, clipped) || strings.Contains(p, quoted) {
			return true
		}
	}
	// Structured text: every value in it, keys aside.
	if strings.HasPrefix(v, "{") {
		leaves := dictLeaf.FindAllStringSubmatch(v, -1)
		for _, m := range leaves {
			if m[2] == ":" || m[4] == ":" {
				continue
			}
			leaf := m[1] + m[3]
			if !placed(leaf, e, probs) && !placed(unescape(leaf), e, probs) {
				return false
			}
		}
		return len(leaves) > 0
	}
	return false
}

func unescape(s string) string {
	if u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `\'`, `'`) + `"`); err == nil {
		return u
	}
	return s
}

// addr reads an address in any of the forms logs write.
func addr(s string) (netip.Addr, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// dumpRecords finds the alerts of a dashboard dump: from one "Alert #"
// line to the next; every line in one that is not a known label is a value.
// (A value that reads as a label, a hostile user agent "User ID", is not
// checked: telling it from a label takes the decoder's own rules.)
func dumpRecords(text []byte) []record {
	labels := map[string]bool{}
	for _, l := range []string{"event id", "event datetime", "event date time", "alarm datetime", "alarm date time", "source ip",
		"request user agent", "repeated attempts", "aws request details", "event type", "event name", "request id",
		"user id", "request parameters", "error code", "error message"} {
		labels[l] = true
	}
	space := regexp.MustCompile(`[ \t\x{a0}]+`)
	// What the dashboard prints below a page's last alert: a pager and a
	// copyright line, no field of any alert.
	dashboardChrome := regexp.MustCompile(`^(Load more|Previous|Next|[0-9]+|Page [0-9]+ of [0-9]+|Showing [0-9]+ to [0-9]+ of [0-9]+ entries|Privacy Policy|Terms of Service|© .*BreachInsider.*)$`)
	var recs []record
	lines := strings.Split(string(text), "\n")
	for i := range lines {
		lines[i] = strings.Trim(lines[i], " \t\r\u00a0\ufeff")
	}
	// The page ends with the dashboard's chrome, if anything.
	footer := len(lines)
	for footer > 0 && (lines[footer-1] == "" || dashboardChrome.MatchString(lines[footer-1])) {
		footer--
	}
	// A header is followed by its alert's first label (or, when the alert
	// is empty, by the next header); a user agent that reads like one is
	// not.
	startsAlert := func(i int) bool {
		if !alertHeader.MatchString(lines[i]) {
			return false
		}
		for _, next := range lines[i+1:] {
			if next != "" {
				return alertHeader.MatchString(next) || regexp.MustCompile(`^(?i:event\s*(id|date\s*time))`).MatchString(next)
			}
		}
		return false
	}
	for i, line := range lines {
		if line == "" {
			continue
		}
		if startsAlert(i) {
			recs = append(recs, record{line: i + 1})
			recs[len(recs)-1].fields = append(recs[len(recs)-1].fields, recordField{"alert header", line})
			continue
		}
		if len(recs) == 0 {
			continue // page header
		}
		if i >= footer {
			break // the dashboard's pager and page footer
		}
		r := &recs[len(recs)-1]
		folded := strings.TrimSpace(strings.TrimSuffix(strings.ToLower(space.ReplaceAllString(line, " ")), ":"))
		if labels[folded] {
			continue
		}
		if m := regexp.MustCompile(`^(?i:event\s*id)\s*:?\s*(.+)$`).FindStringSubmatch(line); m != nil {
			line = m[1]
		}
		r.fields = append(r.fields, recordField{fmt.Sprintf("line %d", i+1), line})
	}
	return recs
}

// csvRecords reads the rows of a BreachInsider CSV export: every cell is a
// value, the header names it.
func csvRecords(t *testing.T, text []byte) []record {
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord, r.LazyQuotes = -1, true
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	var recs []record
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			continue // a malformed row: the decoder reports it
		}
		line, _ := r.FieldPos(0)
		rec := record{line: line}
		for i, cell := range row {
			name := fmt.Sprintf("column %d", i+1)
			if i < len(header) {
				name = strings.TrimSpace(header[i])
			}
			rec.fields = append(rec.fields, recordField{name, cell})
		}
		recs = append(recs, rec)
	}
	return recs
}

// cloudTrailRecords reads the events of a CloudTrail file (Records
// object, array, or one per line): every scalar in an event is a value,
// named by its path, but those notCarried.
func cloudTrailRecords(text []byte) []record {
	var recs []record
	add := func(raw json.RawMessage, line int) {
		var ev map[string]any
		if json.Unmarshal(raw, &ev) != nil {
			return
		}
		rec := record{line: line}
		rec.eventID, _ = ev["eventID"].(string)
		var walk func(path string, v any)
		walk = func(path string, v any) {
			if _, skip := notCarried["cloudtrail"][path]; skip {
				return
			}
			switch v := v.(type) {
			case string:
				rec.fields = append(rec.fields, recordField{path, v})
			case map[string]any:
				for k, v2 := range v {
					walk(strings.TrimPrefix(path+"."+k, "."), v2)
				}
			case []any:
				for _, v2 := range v {
					walk(path, v2)
				}
			}
		}
		walk("", ev)
		recs = append(recs, rec)
	}
	lineAt := func(off int64) int {
		rest := text[off:]
		return bytes.Count(text[:off], []byte("\n")) + bytes.Count(rest[:bytes.IndexByte(rest, '{')+1], []byte("\n")) + 1
	}
	trimmed := bytes.TrimSpace(text)
	switch {
	case bytes.HasPrefix(trimmed, []byte(`{"Records"`)) || bytes.Contains(text[:min(len(text), 64)], []byte(`"Records"`)) || bytes.HasPrefix(trimmed, []byte("[")):
		dec := json.NewDecoder(bytes.NewReader(text))
		for {
			tok, err := dec.Token()
			if err != nil {
				return recs
			}
			if d, ok := tok.(json.Delim); ok && d == '[' {
				break
			}
		}
		for dec.More() {
			off := dec.InputOffset()
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return recs
			}
			add(raw, lineAt(off))
		}
	default:
		for i, l := range bytes.Split(text, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				add(l, i+1)
			}
		}
	}
	return recs
}

// s3Records reads the lines of an S3 server access log: space-separated
// fields, "quoted" with backslash escapes or [bracketed].
func s3Records(text []byte) []record {
	var recs []record
	for i, l := range strings.Split(string(text), "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(l) == "" {
			continue
		}
		rec := record{line: i + 1}
		for k := 0; l != ""; k++ {
			var f string
			switch l[0] {
			case '"':
				j := 1
				for j < len(l) && l[j] != '"' {
					if l[j] == '\\' {
						j++
					}
					j++
				}
				f = strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(l[1:min(j, len(l))])
				l = l[min(j+1, len(l)):]
			case '[':
				j := strings.IndexByte(l, ']')
				if j < 0 {
					j = len(l) - 1
				}
				f, l = l[1:j], l[j+1:]
			default:
				j := strings.IndexByte(l, ' ')
				if j < 0 {
					j = len(l)
				}
				f, l = l[:j], l[j:]
			}
			l = strings.TrimLeft(l, " ")
			name := fmt.Sprintf("field %d", k+1)
			if k < len(s3FieldNames) {
				name = s3FieldNames[k]
			}
			if _, skip := notCarried["s3-access"][name]; !skip {
				rec.fields = append(rec.fields, recordField{name, f})
			}
		}
		recs = append(recs, rec)
	}
	return recs
}

// The dumps whose request details come in several orders give the same
// summary and export (their goldens, beside them, differ only where the
// inputs do: an unknown label's extra fields, a repeated label's note).
// Every principal, bucket and key of the refused writes is there.
func TestDumpOrderGoldens(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("ingest", "testdata", "breachinsider", "order-*.txt"))
	if len(files) < 6 {
		t.Fatalf("%d order fixtures", len(files))
	}
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			dir := t.TempDir()
			md, export := filepath.Join(dir, "s.md"), filepath.Join(dir, "e.ndjson")
			_, stderr, code := runCmd(t, fixedEpoch, "report", in, "-o", filepath.Join(dir, "r.html"), "--md", md, "--export", export, "--no-system-geoip", "-q")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			stem := strings.TrimSuffix(in, ".txt")
			for _, out := range []struct{ got, golden string }{{md, stem + ".summary.md.golden"}, {export, stem + ".export.ndjson.golden"}} {
				got, err := os.ReadFile(out.got)
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, out.golden, got)
			}
			summary, _ := os.ReadFile(md)
			if name := filepath.Base(stem); name != "order-unknown" && name != "order-duplicate" {
				// The order of the labels is not information.
				if want, _ := os.ReadFile(filepath.Join(filepath.Dir(stem), "order-error-last.summary.md.golden")); !bytes.Equal(summary, want) {
					t.Errorf("summary differs from the one of order-error-last.txt")
				}
			}
			if !strings.Contains(string(summary), "**2 non-anonymous principals** made 2 requests with AWS credentials: 385485039111, 960312529846") {
				t.Errorf("summary lacks the two principals:\n%s", summary)
			}
			events, _ := os.ReadFile(export)
			for _, want := range []string{`"key":"writeable_bucket.txt"`, `"key":"secrets/db.sql"`, `"principal_id":"960312529846"`, `"error_code":"AccessDenied"`} {
				if !strings.Contains(string(events), want) {
					t.Errorf("export lacks %s", want)
				}
			}
			if n := strings.Count(string(events), `"bucket":"microsoft-devtest"`); n != 3 {
				t.Errorf("%d of 3 exported events have their bucket", n)
			}
		})
	}
}
