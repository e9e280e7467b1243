package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"unicode/utf8"
)

// The BreachInsider dashboard dump is the text an analyst gets by selecting
// the alert list of the BreachInsider web dashboard and pasting it into a
// file: page header text, then per alert, newest first,
//
//	Alert #264 – 2022-01-31T18:21:55Z
//	Event ID: 7e75ac66-2d6f-4a2c-8921-489be88c65b1
//	Event DateTime
//	2022-01-31T14:38:27Z
//	...label line, value line...
//	AWS Request Details
//	Event Type
//	AwsApiCall
//	...
//
// then page footer text. The request details FOLLOW the alert header they
// belong to: everything from one "Alert #" line to the next is one alert.
//
// How lines are told apart. Labels are fixed texts in a fixed order
// (aliases below); values are free text, some attacker controlled (a user
// agent can be literally "Source IP" or "Alert #1 - x"). A value can be
// missing: the label is then directly followed by the next label. So the
// parser keeps its position in the label sequence and decides by position,
// never by content alone:
//
//   - After a label, the next line is that label's value, with two
//     exceptions. (1) It is the very next label of the sequence: then the
//     value is missing, unless the line after it is that same label again,
//     in which case the first copy was a value equal to the label text.
//     (2) It is an alert header ("Alert #N – ...") and the line after it is
//     an "Event ID" line: the value is missing and a new alert begins.
//     Any other text, including any other label's text, is the value.
//   - After a value, the next line should be a label. Any label further
//     on in the sequence is accepted (so an alert without a request-details
//     block, or a dashboard version without some label, stays in step), as
//     is an alert header. Other lines (page furniture, footer text) are
//     ignored: they carry no alert data.
//
// Blank lines are ignored everywhere, and so are leading and trailing
// spaces, tabs, CR and non-breaking spaces (copy-paste adds them). Labels
// match case-insensitively with runs of spaces folded and an optional
// trailing colon.
//
// What is kept. An alert without a valid "Event DateTime" or without a
// "Source IP" value is skipped with a SyntaxError at its header line: an
// event without time or source cannot be placed in a timeline or counted
// per IP, and inventing one would falsify the report. A source that is not
// an IP address is kept in SourceText. A bad "Repeated Attempts" or
// "Alarm DateTime" value does not cost the alert: it keeps weight 1 (or a
// zero alarm time) and the problem is listed in Stats.Errors and
// Stats.Reasons as a fieldWarning (Stats.Skipped is not incremented, since
// the alert is counted). Values are kept as written except that invalid
// UTF-8 is replaced by U+FFFD, so every later stage handles valid text;
// escaping for display is the report's job. Times are converted to UTC.

// field is a label of the alert layout, in the order the dashboard prints
// them; the parser's position is the last field seen.
type biField uint8

const (
	fNone biField = iota
	fEventID
	fEventTime
	fAlarmTime
	fSourceIP
	fAlertUA // "Request User Agent" in the alert header
	fRepeated
	fDetails // "AWS Request Details": a section marker without value
	fEventType
	fEventName
	fRequestID
	fUA // "Request User Agent" in the request details
	fUserID
	fParams
	fErrorCode
	fErrorMessage
)

var fieldLabels = [...]string{
	fEventID:      "Event ID",
	fEventTime:    "Event DateTime",
	fAlarmTime:    "Alarm DateTime",
	fSourceIP:     "Source IP",
	fAlertUA:      "Request User Agent",
	fRepeated:     "Repeated Attempts",
	fDetails:      "AWS Request Details",
	fEventType:    "Event Type",
	fEventName:    "Event Name",
	fRequestID:    "Request ID",
	fUA:           "Request User Agent",
	fUserID:       "User ID",
	fParams:       "Request Parameters",
	fErrorCode:    "Error Code",
	fErrorMessage: "Error Message",
}

// maxLineBytes bounds one input line. Longer lines are skipped with a
// SyntaxError instead of being buffered: a 20 MB line is not a dashboard
// value, and one such line must not cost the rest of the file. It is well
// above any real value (hostile 1 MB user agents pass).
const maxLineBytes = 4 << 20

