package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
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
// How lines are told apart. Labels are fixed texts (aliases below);
// values are free text, some attacker controlled (a user agent can be
// literally "Source IP" or "Alert #1 - x"). A value can be missing: the
// label is then directly followed by another label. The labels of a block
// come in any order: real dumps list "Error Code" and "Error Message"
// before "User ID", and a dashboard version may add labels. So the parser
// keeps, per alert, the set of labels seen and the section it is in (the
// alert header part, or after "AWS Request Details"), and decides:
//
//   - After a label, the next line is that label's value, with two
//     exceptions. (1) It is a known label not yet seen in this alert: then
//     the value is missing, unless the line after it is that same label
//     again (the first copy was a value equal to the label text), or the
//     line after it is a label too and the first belongs to the other
//     section (a header user agent reading "User ID"). (2) It is an alert
//     header ("Alert #N – ...") and the line after it is an "Event ID"
//     line: the value is missing and a new alert begins. Any other text,
//     including a label already seen, is the value.
//   - After a value, the next line should be a label. A known label fills
//     its field wherever it comes; seen twice in one alert, the first value
//     is kept and the second is reported. A line shaped like a label
//     (capitalised words) is an unknown label: its value is kept in the
//     event's extra fields and the label is counted in Stats. Any other
//     line is reported as not placed. Lines after the last alert's last
//     known field are page footer and ignored (but for the unknown labels
//     earlier alerts had too), as is everything before the first alert
//     header.
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
// the alert is counted); so are duplicated labels, unknown labels and
// lines not placed. Values are kept as written except that invalid UTF-8
// is replaced by U+FFFD, so every later stage handles valid text; escaping
// for display is the report's job. Times are converted to UTC.

// biField is a label of the alert layout, in the order the dashboard
// usually prints them.
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
	fUnknown // a label of another dashboard version: kept in Event.Extra
	numFields
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

// inDetails reports whether f belongs to the request-details section.
func (f biField) inDetails() bool { return f > fDetails && f < fUnknown }

