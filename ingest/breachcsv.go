package ingest

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The BreachInsider CSV export has one row per alert under this header:
//
//	Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP,Request User Agent,Repeated Attempts
//
// Columns are found by name (trimmed, case-insensitive), in any order;
// unknown columns are ignored. "Event DateTime", "Source IP" and "Event
// Name" are required: without them no row can be placed in the report, so
// the decoder stops at once with an error naming the missing ones. The
// "Alert" column reads " 302-2022-02-18T17:34:57Z": alert number, hyphen,
// alert time. The export has one user agent column; it fills both
// UserAgent and AlertUserAgent.
//
// Rows are RFC 4180 records, quoted fields may hold newlines. A row that
// does not parse (a stray quote), or whose field count differs from the
// header's (a stray comma or quote shifted its columns, so no field of it
// can be trusted), is skipped with its line number, and each of its lines
// is counted. A quote that opens a field and never closes would swallow
// the rows after it: a row still open when a line follows that is a valid
// row on its own (the header's field count, a valid "Event DateTime") ends
// before that line, and one ends after maxRowLines lines in any case.
//
// Rows follow the same keep-or-skip rules as the dashboard dump (see
// breachinsider.go): no valid time or no source skips the row; a bad
// "Repeated Attempts" or "Alarm DateTime" is a warning. An empty "Repeated
// Attempts" (the real export has one) means 1 and is not a problem.

// csvCol names the columns the decoder uses.
type csvCol int

const (
	cEventType csvCol = iota
	cEventName
	cRequestID
	cUserID
	cParams
	cAlert
	cEventID
	cEventTime
	cAlarmTime
	cSourceIP
	cUA
	cRepeated
	nCSVCols
)

var csvColNames = [nCSVCols]string{
	cEventType: "Event Type",
	cEventName: "Event Name",
	cRequestID: "Request ID",
	cUserID:    "User ID",
	cParams:    "Request Parameters",
	cAlert:     "Alert",
	cEventID:   "Event ID",
	cEventTime: "Event DateTime",
	cAlarmTime: "Alarm DateTime",
	cSourceIP:  "Source IP",
	cUA:        "Request User Agent",
	cRepeated:  "Repeated Attempts",
}

var csvRequired = [...]csvCol{cEventTime, cSourceIP, cEventName}

// sniffBreachCSV reports whether the first line of head is the export's
// header, in any letter case (the decoder matches names the same way).
func sniffBreachCSV(head []byte) bool {
	head = trimBOM(head)
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	}
	line = bytes.ToLower(line)
	return bytes.Contains(line, []byte("event name")) && bytes.Contains(line, []byte("source ip")) &&
		bytes.Contains(line, []byte("event datetime")) && bytes.IndexByte(line, ',') >= 0
}

// maxRowLines bounds the lines one row may span (a quoted field may hold
// newlines): the most a quote that never closes can cost.
const maxRowLines = 100

type breachCSVDecoder struct {
	w       *window
	st      *Stats
	in      interner
	dict    dictCache
	e       error
	started bool
	col     [nCSVCols]int // index of each column in a row, -1 when absent
	nFields int           // fields in the header row
	buf     []byte        // one field, as bytes for the shared helpers

	// The row being read: a row still open at the end of its line (a
	// quoted field with a newline) is kept here, its lines joined by
	// "\n", until a line closes it.
	open      bool
	openText  []byte
	openLine  int // its first line
	openLines int
	// Parsing scratch: the unquoted fields, end to end, and where each ends.
	text []byte
	ends []int
	rec  []string
}

func newBreachCSVDecoder(r io.Reader, st *Stats) decoder {
	return &breachCSVDecoder{w: newWindow(r), st: st}
}

func (d *breachCSVDecoder) err() error { return d.e }

func (d *breachCSVDecoder) release() { d.w.release() }

// nextRow returns the next row: its fields (valid until the next call),
// its first line and number of lines, and a parse error. ok is false at
// the end of the input. Lines that cannot belong to any row are skipped
// and counted here.
func (d *breachCSVDecoder) nextRow() (rec []string, line, lines int, perr error, ok bool) {
	for {
		l, n, long, more := d.w.nextLine()
		if !more {
			if d.open {
				d.skipOpen()
			}
			return nil, 0, 0, nil, false
		}
		if long {
			if d.open {
				d.skipOpen()
			}
			d.st.Skip(n, "line too long", fmt.Sprintf("row skipped: a line is longer than %d MiB", maxRecord>>20))
			continue
		}
		odd := bytes.Count(l, quote)%2 == 1
		if d.open {
			if !odd && d.rowStart(l) {
				// The open row was a stray quote, not a field with a
				// newline: this line is where rows start again.
				d.skipOpen()
			} else {
				d.openText = append(append(d.openText, '\n'), l...)
				d.openLines++
				if odd {
					d.open = false
					rec, perr := d.parse(d.openText)
					return rec, d.openLine, d.openLines, perr, true
				}
				if d.openLines >= maxRowLines || len(d.openText) > maxRecord {
					d.skipOpen()
				}
				continue
			}
		}
		if odd {
			d.open, d.openLine, d.openLines = true, n, 1
			d.openText = append(d.openText[:0], l...)
			continue
		}
		if len(l) == 0 {
			continue // encoding/csv skips empty lines too
		}
		rec, perr := d.parse(l)
		return rec, n, 1, perr, true
	}
}

