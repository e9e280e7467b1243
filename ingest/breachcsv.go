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
// A row that encoding/csv cannot parse, or whose field count differs from
// the header's (a stray comma or quote shifted its columns, so no field of
// it can be trusted), is skipped with its line number. Rows follow the
// same keep-or-skip rules as the dashboard dump (see breachinsider.go):
// no valid time or no source skips the row; a bad "Repeated Attempts" or
// "Alarm DateTime" is a warning. An empty "Repeated Attempts" (the real
// export has one) means 1 and is not a problem.

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

type breachCSVDecoder struct {
	cr      *csv.Reader
	caps    *lineCapReader
	st      *Stats
	in      interner
	dict    dictCache
	e       error
	started bool
	done    bool
	col     [nCSVCols]int // index of each column in a row, -1 when absent
	nFields int           // fields in the header row
	buf     []byte        // one field, as bytes for the shared helpers
}

func newBreachCSVDecoder(r io.Reader, st *Stats) decoder {
	caps := &lineCapReader{r: r, line: 1}
	cr := csv.NewReader(caps)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1 // checked against the header by the decoder, which says which row
	// LazyQuotes stays off: a stray quote then costs one reported line,
	// where lazy parsing would run the quoted field on into the rows
	// after it. Real exports (Python, pandas, spreadsheets) quote any
	// field holding a quote.
	return &breachCSVDecoder{cr: cr, caps: caps, st: st}
}

func (d *breachCSVDecoder) err() error { return d.e }

// readErr wraps an error that stops reading.
func readStopErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("read: %w (truncated input?)", err)
	}
	return fmt.Errorf("read: %w", err)
}

func (d *breachCSVDecoder) header() bool {
	d.started = true
	rec, err := d.cr.Read()
	if err == io.EOF {
		d.e = errors.New("no header row")
		return false
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			d.e = fmt.Errorf("header row: %w", err)
		} else {
			d.e = readStopErr(err)
		}
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
	if d.e != nil || d.done || (!d.started && !d.header()) {
		return false
	}
	for {
		rec, err := d.cr.Read()
		if err == io.EOF {
			d.done = true
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				d.e = readStopErr(err)
				return false
			}
			d.st.Skip(pe.StartLine, "bad csv row", fmt.Sprintf("bad CSV row: %v", pe.Err))
			continue
		}
		line, _ := d.cr.FieldPos(0) // a record has at least one field
		if cut, ok := d.caps.cutIn(line, d.lastLine(rec, line)); ok {
			d.st.Skip(cut, "line too long", fmt.Sprintf("row skipped: a line is longer than %d MiB", maxLineBytes>>20))
			continue
		}
		if len(rec) != d.nFields {
			d.st.Skip(line, "wrong field count", fmt.Sprintf("row has %d fields, the header has %d", len(rec), d.nFields))
			continue
		}
		if d.row(ev, rec, line) {
			return true
		}
	}
}

// lastLine is the line a record ends on: where its last field starts plus
// the newlines inside that field.
func (d *breachCSVDecoder) lastLine(rec []string, first int) int {
	if len(rec) == 0 {
		return first
	}
	l, _ := d.cr.FieldPos(len(rec) - 1)
	return l + strings.Count(rec[len(rec)-1], "\n")
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

// lineCapReader passes its input through with every line cut to
// maxLineBytes, remembering which lines it cut, so that encoding/csv (which
// has no line limit of its own) never buffers more than that per line.
type lineCapReader struct {
	r        io.Reader
	line     int // current line, 1-based
	lineLen  int
	dropping bool
	inQuote  bool  // inside a quoted field (a doubled quote toggles twice)
	cut      []int // lines cut and not yet claimed by a record, ascending
}

func (c *lineCapReader) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		if w := c.filter(p[:n]); w > 0 || err != nil {
			return w, err
		}
	}
}

// filter compacts b in place, dropping what lines hold beyond the limit.
func (c *lineCapReader) filter(b []byte) int {
	w, r := 0, 0
	for r < len(b) {
		i := bytes.IndexByte(b[r:], '\n')
		end := len(b)
		if i >= 0 {
			end = r + i
		}
		keep := end - r
		cut := false
		switch {
		case c.dropping:
			keep = 0
		case c.lineLen+keep > maxLineBytes:
			keep = maxLineBytes - c.lineLen
			c.dropping, cut = true, true
			c.cut = append(c.cut, c.line)
		}
		copy(b[w:], b[r:r+keep])
		c.inQuote = c.inQuote != (bytes.Count(b[w:w+keep], []byte{'"'})%2 == 1)
		w += keep
		c.lineLen += keep
		if cut && c.inQuote {
			// Close the quoted field the cut left open, so that the
			// damage ends with this line instead of running on into
			// the rows after it. There is room: at least one byte
			// was dropped.
			b[w] = '"'
			w++
			c.inQuote = false
		}
		r = end
		if i >= 0 {
			b[w] = '\n'
			w++
			r++
			c.line++
			c.lineLen, c.dropping = 0, false
		}
	}
	return w
}

// cutIn reports the first cut line in [first, last], forgetting cut lines
// before last (they belonged to rows already reported).
func (c *lineCapReader) cutIn(first, last int) (int, bool) {
	found, ok := 0, false
	i := 0
	for ; i < len(c.cut) && c.cut[i] <= last; i++ {
		if !ok && c.cut[i] >= first {
			found, ok = c.cut[i], true
		}
	}
	c.cut = c.cut[i:]
	return found, ok
}