// lineReader yields the non-blank lines of an input, trimmed, without
// copying them in the common case, with one line of lookahead.
type lineReader struct {
	br *bufio.Reader
	// data, when set, is the whole input in memory (a chunk of a mapped
	// file): lines are sliced from it, br is not used.
	data []byte
	off  int // of the next line in data
	mark readMark

	n    int    // number of the last physical line read
	long []byte // assembles lines longer than br's buffer
	eof  bool
	err  error // read error other than io.EOF

	back     []byte // a peeked line, pushed back
	backN    int
	backLong bool
	hasBack  bool
}

// next returns the next non-blank line, trimmed, and its 1-based number.
// tooLong reports a line over maxLineBytes (line is then nil). The line is
// valid until the next call to next or peek. ok is false at the end of the
// input or on a read error (lr.err).
func (lr *lineReader) next() (line []byte, n int, tooLong, ok bool) {
	if lr.hasBack {
		lr.hasBack = false
		return lr.back, lr.backN, lr.backLong, true
	}
	if lr.data != nil {
		return lr.nextData()
	}
	for {
		raw, long, ok := lr.readPhys()
		if !ok {
			return nil, 0, false, false
		}
		if long {
			return nil, lr.n, true, true
		}
		if t := trimPasted(raw); len(t) > 0 {
			return t, lr.n, false, true
		}
	}
}

// peek returns what the next call to next will. It invalidates the line
// last returned by next.
func (lr *lineReader) peek() (line []byte, tooLong, ok bool) {
	if lr.hasBack {
		return lr.back, lr.backLong, true
	}
	line, n, tooLong, ok := lr.next()
	if !ok {
		return nil, false, false
	}
	lr.back = append(lr.back[:0], line...)
	lr.backN, lr.backLong, lr.hasBack = n, tooLong, true
	return lr.back, tooLong, true
}

func (lr *lineReader) readPhys() (b []byte, tooLong, ok bool) {
	if lr.eof || lr.err != nil {
		return nil, false, false
	}
	if cap(lr.long) > 1<<20 {
		lr.long = nil // give back what one huge line took
	}
	b, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = lr.br.ReadSlice('\n')
			if !tooLong && len(lr.long)+len(b) <= maxLineBytes {
				lr.long = append(lr.long, b...)
			} else {
				tooLong = true
			}
		}
		b = lr.long
	}
	switch err {
	case nil:
	case io.EOF:
		lr.eof = true
		if len(b) == 0 {
			return nil, false, false
		}
	default:
		// The partial line before a read error is not trusted: a
		// truncated value would look valid ("212.83.1").
		lr.err = err
		return nil, false, false
	}
	lr.n++
	if tooLong {
		b = nil
	}
	return b, tooLong, true
}

// nextData is next for input in memory: no copy, no read calls. Dumps are
// mostly short lines (26 per alert), so the per-line work is kept to a
// newline search and, for lines that begin and end with a printable ASCII
// byte (nearly all), no trimming.
func (lr *lineReader) nextData() (line []byte, n int, tooLong, ok bool) {
	for !lr.eof {
		rest := lr.data[lr.off:]
		if len(rest) == 0 {
			lr.eof = true
			lr.mark.reach(lr.data, lr.off, true)
			break
		}
		b := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			b = rest[:i]
		}
		raw := min(len(b)+1, len(rest)) // with its newline
		lr.advance(raw)
		if raw > maxLineBytes {
			return nil, lr.n, true, true
		}
		if len(b) > 0 && plainASCII(b[0]) && plainASCII(b[len(b)-1]) {
			return b, lr.n, false, true
		}
		if t := trimPasted(b); len(t) > 0 {
			return t, lr.n, false, true
		}
	}
	return nil, 0, false, false
}

// skipLine consumes the next line if it is text exactly, newline
// included, reporting whether it did. Only input in memory is looked at.
func (lr *lineReader) skipLine(text string) bool {
	if lr.data == nil || lr.hasBack {
		return false
	}
	rest := lr.data[lr.off:]
	if len(rest) <= len(text) || rest[len(text)] != '\n' || string(rest[:len(text)]) != text {
		return false
	}
	lr.advance(len(text) + 1)
	return true
}