// skipPastedSpaces skips leading spaces, tabs and non-breaking spaces.
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
	if !labelStart(line[0]) { // most values are cut short here
		return fNone
	}
	switch string(line) { // as the dashboard prints them
	case "Event DateTime":
		return fEventTime
	case "Alarm DateTime":
		return fAlarmTime
	case "Source IP":
		return fSourceIP
	case "Request User Agent":
		return fAlertUA
	case "Repeated Attempts":
		return fRepeated
	case "AWS Request Details":
		return fDetails
	case "Event Type":
		return fEventType
	case "Event Name":
		return fEventName
	case "Request ID":
		return fRequestID
	case "User ID":
		return fUserID
	case "Request Parameters":
		return fParams
	case "Error Code":
		return fErrorCode
	case "Error Message":
		return fErrorMessage
	}
	// Every label has two words or more: a value without a space
	// ("AwsApiCall", "AccessDenied") is cut short here.
	if bytes.IndexByte(line, ' ') < 0 && bytes.IndexByte(line, '\t') < 0 && bytes.IndexByte(line, 0xa0) < 0 {
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

// labelStart reports whether c can begin a label (or an alert header):
// every one starts with one of these letters.
func labelStart(c byte) bool {
	switch c | 0x20 {
	case 'a', 'e', 'r', 's', 'u':
		return true
	}
	return false
}

// labelShaped reports whether a line that is no known label reads like one:
// one to five words of ASCII letters and digits, the first starting with a
// capital letter, the others with one or a digit ("Event Source", "AWS
// Region"), with an
// optional trailing colon. Values seldom look like that, page furniture
// sometimes does ("Privacy Policy"); see the decoder for how that is told
// apart.
func labelShaped(line []byte) bool {
	if n := len(line); n > 0 && line[n-1] == ':' {
		line = line[:n-1]
	}
	if len(line) < 2 || len(line) > 40 {
		return false
	}
	words, start := 0, true
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ':
			if start {
				return false // a double space, or a space after the colon cut
			}
			start = true
		case start:
			if !('A' <= c && c <= 'Z' || words > 0 && '0' <= c && c <= '9') {
				return false
			}
			start = false
			if words++; words > 5 {
				return false
			}
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return !start
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
// alert number and the text after the dash: the alert's time, which in
// real dumps is the event's.
func parseAlertHeader(line []byte) (id int, rest []byte, ok bool) {
	if len(line) < 7 || line[0]|0x20 != 'a' || !equalFoldASCII(line[:5], "alert") {
		return 0, nil, false
	}
	b := skipPastedSpaces(line[5:])
	if len(b) < 2 || b[0] != '#' {
		return 0, nil, false
	}
	b = b[1:]
	nd := 0
	for ; nd < len(b) && '0' <= b[nd] && b[nd] <= '9'; nd++ {
		if nd == 9 {
			return 0, nil, false // no dashboard numbers alerts past 999,999,999
		}
		id = id*10 + int(b[nd]-'0')
	}
	if nd == 0 {
		return 0, nil, false
	}
	b = skipPastedSpaces(b[nd:])
	switch {
	case len(b) == 0:
		return id, nil, true
	case b[0] == '-':
		b = b[1:]
	case bytes.HasPrefix(b, []byte("–")), bytes.HasPrefix(b, []byte("—")):
		b = b[len("–"):]
	case bytes.HasPrefix(b, []byte("â€")):
		b = b[len("â€"):]
		_, size := utf8.DecodeRune(b)
		b = b[size:]
	default:
		return 0, nil, false
	}
	return id, skipPastedSpaces(b), true
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
		if _, _, ok := parseAlertHeader(trimPasted(line)); ok {
			return true
		}
	}
	return false
}

// maxUnknownLabels bounds the distinct unknown labels counted by name in
// Stats.Reasons; more are counted together. The label text comes from the
// input, and a hostile file must not grow the reasons without bound.
const maxUnknownLabels = 20

type breachInsiderDecoder struct {
	lr   lineReader
	st   *Stats
	in   interner
	dict dictCache
	e    error

	// The alert being read.
	inAlert bool
	cur     Event
	last    biField // last known label seen
	wait    biField // the label whose value the next line is, or fNone
	dup     bool    // wait's label was seen before: its value is not used
	details bool    // past "AWS Request Details"
	seen    uint32  // bit f: label f was seen
	have    uint32  // bit f: field f had a value
	bad     fieldWarning
	warns   []fieldWarning
	scratch []byte // the current line, kept across a peek
	ids     idPair // event and request IDs, made strings by finish
	// headerTime is the time in the alert's header line, as written;
	// timeDiffers is set when the "Event DateTime" value is other text.
	headerTime  []byte
	timeDiffers bool
	ulabel      []byte // the unknown label waiting for its value
	// extra holds the unknown labels' pairs as Event.Extra encodes them.
	extra []byte
	// keepExtra and keepWarns are the lengths of extra and warns at the
	// last known label or value when pending is set: what comes after it
	// in the last alert of the input is page footer.
	keepExtra, keepWarns, keepPairs int
	pending                         bool

	// missAfter[f] is the label whose value was taken as missing because
	// label f followed it directly: if f comes again, the first f was
	// that value after all (a user agent reading "User ID").
	missAfter [numFields]biField
	// follows[f] is the label that followed f last time: the label the
	// next line most likely is, checked first.
	follows [numFields]biField
	// named holds the unknown labels counted by name so far, with the
	// number of the alert (in input order) that had each first.
	named  map[string]int
	alerts int
	// extraLines holds the line of each pair in extra.
	extraLines []int
	// unplaced holds the lines not placed, for the page footer warning.
	unplaced []numberedLine

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
	d := &breachInsiderDecoder{lr: lr, st: st, in: interner{sanitize: true}}
	for f := fNone; f < fErrorMessage; f++ {
		d.follows[f] = f + 1
	}
	return d
}

func (d *breachInsiderDecoder) err() error { return d.e }

// known returns the known label line is, placed: "Request User Agent" is
// the header's until that one was seen or the details began.
func (d *breachInsiderDecoder) known(line []byte) biField {
	f := labelOf(line)
	if f == fAlertUA && (d.details || d.seen&(1<<fAlertUA) != 0) {
		f = fUA
	}
	return f
}

func (d *breachInsiderDecoder) next(ev *Event) bool {
	for {
		// The label that followed the previous one last time, as the
		// dashboard prints it, is the usual line after a value: taken
		// without the general checks below, which come to the same.
		if d.inAlert && d.wait == fNone {
			if f := d.follows[d.last]; f != fNone && d.seen&(1<<f) == 0 && d.lr.skipLine(fieldLabels[f]) {
				d.label(f)
				continue
			}
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
				d.missing(d.lr.n)
				if d.pending {
					d.dropFooter()
				}
				return d.finish(ev)
			}
			return false
		}
		if tooLong {
			d.st.Skip(n, "line too long", fmt.Sprintf("line longer than %d MiB skipped", maxLineBytes>>20))
			d.wait, d.dup = fNone, false // its value, if it was one, is missing
			continue
		}
		if !d.inAlert {
			if id, at, ok := parseAlertHeader(line); ok {
				d.start(id, n, at)
			}
			continue
		}
		if d.wait != fNone {
			if len(line) < 7 || !labelStart(line[0]) {
				// Neither a label nor an alert header: the value.
				// take's usual case, written out: take is not inlined.
				if f := d.wait; f < fUnknown && !d.dup {
					d.wait, d.pending = fNone, false
					d.set(f, line, n)
				} else {
					d.take(line, n)
				}
			} else if d.valueOrNot(ev, line, n) {
				return true
			}
			continue
		}
		if id, at, ok := parseAlertHeader(line); ok {
			emit := d.finish(ev)
			d.start(id, n, at)
			if emit {
				return true
			}
			continue
		}
		if d.seen&(1<<fEventID) == 0 {
			if v, ok := eventIDInline(line); ok {
				d.label(fEventID)
				d.take(v, n)
				continue
			}
		}
		if f := d.known(line); f != fNone {
			if d.seen&(1<<f) != 0 && f != fDetails {
				if !d.relabel(f, n) {
					d.wait, d.dup, d.pending = f, true, false
				}
				continue
			}
			d.label(f)
			continue
		}
		d.footer()
		if labelShaped(line) {
			d.ulabel = append(d.ulabel[:0], line...)
			if n := len(d.ulabel); d.ulabel[n-1] == ':' {
				d.ulabel = d.ulabel[:n-1]
			}
			d.wait = fUnknown
			continue
		}
		text := clipValue(line)
		d.warns = append(d.warns, fieldWarning{n, "line not placed",
			fmt.Sprintf("alert #%d: line %q is not a label where one was due, not used", d.cur.AlertID, text)})
		d.unplaced = append(d.unplaced, numberedLine{n, text})
	}
}