var quote = []byte{'"'}

// rowStart reports whether line, alone, is a row that can be read: the
// header's number of fields and a valid event time.
func (d *breachCSVDecoder) rowStart(line []byte) bool {
	if !d.started || d.nFields == 0 {
		return false
	}
	rec, err := d.parse(line)
	if err != nil || len(rec) != d.nFields {
		return false
	}
	_, ok := parseTimeUTC(d.field(rec, cEventTime))
	return ok
}

// skipOpen skips the open row, every line of it, as a row that does not
// parse.
func (d *breachCSVDecoder) skipOpen() {
	d.open = false
	first := d.openText
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	// With an odd number of quotes the line alone never parses; its error
	// says which quote is wrong.
	_, err := d.parse(first)
	if err == nil {
		err = csv.ErrQuote
	}
	d.skipRow(d.openLine, d.openLines, "bad csv row", fmt.Sprintf("bad CSV row: %v", err))
}

// skipRow skips a row that could not be read, counting each of its lines:
// when a quote is wrong, where one row ends and the next begins is a guess.
func (d *breachCSVDecoder) skipRow(line, lines int, reason, msg string) {
	d.st.Skip(line, reason, msg)
	for i := 1; i < lines; i++ {
		d.st.Skip(line+i, reason, fmt.Sprintf("line skipped: part of the row that starts on line %d", line))
	}
}

// parse splits one row's text into fields as encoding/csv does (RFC 4180,
// no lazy quotes). The fields share one string.
func (d *breachCSVDecoder) parse(b []byte) ([]string, error) {
	d.text, d.ends = d.text[:0], d.ends[:0]
	var err error
	for {
		if len(b) > 0 && b[0] == '"' {
			b = b[1:]
			for {
				i := bytes.IndexByte(b, '"')
				if i < 0 {
					d.text = append(d.text, b...)
					b = nil
					if err == nil {
						err = csv.ErrQuote
					}
					break
				}
				d.text = append(d.text, b[:i]...)
				b = b[i+1:]
				if len(b) > 0 && b[0] == '"' {
					d.text = append(d.text, '"')
					b = b[1:]
					continue
				}
				if len(b) > 0 && b[0] != ',' && err == nil {
					err = csv.ErrQuote
				}
				break
			}
			i := bytes.IndexByte(b, ',')
			if i < 0 {
				i = len(b)
			}
			b = b[i:]
		} else {
			i := bytes.IndexByte(b, ',')
			if i < 0 {
				i = len(b)
			}
			if bytes.IndexByte(b[:i], '"') >= 0 && err == nil {
				err = csv.ErrBareQuote
			}
			d.text = append(d.text, b[:i]...)
			b = b[i:]
		}
		d.ends = append(d.ends, len(d.text))
		if len(b) == 0 {
			break
		}
		b = b[1:] // the comma
	}
	if err != nil {
		return nil, err
	}
	s := string(d.text)
	d.rec = d.rec[:0]
	start := 0
	for _, end := range d.ends {
		d.rec = append(d.rec, s[start:end])
		start = end
	}
	return d.rec, nil
}

func (d *breachCSVDecoder) header() bool {
	d.started = true
	rec, _, _, perr, ok := d.nextRow()
	if !ok {
		if d.e = d.w.readErr(d.st.File); d.e == nil {
			d.e = errors.New("no header row")
		}
		return false
	}
	if perr != nil {
		d.e = fmt.Errorf("header row: %w", perr)
		return false
	}
	if d.st.Skipped > 0 {
		// Lines skipped before it: the header itself opened a quote.
		d.e = fmt.Errorf("header row: %w", csv.ErrQuote)
		return false
	}
	d.nFields = len(rec)
	for i := range d.col {
		d.col[i] = -1
	}
	for i, name := range rec {
		name = strings.TrimPrefix(name, "\uFEFF")
		name = string(trimPasted([]byte(name)))
		for c, want := range csvColNames {
			if d.col[c] < 0 && strings.EqualFold(name, want) {
				d.col[c] = i
			}
		}
	}
	var missing []string
	for _, c := range csvRequired {
		if d.col[c] < 0 {
			missing = append(missing, fmt.Sprintf("%q", csvColNames[c]))
		}
	}
	if missing != nil {
		d.e = fmt.Errorf("header row lacks required column(s) %s", strings.Join(missing, ", "))
		return false
	}
	return true
}