// advance passes one line of n bytes of data. It is inlined in the line
// loops, and calls reach, which makes the same test, only once a step.
func (lr *lineReader) advance(n int) {
	lr.off += n
	lr.n++
	if lr.off-lr.mark.done >= readStep {
		lr.reachStep()
	}
}

// reachStep is not inlined so that advance can be.
//
//go:noinline
func (lr *lineReader) reachStep() { lr.mark.reach(lr.data, lr.off, false) }

// plainASCII reports whether c is printable ASCII other than a space: a
// line that begins and ends with one has nothing for trimPasted to remove.
func plainASCII(c byte) bool { return ' ' < c && c < 0x7f }

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'
}

// trimPasted removes ASCII white space, non-breaking spaces (U+00A0) and byte
// order marks from both ends of b: what copy-paste from a web page adds.
// Other Unicode spaces (U+2028...) are content and stay.
func trimPasted(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case isASCIISpace(b[0]):
			b = b[1:]
		case len(b) >= 2 && b[0] == 0xc2 && b[1] == 0xa0:
			b = b[2:]
		case len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf:
			b = b[3:]
		default:
			goto right
		}
	}
right:
	for n := len(b); n > 0; n = len(b) {
		switch {
		case isASCIISpace(b[n-1]):
			b = b[:n-1]
		case n >= 2 && b[n-2] == 0xc2 && b[n-1] == 0xa0:
			b = b[:n-2]
		default:
			return b
		}
	}
	return b
}

// skipSpaces skips leading spaces, tabs and non-breaking spaces.
func skipPastedSpaces(b []byte) []byte {
	for len(b) > 0 {
		switch {
		case b[0] == ' ' || b[0] == '\t':
			b = b[1:]
		case len(b) >= 2 && b[0] == 0xc2 && b[1] == 0xa0:
			b = b[2:]
		default:
			return b
		}
	}
	return b
}

// labelOf returns the label a (trimmed) line is, or fNone. Both "Request
// User Agent" labels come back as fAlertUA; resolveLabel places them.
func labelOf(line []byte) biField {
	const maxLabel = 40 // longest label plus slack for spaces
	if len(line) < 7 || len(line) > maxLabel {
		return fNone
	}
	switch line[0] | 0x20 { // every label starts with one of these: most values are cut short here
	case 'a', 'e', 'r', 's', 'u':
	default:
		return fNone
	}
	var buf [maxLabel]byte
	n, space := 0, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		if c == 0xc2 && i+1 < len(line) && line[i+1] == 0xa0 {
			i++
			c = ' '
		}
		if c == ' ' || c == '\t' {
			space = true
			continue
		}
		if space && n > 0 {
			buf[n] = ' '
			n++
		}
		space = false
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	s := buf[:n]
	if n > 0 && s[n-1] == ':' {
		s = bytes.TrimRight(s[:n-1], " ")
	}
	switch string(s) {
	case "event id":
		return fEventID
	case "event datetime", "event date time":
		return fEventTime
	case "alarm datetime", "alarm date time":
		return fAlarmTime
	case "source ip":
		return fSourceIP
	case "request user agent":
		return fAlertUA
	case "repeated attempts":
		return fRepeated
	case "aws request details":
		return fDetails
	case "event type":
		return fEventType
	case "event name":
		return fEventName
	case "request id":
		return fRequestID
	case "user id":
		return fUserID
	case "request parameters":
		return fParams
	case "error code":
		return fErrorCode
	case "error message":
		return fErrorMessage
	}
	return fNone
}

// isLabel reports whether line is the label of f. It is labelOf for one
// label, fast for the usual case: the line is the label as printed.
func isLabel(line []byte, f biField) bool {
	if f <= fNone || f > fErrorMessage {
		return false
	}
	text := fieldLabels[f]
	switch {
	case len(line) == len(text) && (string(line) == text || equalFoldASCII(line, text)):
		return true
	case len(line) <= len(text):
		return false // pasting noise only lengthens a label
	}
	g := labelOf(line)
	return g == f || (g == fAlertUA && f == fUA)
}

// resolveLabel places label f after position pos: "Request User Agent"
// seen past the header's user agent is the request details' one.
func resolveLabel(f, pos biField) biField {
	if f == fAlertUA && pos >= fAlertUA {
		return fUA
	}
	return f
}