// valueOrNot handles line, read while d.wait waits for its value: it is
// the value, unless it is a label or the next alert's header (then the
// value is missing). It reports whether an event was finished into ev.
func (d *breachInsiderDecoder) valueOrNot(ev *Event, line []byte, n int) bool {
	id, _, isHeader := parseAlertHeader(line)
	f := fNone
	if !isHeader {
		if f = d.known(line); f != fNone && d.seen&(1<<f) != 0 {
			if d.relabel(f, n) {
				return false // and the value waited for is missing
			}
			f = fNone // a label already seen is a value here
		}
	}
	if isHeader || f != fNone {
		d.scratch = append(d.scratch[:0], line...)
		line = d.scratch
		peek, _, _ := d.lr.peek()
		if isHeader {
			// A real header is followed by its alert's first label; a
			// user agent that looks like a header is followed by
			// "Repeated Attempts" or "User ID".
			if _, isID := eventIDInline(peek); isID || labelOf(peek) == fEventID || labelOf(peek) == fEventTime {
				d.missing(n)
				emit := d.finish(ev)
				_, at, _ := parseAlertHeader(line)
				d.start(id, n, at)
				return emit
			}
		} else if g := labelOf(peek); g != labelOf(line) {
			// Two labels in a row, unless the second repeats the first:
			// then the first was a value equal to the label text. With
			// a third label after them, a label of the other section is
			// taken as a value (a header user agent reading "User ID").
			if f == fDetails || g == fNone || f.inDetails() == (d.details || d.wait.inDetails()) {
				if d.wait < fUnknown {
					d.missAfter[f] = d.wait // in case f comes again
				}
				d.missing(n)
				d.label(f)
				return false
			}
		}
	}
	d.take(line, n)
	return false
}