// field returns column c of rec as trimmed, valid UTF-8 bytes, valid until
// the next call.
func (d *breachCSVDecoder) field(rec []string, c csvCol) []byte {
	i := d.col[c]
	if i < 0 || i >= len(rec) {
		return nil
	}
	d.buf = append(d.buf[:0], rec[i]...)
	b := trimPasted(d.buf)
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return b
}

// str returns column c as a string without copying when it needs no
// cleaning: a substring of the row, which encoding/csv allocates once.
func (d *breachCSVDecoder) str(rec []string, c csvCol) string {
	i := d.col[c]
	if i < 0 || i >= len(rec) {
		return ""
	}
	s := rec[i]
	if t := strings.TrimSpace(s); t == s && utf8.ValidString(s) && !strings.Contains(s, "\u00a0") {
		return s
	}
	return string(d.field(rec, c))
}

func (d *breachCSVDecoder) next(ev *Event) bool {
	if d.e != nil || (!d.started && !d.header()) {
		return false
	}
	for {
		rec, line, lines, perr, ok := d.nextRow()
		if !ok {
			d.e = d.w.readErr(d.st.File)
			return false
		}
		if perr != nil {
			d.skipRow(line, lines, "bad csv row", fmt.Sprintf("bad CSV row: %v", perr))
			continue
		}
		if len(rec) != d.nFields {
			d.skipRow(line, lines, "wrong field count", fmt.Sprintf("row has %d fields, the header has %d", len(rec), d.nFields))
			continue
		}
		if d.row(ev, rec, line) {
			return true
		}
	}
}

// row converts one record; it reports false when the row was skipped.
func (d *breachCSVDecoder) row(ev *Event, rec []string, line int) bool {
	ev.Pos.Line = line
	// what names the row in messages; built only when there is one.
	what := func() string {
		if ev.AlertID > 0 {
			return fmt.Sprintf("alert #%d", ev.AlertID)
		}
		return "row"
	}
	var alertWarn fieldWarning
	if b := d.field(rec, cAlert); len(b) > 0 {
		if id, ok := alertNumber(b); ok {
			ev.AlertID = id
		} else {
			alertWarn = fieldWarning{line, "bad alert", fmt.Sprintf("row: bad %q value %q", "Alert", clipValue(b))}
		}
	}
	if b := d.field(rec, cEventTime); len(b) == 0 {
		d.st.Skip(line, "missing value", fmt.Sprintf("%s: missing %q value", what(), "Event DateTime"))
		return false
	} else if t, ok := parseTimeUTC(b); !ok {
		d.st.Skip(line, "bad time", fmt.Sprintf("%s: bad %q value %q", what(), "Event DateTime", clipValue(b)))
		return false
	} else {
		ev.Time = t
	}
	b := d.field(rec, cSourceIP)
	if len(b) == 0 {
		d.st.Skip(line, "missing value", fmt.Sprintf("%s: missing %q value", what(), "Source IP"))
		return false
	}
	setSource(ev, b, &d.in)
	if alertWarn.reason != "" {
		warnKept(d.st, alertWarn)
	}

	if b := d.field(rec, cAlarmTime); len(b) > 0 {
		if t, ok := parseTimeUTC(b); ok {
			ev.AlarmTime = t
		} else {
			warnKept(d.st, fieldWarning{line, "bad alarm time", fmt.Sprintf("%s: bad %q value %q, left empty", what(), "Alarm DateTime", clipValue(b))})
		}
	}
	ev.Weight = 1
	if b := d.field(rec, cRepeated); len(b) > 0 {
		if n, ok := atoiPositive(b); ok {
			ev.Weight = n
		} else {
			warnKept(d.st, fieldWarning{line, "bad repeated attempts", fmt.Sprintf("%s: bad %q value %q, counted as 1", what(), "Repeated Attempts", clipValue(b))})
		}
	}
	ev.Op = parseOp(d.field(rec, cEventName), &d.in)
	ev.EventType = d.in.str(d.field(rec, cEventType))
	ev.UserAgent = d.in.str(d.field(rec, cUA))
	ev.AlertUserAgent = ev.UserAgent
	d.dict.setParams(ev, d.field(rec, cParams), &d.in)
	d.dict.setIdentity(ev, d.field(rec, cUserID), &d.in)
	ev.EventID = d.str(rec, cEventID)
	ev.RequestID = d.str(rec, cRequestID)
	return true
}

// alertNumber reads the number of an "Alert" cell: "302-2022-02-18T17:34:57Z".
func alertNumber(b []byte) (int, bool) {
	n := 0
	for n < len(b) && n < 10 && '0' <= b[n] && b[n] <= '9' {
		n++
	}
	if n == 0 || n == 10 || (n < len(b) && b[n] != '-') {
		return 0, false
	}
	id, _ := atoiDigits(b[:n])
	return id, true
}