// eventIDInline recognises "Event ID: <id>" (the one label the dashboard
// prints on the same line as its value) and returns the value.
func eventIDInline(line []byte) ([]byte, bool) {
	if len(line) < 9 || line[0]|0x20 != 'e' || !equalFoldASCII(line[:5], "event") {
		return nil, false
	}
	b := skipPastedSpaces(line[5:])
	if len(b) < 3 || !equalFoldASCII(b[:2], "id") {
		return nil, false
	}
	b = b[2:]
	if b[0] != ':' && b[0] != ' ' && b[0] != '\t' && b[0] != 0xc2 {
		return nil, false
	}
	b = skipPastedSpaces(b)
	if len(b) > 0 && b[0] == ':' {
		b = skipPastedSpaces(b[1:])
	}
	return b, len(b) > 0
}

func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// parseAlertHeader recognises "Alert #264 – 2022-01-31T18:21:55Z" (en dash,
// em dash, hyphen, or the en dash's cp1252 mojibake "â€“") and returns the
// alert number. The time after the dash is the alert's, not the event's,
// and is not used.
func parseAlertHeader(line []byte) (int, bool) {
	if len(line) < 7 || line[0]|0x20 != 'a' || !equalFoldASCII(line[:5], "alert") {
		return 0, false
	}
	b := skipPastedSpaces(line[5:])
	if len(b) < 2 || b[0] != '#' {
		return 0, false
	}
	b = b[1:]
	id, nd := 0, 0
	for ; nd < len(b) && '0' <= b[nd] && b[nd] <= '9'; nd++ {
		if nd == 9 {
			return 0, false // no dashboard numbers alerts past 999,999,999
		}
		id = id*10 + int(b[nd]-'0')
	}
	if nd == 0 {
		return 0, false
	}
	b = skipPastedSpaces(b[nd:])
	switch {
	case len(b) == 0,
		b[0] == '-',
		bytes.HasPrefix(b, []byte("–")),
		bytes.HasPrefix(b, []byte("—")),
		bytes.HasPrefix(b, []byte("â€")):
		return id, true
	}
	return 0, false
}

// sniffBreachInsider reports whether head looks like a dashboard dump: an
// alert header line, or the labels of the request-details block.
func sniffBreachInsider(head []byte) bool {
	if bytes.Contains(head, []byte("AWS Request Details")) && bytes.Contains(head, []byte("Event DateTime")) {
		return true
	}
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		if _, ok := parseAlertHeader(trimPasted(line)); ok {
			return true
		}
	}
	return false
}

// fieldWarning is a problem with a field of a record that is kept anyway.
type fieldWarning struct {
	line        int
	reason, msg string
}

// warnKept records w in st: listed and counted by reason, but not as a
// skipped record, because the record was kept.
func warnKept(st *Stats, w fieldWarning) {
	st.count(w.reason)
	if len(st.Errors) < maxErrorsKept {
		st.Errors = append(st.Errors, &SyntaxError{File: st.File, Line: w.line, Reason: w.reason, Msg: w.msg})
	}
}

type breachInsiderDecoder struct {
	lr   lineReader
	st   *Stats
	in   interner
	dict dictCache
	e    error

	// The alert being read.
	inAlert bool
	cur     Event
	pos     biField // last label seen
	waiting bool    // the line after pos's label has not been read yet
	have    uint32  // bit f: field f had a value
	bad     fieldWarning
	warns   []fieldWarning
	scratch []byte // the current line, kept across a peek
	ids     idPair // event and request IDs, made strings by finish

	// The previous alert's values: the next one mostly repeats them.
	alertUA, eventType, errorCode, errorMessage lastString
}

// idPair holds two per-record identifiers until the record is complete,
// so that both become strings in one allocation.
type idPair struct {
	buf    [2][]byte
	joined []byte
}

func (p *idPair) set(i int, v []byte) { p.buf[i] = append(p.buf[i][:0], v...) }

func (p *idPair) reset() { p.buf[0], p.buf[1] = p.buf[0][:0], p.buf[1][:0] }