// relabel handles the known label f seen again: when its first copy was
// taken for a label without value right after label l, which then went
// without value too, that copy was l's value (a user agent reading "User
// ID"), and this f is the label. It reports whether it was.
func (d *breachInsiderDecoder) relabel(f biField, n int) bool {
	l := d.missAfter[f]
	if l == fNone || d.have&(1<<f) != 0 || d.have&(1<<l) != 0 {
		return false
	}
	d.missing(n)
	d.missAfter[f] = fNone
	d.set(l, []byte(fieldLabels[f]), n)
	d.last, d.wait, d.pending = f, f, false
	return true
}

// label records that the known label f was seen (not a duplicate).
func (d *breachInsiderDecoder) label(f biField) {
	d.seen |= 1 << f
	d.follows[d.last] = f
	d.last = f
	if f == fDetails {
		d.details = true
	} else {
		d.wait = f
	}
	d.pending = false
}

// take makes v the value of the label waited for.
func (d *breachInsiderDecoder) take(v []byte, n int) {
	f := d.wait
	d.wait = fNone
	if f < fUnknown && !d.dup {
		d.set(f, v, n)
		d.pending = false
		return
	}
	d.takeOther(f, v, n)
}

// takeOther is take for a duplicated or unknown label.
func (d *breachInsiderDecoder) takeOther(f biField, v []byte, n int) {
	if f == fUnknown {
		d.addExtra(d.ulabel, v, n)
		return
	}
	d.dup = false
	d.warnDuplicate(fieldLabels[f], v, n)
}

// warnDuplicate records that label came again in the alert, with value v.
func (d *breachInsiderDecoder) warnDuplicate(label string, v []byte, n int) {
	d.warns = append(d.warns, fieldWarning{n, "duplicate label",
		fmt.Sprintf("alert #%d: %q given again, value %q not used (the first is kept)", d.cur.AlertID, label, clipValue(v))})
}

// footer marks what comes next as possibly page footer: kept unless it is
// the last alert's tail (see next).
func (d *breachInsiderDecoder) footer() {
	if !d.pending {
		d.keepExtra, d.keepWarns, d.keepPairs, d.pending = len(d.extra), len(d.warns), len(d.extraLines), true
	}
}

// addExtra keeps the value v of the unknown label in the alert's extra
// fields, unless the alert has that label already.
func (d *breachInsiderDecoder) addExtra(label, v []byte, n int) {
	c := &d.cur
	for rest := d.extra; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		k := bytes.IndexByte(rest[:i], '\t')
		if string(rest[:k]) == string(label) {
			d.warnDuplicate(clipValue(label), v, n)
			return
		}
		rest = rest[i+1:]
	}
	d.extra = appendField(d.extra, string(label), v)
	d.extraLines = append(d.extraLines, n)
	name := validUTF8(string(label))
	reason := fmt.Sprintf("unknown label %q", name)
	if _, ok := d.named[name]; !ok {
		if d.named == nil {
			d.named = make(map[string]int)
		}
		if len(d.named) < maxUnknownLabels {
			d.named[name] = d.alerts
		} else {
			reason = "unknown label (others)"
		}
	}
	d.warns = append(d.warns, fieldWarning{n, reason,
		fmt.Sprintf("alert #%d: unknown label %q, its value kept as an extra field", c.AlertID, name)})
}

// missing ends the wait for a value that is missing: an unknown label is
// kept with an empty value, a known one stays unset.
func (d *breachInsiderDecoder) missing(n int) {
	if d.wait == fUnknown {
		d.addExtra(d.ulabel, nil, n)
	}
	d.wait, d.dup = fNone, false
}

// dashboardFooter matches the text the BreachInsider dashboard prints
// below the last alert of a page: its pager and its page footer. That is
// page chrome, not a field, so dropping it needs no warning; any other
// text there does.
var dashboardFooter = regexp.MustCompile(`^(?:Load more|Previous|Next|\d{1,4}|Page \d+ of \d+|Showing \d+ to \d+ of \d+ entries|Privacy Policy|Terms of Service|© (?:\d{4} )?BreachInsider(?: Ltd)?\.(?: All rights reserved\.)?)$`)