// strings returns both, with invalid UTF-8 replaced.
func (p *idPair) strings() (string, string) {
	a, b := p.buf[0], p.buf[1]
	if len(a)+len(b) == 0 {
		return "", ""
	}
	p.joined = append(append(p.joined[:0], a...), b...)
	s := string(p.joined)
	first, second := s[:len(a)], s[len(a):]
	if !utf8.ValidString(s) {
		first, second = validUTF8(first), validUTF8(second)
	}
	return first, second
}

func newBreachInsiderDecoder(r io.Reader, st *Stats) decoder {
	return newBreachInsiderLines(lineReader{br: bufio.NewReaderSize(r, 64<<10)}, st)
}

func newBreachInsiderLines(lr lineReader, st *Stats) *breachInsiderDecoder {
	return &breachInsiderDecoder{lr: lr, st: st, in: interner{sanitize: true}}
}

func (d *breachInsiderDecoder) err() error { return d.e }

func (d *breachInsiderDecoder) next(ev *Event) bool {
	for {
		// The label due next, as the dashboard prints it, is the usual
		// line after a value: taken without the general checks below,
		// which come to the same for it.
		if d.inAlert && !d.waiting && d.pos < fErrorMessage && d.lr.skipLine(fieldLabels[d.pos+1]) {
			d.pos++
			d.waiting = d.pos != fDetails
			continue
		}
		line, n, tooLong, ok := d.lr.next()
		if !ok {
			if err := d.lr.err; err != nil {
				// The line is the last one read whole.
				if err == io.ErrUnexpectedEOF {
					d.e = fmt.Errorf("%s:%d: read: %w (truncated input?)", d.st.File, d.lr.n, err)
				} else {
					d.e = fmt.Errorf("%s:%d: read: %w", d.st.File, d.lr.n, err)
				}
				if d.inAlert {
					d.st.Skip(d.cur.Pos.Line, "truncated", fmt.Sprintf("alert #%d: input ends inside the alert", d.cur.AlertID))
				}
				d.inAlert = false
				return false
			}
			if d.inAlert {
				d.inAlert = false
				return d.finish(ev)
			}
			return false
		}
		if tooLong {
			d.st.Skip(n, "line too long", fmt.Sprintf("line longer than %d MiB skipped", maxLineBytes>>20))
			d.waiting = false // its value, if it was one, is missing
			continue
		}
		if !d.inAlert {
			if id, ok := parseAlertHeader(line); ok {
				d.start(id, n)
			}
			continue
		}
		if d.waiting {
			id, isHeader := parseAlertHeader(line)
			isNext := isLabel(line, d.pos+1)
			if isHeader || isNext {
				d.scratch = append(d.scratch[:0], line...)
				line = d.scratch
				peek, _, _ := d.lr.peek()
				if isHeader {
					// A real header is followed by its alert's first
					// label; a user agent that looks like a header is
					// followed by "Repeated Attempts" or "User ID".
					if _, isID := eventIDInline(peek); isID || labelOf(peek) == fEventID || labelOf(peek) == fEventTime {
						emit := d.finish(ev)
						d.start(id, n)
						if emit {
							return true
						}
						continue
					}
				} else if !isLabel(peek, d.pos+1) {
					d.pos++
					d.waiting = d.pos != fDetails
					continue
				}
			}
			d.set(d.pos, line, n)
			d.waiting = false
			continue
		}
		if id, ok := parseAlertHeader(line); ok {
			emit := d.finish(ev)
			d.start(id, n)
			if emit {
				return true
			}
			continue
		}
		if d.pos < fEventID {
			if v, ok := eventIDInline(line); ok {
				d.pos = fEventID
				d.set(fEventID, v, n)
				continue
			}
		}
		f := d.pos + 1
		if !isLabel(line, f) {
			f = resolveLabel(labelOf(line), d.pos)
		}
		if f > d.pos {
			d.pos, d.waiting = f, f != fDetails
		}
	}
}

func (d *breachInsiderDecoder) start(id, line int) {
	d.inAlert = true
	d.cur = Event{AlertID: id, Pos: Pos{Line: line}}
	d.pos, d.waiting, d.have = fNone, false, 0
	d.bad = fieldWarning{}
	d.warns = d.warns[:0]
	d.ids.reset()
}

// finish checks the alert just read and, when it is usable, copies it to ev.
func (d *breachInsiderDecoder) finish(ev *Event) bool {
	c := &d.cur
	switch {
	case d.bad.reason != "":
		d.st.Skip(c.Pos.Line, d.bad.reason, d.bad.msg)
	case d.have&(1<<fEventTime) == 0:
		d.st.Skip(c.Pos.Line, "missing value", fmt.Sprintf("alert #%d: missing %q value", c.AlertID, "Event DateTime"))
	case d.have&(1<<fSourceIP) == 0:
		d.st.Skip(c.Pos.Line, "missing value", fmt.Sprintf("alert #%d: missing %q value", c.AlertID, "Source IP"))
	default:
		for _, w := range d.warns {
			warnKept(d.st, w)
		}
		if c.UserAgent == "" {
			c.UserAgent = c.AlertUserAgent
		}
		if c.Op == "" {
			c.Op = OpUnknown
		}
		if c.Weight == 0 {
			c.Weight = 1
		}
		c.EventID, c.RequestID = d.ids.strings()
		*ev = *c
		return true
	}
	return false
}

// set stores the value v of field f in the current alert. Invalid UTF-8 is
// replaced where a value is kept: by the interner, for the identifiers, and
// in messages; the parsers of times and numbers reject it.
func (d *breachInsiderDecoder) set(f biField, v []byte, line int) {
	c := &d.cur
	d.have |= 1 << f
	switch f {
	case fEventID:
		d.ids.set(0, v)
	case fEventTime:
		t, ok := parseTimeUTC(v)
		if !ok && d.bad.reason == "" {
			d.bad = fieldWarning{c.Pos.Line, "bad time", fmt.Sprintf("alert #%d: bad %q value %q", c.AlertID, fieldLabels[f], clipValue(v))}
		}
		c.Time = t
	case fAlarmTime:
		t, ok := parseTimeUTC(v)
		if !ok {
			d.warns = append(d.warns, fieldWarning{line, "bad alarm time", fmt.Sprintf("alert #%d: bad %q value %q, left empty", c.AlertID, fieldLabels[f], clipValue(v))})
		}
		c.AlarmTime = t
	case fSourceIP:
		setSource(c, v, &d.in)
	case fAlertUA:
		c.AlertUserAgent = d.alertUA.str(&d.in, v)
	case fRepeated:
		n, ok := atoiPositive(v)
		if !ok {
			d.warns = append(d.warns, fieldWarning{line, "bad repeated attempts", fmt.Sprintf("alert #%d: bad %q value %q, counted as 1", c.AlertID, fieldLabels[f], clipValue(v))})
			n = 1
		}
		c.Weight = n
	case fEventType:
		c.EventType = d.eventType.str(&d.in, v)
	case fEventName:
		c.Op = parseOp(v, &d.in)
	case fRequestID:
		d.ids.set(1, v)
	case fUA:
		// Nearly always the alert's own user agent, read a few lines before.
		if string(v) == c.AlertUserAgent {
			c.UserAgent = c.AlertUserAgent
		} else {
			c.UserAgent = d.in.str(v)
		}
	case fUserID:
		d.dict.setIdentity(c, v, &d.in)
	case fParams:
		d.dict.setParams(c, v, &d.in)
	case fErrorCode:
		c.ErrorCode = d.errorCode.str(&d.in, v)
	case fErrorMessage:
		c.ErrorMessage = d.errorMessage.str(&d.in, v)
	}
}