// dropFooter removes what followed the last known field of the input's
// last alert: page footer text ("Privacy Policy" reads like a label),
// except the pairs of unknown labels that earlier alerts had too, up to
// the first other pair. What it removes is listed in one warning.
func (d *breachInsiderDecoder) dropFooter() {
	tail := string(d.extra[d.keepExtra:])
	lines := append([]int(nil), d.extraLines[d.keepPairs:]...)
	dropped0 := d.lr.n // the first line dropped, or later
	if len(d.warns) > d.keepWarns {
		dropped0 = min(dropped0, d.warns[d.keepWarns].line)
	}
	if len(lines) > 0 {
		dropped0 = min(dropped0, lines[0])
	}
	d.extra, d.extraLines, d.warns = d.extra[:d.keepExtra], d.extraLines[:d.keepPairs], d.warns[:d.keepWarns]
	i := 0
	for ; tail != ""; i++ {
		pair, rest, _ := strings.Cut(tail, "\n")
		label, value, _ := strings.Cut(pair, "\t")
		if first, ok := d.named[validUTF8(label)]; !ok || first == d.alerts {
			break
		}
		d.addExtra([]byte(label), []byte(value), lines[i])
		tail = rest
	}
	// The dropped lines, in input order: pairs taken for unknown labels
	// and lines not placed.
	var dropped []numberedLine
	for ; tail != ""; i++ {
		pair, rest, _ := strings.Cut(tail, "\n")
		label, value, _ := strings.Cut(pair, "\t")
		dropped = append(dropped, numberedLine{lines[i], clipValue([]byte(label))})
		if value != "" {
			dropped = append(dropped, numberedLine{lines[i] + 1, clipValue([]byte(value))})
		}
		tail = rest
	}
	for _, l := range d.unplaced {
		if l.n >= dropped0 {
			dropped = append(dropped, l)
		}
	}
	dropped = slices.DeleteFunc(dropped, func(l numberedLine) bool { return dashboardFooter.MatchString(l.text) })
	if len(dropped) == 0 {
		return
	}
	sort.SliceStable(dropped, func(a, b int) bool { return dropped[a].n < dropped[b].n })
	var quoted []string
	for k, l := range dropped {
		if k == 8 {
			quoted = append(quoted, "…")
			break
		}
		quoted = append(quoted, strconv.Quote(l.text))
	}
	d.warns = append(d.warns, fieldWarning{line: dropped[0].n, reason: "page footer",
		msg: fmt.Sprintf("alert #%d: %s after its last field taken for page footer, not used: %s", d.cur.AlertID, plural(len(dropped), "line"), strings.Join(quoted, ", "))})
}

// plural returns "1 line", "2 lines".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// numberedLine is a line of input, clipped, and its number.
type numberedLine struct {
	n    int
	text string
}

func (d *breachInsiderDecoder) start(id, line int, at []byte) {
	d.headerTime = append(d.headerTime[:0], at...)
	d.timeDiffers = false
	d.inAlert = true
	d.alerts++
	d.cur = Event{AlertID: id, Pos: Pos{Line: line}}
	d.last, d.wait, d.dup, d.details, d.seen, d.have = fNone, fNone, false, false, 0, 0
	d.bad = fieldWarning{}
	d.warns = d.warns[:0]
	d.extra, d.extraLines = d.extra[:0], d.extraLines[:0]
	d.unplaced = d.unplaced[:0]
	d.missAfter = [numFields]biField{}
	d.pending = false
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
		if d.timeDiffers {
			// The header's time is the event's in real dumps: kept
			// only when it says something else.
			if t, ok := parseTimeUTC(d.headerTime); !ok || !t.Equal(c.Time) {
				d.extra = append(appendField(nil, "Alert Time", d.headerTime), d.extra...)
			}
		}
		if len(d.extra) > 0 {
			c.Extra = validUTF8(string(d.extra)) + c.Extra
		}
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
		d.timeDiffers = len(d.headerTime) > 0 && string(v) != string(d.headerTime)
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