// clipValue shortens a value quoted in an error message: a hostile 1 MB value
// must not become a 1 MB diagnostic.
func clipValue(v []byte) string {
	const max = 64
	if len(v) <= max {
		return validUTF8(string(v))
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return validUTF8(string(v[:cut])) + "…"
}

// The helpers below are shared with the CSV decoder.

// setSource sets ev's source from v: an IP address, or the text of a
// source that is not one (kept, not an error: CloudTrail does the same).
func setSource(ev *Event, v []byte, in *interner) {
	if a, ok := parseIPv4(v); ok {
		ev.Source = a
		return
	}
	s := in.str(v)
	if a, err := netip.ParseAddr(s); err == nil {
		ev.Source = a.Unmap()
		return
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		ev.Source = ap.Addr().Unmap()
		return
	}
	ev.SourceText = s
}

// parseIPv4 is the allocation-free fast path for dotted-quad addresses,
// which are nearly all of them.
func parseIPv4(b []byte) (netip.Addr, bool) {
	var ip [4]byte
	k, v, nd := 0, 0, 0
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '.' {
			if nd == 0 || k == 4 || (nd > 1 && b[i-nd] == '0') {
				return netip.Addr{}, false
			}
			ip[k] = byte(v)
			k, v, nd = k+1, 0, 0
			continue
		}
		c := b[i]
		if c < '0' || c > '9' {
			return netip.Addr{}, false
		}
		v = v*10 + int(c-'0')
		if nd++; v > 255 {
			return netip.Addr{}, false
		}
	}
	if k != 4 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4(ip), true
}

// atoiPositive parses a count of at least 1.
func atoiPositive(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n >= 1
}

// dictCache parses the python-dict columns, remembering the result per
// distinct text: the same few "User ID" and "Request Parameters" texts
// repeat on nearly every alert. Bounded like interner.
type dictCache struct {
	p      pyDictScanner
	params map[string]s3Params
	ids    map[string]textIdentity
	// The previous alert's: the next one mostly repeats them, and
	// comparing costs less than hashing.
	lastParams s3Params
	lastID     textIdentity
}

type s3Params struct{ text, bucket, host, key, prefix string }

// textIdentity is an Identity with the text it was read from.
type textIdentity struct {
	text string
	id   Identity
}

// setIdentity fills ev.Identity from "User ID" python-dict text. Malformed
// text keeps the pairs read before the error; the raw text is not kept
// (the identity fields are all it holds).
func (c *dictCache) setIdentity(ev *Event, v []byte, in *interner) {
	if len(v) == len(c.lastID.text) && string(v) == c.lastID.text {
		ev.Identity = c.lastID.id
		return
	}
	if t, ok := c.ids[string(v)]; ok {
		c.lastID = t
		ev.Identity = t.id
		return
	}
	var id Identity
	c.p.reset(v)
	for c.p.next() {
		switch string(c.p.key) {
		case "type":
			id.Type = in.str(c.p.val)
		case "principalId":
			id.PrincipalID = in.str(c.p.val)
		case "accountId":
			id.AccountID = in.str(c.p.val)
		case "arn":
			id.ARN = in.str(c.p.val)
		case "userName":
			id.UserName = in.str(c.p.val)
		}
	}
	ev.Identity = id
	if len(v) <= maxInternSize {
		if c.ids == nil || len(c.ids) >= maxInterned {
			c.ids = make(map[string]textIdentity)
		}
		t := textIdentity{string(v), id}
		c.ids[t.text] = t
		c.lastID = t
	}
}

// setParams sets ev.Params to the "Request Parameters" python-dict text
// (CloudTrail's requestParameters, repr'd) and fills bucket, host, key and
// prefix from it. The cache keeps the text too: one lookup per alert
// instead of one for the text and one for its fields.
func (c *dictCache) setParams(ev *Event, v []byte, in *interner) {
	r, ok := c.lastParams, len(v) == len(c.lastParams.text) && string(v) == c.lastParams.text
	if !ok {
		r, ok = c.params[string(v)]
	}
	if !ok {
		r.text = in.str(v)
		c.p.reset(v)
		for c.p.next() {
			switch string(c.p.key) {
			case "bucketName":
				r.bucket = in.str(c.p.val)
			case "Host", "host":
				r.host = in.str(c.p.val)
			case "key":
				r.key = in.str(c.p.val)
			case "prefix":
				r.prefix = in.str(c.p.val)
			}
		}
		if len(v) <= maxInternSize {
			if c.params == nil || len(c.params) >= maxInterned {
				c.params = make(map[string]s3Params)
			}
			c.params[string(v)] = r
		}
	}
	c.lastParams = r
	ev.Params, ev.Bucket, ev.Host, ev.Key, ev.Prefix = r.text, r.bucket, r.host, r.key, r.prefix
}
