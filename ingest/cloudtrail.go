package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/valyala/fastjson"
)

// cloudTrailDecoder reads CloudTrail events from a stream holding any
// mixture of:
//
//   - {"Records":[...]} objects, as AWS delivers them (one line, up to about
//     100 MB): the array is split into elements here, each parsed alone;
//   - a top-level array of events;
//   - one event per line (Athena, CloudTrail Lake, Logstash exports),
//     recognised when the first event object ends on the line it starts.
//
// Only S3 events are returned; others are counted as filtered. Every
// Records array of an object is read, not only the first. A field read
// that holds another JSON type than it should (a sourceIPAddress object, a
// numeric errorCode) is left empty with a warning naming it; null is an
// absent value. Without a usable eventSource or eventTime (a zero time
// included) the record is skipped.
//
// A record is read on one path with one fallback. The path is ctScan
// (cloudtrail_fast.go): one pass over the record where it lies in the read
// buffer, checking its syntax and keeping the fifteen fields used. What it
// declines (escapes, unusual layout, a record cut by the buffer's end) is
// parsed by fastjson (cloudtrail_fastjson.go), which also decides what is
// valid JSON. FuzzCloudTrailFastPath checks that both give the same result.
// Finding records in the stream (Records objects, arrays, lines) is this
// file's structural scanner, which reads no values: it looks only at
// brackets and strings, so a broken record in an array costs only itself.
type cloudTrailDecoder struct {
	w    *window
	st   *Stats
	p    fastjson.Parser
	scan ctScan
	in   interner
	// The previous record's values: the next one often repeats them.
	last       struct{ typ, ua, idType, principal, account, arn, bucket, host lastString }
	e          error
	rec        ctRecord
	visitTop   func(key []byte, v *fastjson.Value)
	visitIdent func(key []byte, v *fastjson.Value)
	visitParam func(key []byte, v *fastjson.Value)
	identV     *fastjson.Value // userIdentity, on the fastjson path
	paramsV    *fastjson.Value // requestParameters, on the fastjson path
	paramsText []byte
	scratch    []byte

	// Where the scan is: between top-level values, inside an array of
	// events (Records, or a top-level array), or in the rest of a Records
	// object after its array.
	state    int
	lineMode bool
	// scanned is set when the fast path has already read the record
	// being returned into rec.
	scanned bool
}

// ctRecord holds the fields of the event being read, pointing into the
// record's bytes. Both paths fill it; build makes the Event.
type ctRecord struct {
	source, name, typ, time, ua, ip, errCode, errMsg, id, reqID []byte
	ident                                                       ctIdentity
	params                                                      ctParams
	digest                                                      bool
	// wrong lists the fields read that hold a JSON value of another type
	// than the string (or, for userIdentity and requestParameters, the
	// object) they should be; null counts as absent.
	wrong []ctWrong
}

// ctWrong is a field of the wrong JSON type: its name (nested ones as
// "userIdentity.arn") and the type found, named as fastjson names it.
type ctWrong struct{ field, typ string }

// wrongType records that field holds a value of type typ.
func (r *ctRecord) wrongType(prefix string, key []byte, typ string) {
	r.wrong = append(r.wrong, ctWrong{prefix + string(key), typ})
}

// forget drops what was recorded about the fields under prefix: a later
// copy of userIdentity or requestParameters replaces an earlier one.
func (r *ctRecord) forget(prefix string) {
	w := r.wrong[:0]
	for _, x := range r.wrong {
		if !strings.HasPrefix(x.field, prefix) {
			w = append(w, x)
		}
	}
	r.wrong = w
}

type ctIdentity struct{ typ, principal, account, arn, user []byte }

// ctParams is requestParameters: its text (nil when it is not an object)
// and the fields read from it.
type ctParams struct{ text, bucket, key, prefix, host []byte }

const (
	ctTop = iota
	ctArray
	ctTopArray
	ctAfterRecords
)

func newCloudTrailDecoder(r io.Reader, st *Stats) decoder {
	d := &cloudTrailDecoder{w: newWindow(r), st: st}
	d.visitTop = d.top
	d.visitIdent = d.ident
	d.visitParam = d.param
	return d
}

func (d *cloudTrailDecoder) err() error { return d.e }

func (d *cloudTrailDecoder) release() { d.w.release() }

// sniffCloudTrail recognises JSON that names CloudTrail fields. It also
// claims CloudTrail digest files, which sit beside the logs in a synced
// CloudTrail-Digest/ tree: the decoder counts them as filtered ("cloudtrail
// digest") rather than every one failing as an unknown format.
func sniffCloudTrail(head []byte) bool {
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 || (head[0] != '{' && head[0] != '[') {
		return false
	}
	return bytes.Contains(head, []byte(`"Records"`)) || bytes.Contains(head, []byte(`"eventSource"`)) ||
		bytes.Contains(head, []byte(`"eventName"`)) ||
		bytes.Contains(head, []byte(`"digestStartTime"`)) && bytes.Contains(head, []byte(`"awsAccountId"`))
}

func (d *cloudTrailDecoder) next(ev *Event) bool { return d.read(ev, true) }

// read is next, reading records on the fast path first when fast is set,
// else with fastjson only: FuzzCloudTrailFastPath compares the two.
func (d *cloudTrailDecoder) read(ev *Event, fast bool) bool {
	for d.e == nil {
		var (
			rec  []byte
			line int
			ok   bool
		)
		if d.lineMode {
			rec, line, ok = d.nextLineRecord()
		} else {
			rec, line, ok = d.nextRecord(fast)
		}
		if !ok {
			if d.e == nil {
				d.e = d.w.readErr(d.st.File)
			}
			return false
		}
		if rec == nil {
			continue
		}
		if d.event(rec, line, ev, fast) {
			return true
		}
		*ev = Event{}
	}
	return false
}

// nextLineRecord returns the next non-blank line. A line holding a Records
// object (files concatenated with cat) switches back to structural
// scanning, which streams its array.
func (d *cloudTrailDecoder) nextLineRecord() (rec []byte, line int, ok bool) {
	for {
		l, n, long, ok := d.w.nextLine()
		if !ok {
			return nil, 0, false
		}
		if long {
			d.st.Skip(n, "record too long", fmt.Sprintf("record longer than %d MB skipped", maxRecord>>20))
			continue
		}
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		if bytes.HasPrefix(l, []byte(`{"Records"`)) {
			d.lineMode = false
			d.w.pos = d.w.start
			d.w.line, d.w.counted = n, d.w.start
			return nil, 0, true
		}
		return l, n, true
	}
}

// Structural scanning. The scanner checks brackets and strings only, enough
// to find where a value ends in a stream; the record found is then read by
// the fast path or fastjson.

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

// skipSpace moves pos past whitespace; false at the end of the input.
func (w *window) skipSpace() bool {
	for {
		for w.pos < w.end {
			if !isSpace(w.buf[w.pos]) {
				return true
			}
			w.pos++
		}
		if !w.fill() {
			return false
		}
	}
}

// peek returns the byte at pos, reading more if needed.
func (w *window) peek() (byte, bool) {
	if w.pos >= w.end && !w.fill() {
		return 0, false
	}
	return w.buf[w.pos], true
}

var errScanEOF = errors.New("unexpected end of input")

// skipString moves pos past the string starting at pos (at its quote).
func (w *window) skipString() error {
	w.pos++
	for {
		i := bytes.IndexByte(w.buf[w.pos:w.end], '"')
		if i < 0 {
			w.pos = w.end
			if !w.fill() {
				return errScanEOF
			}
			continue
		}
		q := w.pos + i
		// A quote preceded by an odd number of backslashes is escaped.
		b := q - 1
		for b >= w.start && w.buf[b] == '\\' {
			b--
		}
		w.pos = q + 1
		if (q-1-b)%2 == 0 {
			return nil
		}
	}
}

// structural marks the bytes skipValue stops at inside arrays and objects.
var structural = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// skipValue moves pos past the JSON value starting at pos.
func (w *window) skipValue() error {
	c := w.buf[w.pos]
	switch c {
	case '"':
		return w.skipString()
	case '{', '[':
	default:
		// A scalar ends at a delimiter.
		for {
			for w.pos < w.end {
				switch w.buf[w.pos] {
				case ',', '}', ']', ' ', '\n', '\r', '\t':
					return nil
				}
				w.pos++
			}
			if !w.fill() {
				return nil
			}
		}
	}
	depth := 0
	for {
		for w.pos < w.end {
			b := w.buf[w.pos:w.end:w.end]
			i := 0
			for i < len(b) && !structural[b[i]] {
				i++
			}
			w.pos += i
			if i == len(b) {
				break
			}
			switch b[i] {
			case '"':
				if err := w.skipString(); err != nil {
					return err
				}
				continue
			case '{', '[':
				depth++
			default:
				depth--
			}
			w.pos++
			if depth == 0 {
				return nil
			}
		}
		if !w.fill() {
			return errScanEOF
		}
	}
}

// syntaxErr is a structural error at pos.
func (w *window) syntaxErr(want string) error {
	c, ok := w.peek()
	if !ok {
		return fmt.Errorf("%w, want %s", errScanEOF, want)
	}
	return fmt.Errorf("invalid character %q, want %s", c, want)
}

// nextRecord returns the next record found by structural scanning, or nil
// with ok set when the scan moved on without a record.
func (d *cloudTrailDecoder) nextRecord(fast bool) (rec []byte, line int, ok bool) {
	w := d.w
	switch d.state {
	case ctArray, ctTopArray:
		if !w.skipSpace() {
			d.e = d.truncated("in an array of events")
			return nil, 0, false
		}
		c := w.buf[w.pos]
		if c == ']' {
			w.pos++
			if d.state == ctArray {
				d.state = ctAfterRecords
			} else {
				d.state = ctTop
			}
			return nil, 0, true
		}
		if c == ',' {
			w.pos++
			if !w.skipSpace() {
				d.e = d.truncated("in an array of events")
				return nil, 0, false
			}
		}
		w.start = w.pos
		w.overflow = false
		w.countTo(w.pos)
		line = w.line
		if fast {
			// The fast path reads the record where it lies in the
			// buffer, finding its end on the way; a record the buffer
			// does not hold whole is declined and scanned below.
			if n, ok := d.scanEvent(w.buf[w.pos:w.end]); ok {
				w.pos += n
				d.scanned = true
				return w.buf[w.start:w.pos], line, true
			}
		}
		if err := w.skipValue(); err != nil || w.pos == w.start {
			// An array element whose end cannot be found leaves no
			// place to start again.
			if err == nil {
				err = w.syntaxErr("a value")
			}
			d.e = d.resyncErr(line, err)
			return nil, 0, false
		}
		if w.overflow {
			d.st.Skip(line, "record too long", fmt.Sprintf("record longer than %d MB skipped", maxRecord>>20))
			return nil, 0, true
		}
		return w.buf[w.start:w.pos], line, true
	case ctAfterRecords:
		// The rest of the Records object: other keys, then '}'.
		for {
			if !w.skipSpace() {
				d.e = d.truncated("after the Records array")
				return nil, 0, false
			}
			switch w.buf[w.pos] {
			case '}':
				w.pos++
				d.state = ctTop
				return nil, 0, true
			case ',':
				w.pos++
				key, err := d.objectKey()
				if err != nil {
					d.e = d.resyncErr(w.line, err)
					return nil, 0, false
				}
				if string(key) == "Records" && w.buf[w.pos] == '[' {
					// A second Records array: its events count too.
					w.pos++
					d.state = ctArray
					return nil, 0, true
				}
				if err := w.skipValue(); err != nil {
					d.e = d.resyncErr(w.line, err)
					return nil, 0, false
				}
			default:
				w.countTo(w.pos)
				d.e = d.resyncErr(w.line, w.syntaxErr("',' or '}'"))
				return nil, 0, false
			}
		}
	}
	// Between top-level values.
	if !w.skipSpace() {
		return nil, 0, false
	}
	w.start = w.pos
	w.overflow = false
	w.countTo(w.pos)
	line = w.line
	switch w.buf[w.pos] {
	case '[':
		w.pos++
		d.state = ctTopArray
		return nil, 0, true
	case '{':
		rec, err := d.topObject()
		if err == nil && rec == nil {
			return nil, 0, true // entered a Records array
		}
		if err == nil && w.overflow {
			d.st.Skip(line, "record too long", fmt.Sprintf("record longer than %d MB skipped", maxRecord>>20))
			return nil, 0, true
		}
		if err == nil {
			// An event object on one line: the input is one event per
			// line, which is read by lines from here, so that a broken
			// line costs only itself.
			if bytes.IndexByte(rec, '\n') < 0 {
				d.lineMode = true
			}
			return rec, line, true
		}
		d.st.Skip(line, "invalid JSON", fmt.Sprintf("invalid JSON: %v", err))
	default:
		d.st.Skip(line, "invalid JSON", fmt.Sprintf("invalid JSON: %v", w.syntaxErr("'{' or '['")))
	}
	// Start again on the line after the bad record's first line: one
	// event per line is the common case of hand-made or exported input.
	if w.overflow {
		return nil, 0, true // what the record started with is gone
	}
	w.pos = w.start
	if i := bytes.IndexByte(w.buf[w.pos:w.end], '\n'); i >= 0 {
		w.pos += i + 1
	} else {
		w.pos = w.end
	}
	return nil, 0, true
}

// objectKey reads `"key" :` at pos (after skipping space) and leaves pos
// at the start of the value. The key is returned raw, valid until a fill.
func (d *cloudTrailDecoder) objectKey() ([]byte, error) {
	w := d.w
	if !w.skipSpace() {
		return nil, errScanEOF
	}
	if w.buf[w.pos] != '"' {
		return nil, w.syntaxErr("a string key")
	}
	ks := w.pos - w.start
	if err := w.skipString(); err != nil {
		return nil, err
	}
	ke := w.pos - w.start
	if !w.skipSpace() {
		return nil, errScanEOF
	}
	if w.buf[w.pos] != ':' {
		return nil, w.syntaxErr("':'")
	}
	w.pos++
	if !w.skipSpace() {
		return nil, errScanEOF
	}
	if w.overflow {
		return nil, nil
	}
	return w.buf[w.start+ks+1 : w.start+ke-1], nil
}

// topObject scans the top-level object at pos. When it has a Records key
// whose value is an array, it stops inside that array (state ctArray) and
// returns nil; otherwise it returns the whole object.
func (d *cloudTrailDecoder) topObject() ([]byte, error) {
	w := d.w
	w.pos++
	if !w.skipSpace() {
		return nil, errScanEOF
	}
	if w.buf[w.pos] == '}' {
		w.pos++
		return w.buf[w.start:w.pos], nil
	}
	for {
		key, err := d.objectKey()
		if err != nil {
			return nil, err
		}
		if string(key) == "Records" && w.buf[w.pos] == '[' {
			w.pos++
			d.state = ctArray
			return nil, nil
		}
		if err := w.skipValue(); err != nil {
			return nil, err
		}
		if !w.skipSpace() {
			return nil, errScanEOF
		}
		switch w.buf[w.pos] {
		case ',':
			w.pos++
		case '}':
			w.pos++
			return w.buf[w.start:w.pos], nil
		default:
			return nil, w.syntaxErr("',' or '}'")
		}
	}
}

func (d *cloudTrailDecoder) truncated(where string) error {
	if err := d.w.readErr(d.st.File); err != nil {
		return err
	}
	return fmt.Errorf("%s:%d: unexpected end of input %s (truncated input?)", d.st.File, d.w.line, where)
}

func (d *cloudTrailDecoder) resyncErr(line int, err error) error {
	if rerr := d.w.readErr(d.st.File); rerr != nil {
		return rerr
	}
	if errors.Is(err, errScanEOF) {
		return fmt.Errorf("%s:%d: unexpected end of input in an event (truncated input?)", d.st.File, line)
	}
	return fmt.Errorf("%s:%d: invalid JSON in an array of events, rest of input not read: %v", d.st.File, line, err)
}

// event reads one record into ev, reporting whether it is an S3 event.
func (d *cloudTrailDecoder) event(rec []byte, line int, ev *Event, fast bool) bool {
	switch {
	case d.scanned:
		d.scanned = false
	case fast && d.scanWhole(rec):
	case !d.parse(rec, line):
		return false
	}
	return d.build(line, ev)
}

// scanWhole reads rec on the fast path; false if it declines.
func (d *cloudTrailDecoder) scanWhole(rec []byte) bool {
	n, ok := d.scanEvent(rec)
	return ok && n == len(rec)
}

// build checks the record read into d.rec and, for an S3 event, fills ev.
func (d *cloudTrailDecoder) build(line int, ev *Event) bool {
	r := &d.rec
	if r.source == nil {
		if r.digest {
			d.st.Filter("cloudtrail digest")
			return false
		}
		if typ := r.wrongTypeOf("eventSource"); typ != "" {
			d.st.Skip(line, "wrong JSON type", fmt.Sprintf("eventSource is JSON %s, not a string: not a CloudTrail event", typ))
			return false
		}
		d.st.Skip(line, "not a CloudTrail event", "record has no eventSource: not a CloudTrail event")
		return false
	}
	if string(r.source) != "s3.amazonaws.com" {
		d.st.Filter("not an S3 event")
		return false
	}
	t, ok := parseTimeUTC(r.time)
	if !ok {
		switch typ := r.wrongTypeOf("eventTime"); {
		case r.time != nil:
			d.st.Skip(line, "bad time", fmt.Sprintf("bad eventTime %q", clipValue(r.time)))
		case typ != "":
			d.st.Skip(line, "bad time", fmt.Sprintf("eventTime is JSON %s, not a string", typ))
		default:
			d.st.Skip(line, "bad time", "S3 event has no eventTime")
		}
		return false
	}
	if len(r.wrong) > 0 {
		warnKept(d.st, fieldWarning{line, "wrong JSON type", r.wrongMessage()})
	}
	ev.Time = t
	ev.Pos.Line = line
	ev.Weight = 1
	ev.Op = parseOp(r.name, &d.in)
	ev.EventType = d.last.typ.str(&d.in, r.typ)
	setSource(ev, r.ip, &d.in)
	ua := r.ua
	// CloudTrail wraps some user agents in brackets: "[aws-cli/2.0 ...]".
	if len(ua) >= 2 && ua[0] == '[' && ua[len(ua)-1] == ']' {
		ua = ua[1 : len(ua)-1]
	}
	l := &d.last
	ev.UserAgent = l.ua.str(&d.in, ua)
	ev.ErrorCode = d.in.str(r.errCode)
	ev.ErrorMessage = d.in.str(r.errMsg)
	id := &r.ident
	ev.Identity = Identity{
		Type: l.idType.str(&d.in, id.typ), PrincipalID: l.principal.str(&d.in, id.principal), AccountID: l.account.str(&d.in, id.account),
		ARN: l.arn.str(&d.in, id.arn), UserName: d.in.str(id.user),
	}
	p := &r.params
	ev.Params = d.in.str(p.text)
	ev.Bucket, ev.Key, ev.Prefix, ev.Host = l.bucket.str(&d.in, p.bucket), d.in.str(p.key), d.in.str(p.prefix), l.host.str(&d.in, p.host)
	// One allocation for the two per-event identifiers.
	d.scratch = append(append(d.scratch[:0], r.id...), r.reqID...)
	s := string(d.scratch)
	ev.EventID, ev.RequestID = s[:len(r.id)], s[len(r.id):]
	return true
}

// The slot methods map a key to the field that keeps its value, nil for
// keys not read; both paths use them, so they read the same fields.

func (r *ctRecord) slot(key []byte) *[]byte {
	switch string(key) {
	case "eventSource":
		return &r.source
	case "eventName":
		return &r.name
	case "eventType":
		return &r.typ
	case "eventTime", "@timestamp":
		return &r.time
	case "userAgent":
		return &r.ua
	case "sourceIPAddress":
		return &r.ip
	case "errorCode":
		return &r.errCode
	case "errorMessage":
		return &r.errMsg
	case "eventID":
		return &r.id
	case "requestID":
		return &r.reqID
	}
	return nil
}

func (id *ctIdentity) slot(key []byte) *[]byte {
	switch string(key) {
	case "type":
		return &id.typ
	case "principalId":
		return &id.principal
	case "accountId":
		return &id.account
	case "arn":
		return &id.arn
	case "userName":
		return &id.user
	}
	return nil
}

func (p *ctParams) slot(key []byte) *[]byte {
	switch string(key) {
	case "bucketName":
		return &p.bucket
	case "key":
		return &p.key
	case "prefix":
		return &p.prefix
	case "Host":
		return &p.host
	}
	return nil
}

// wrongTypeOf returns the JSON type of field when it was of the wrong
// type, or "".
func (r *ctRecord) wrongTypeOf(field string) string {
	for _, w := range r.wrong {
		if w.field == field {
			return w.typ
		}
	}
	return ""
}

// wrongMessage says which fields held the wrong type, in a fixed order
// (the two paths meet nested fields at different times).
func (r *ctRecord) wrongMessage() string {
	sort.SliceStable(r.wrong, func(i, j int) bool { return r.wrong[i].field < r.wrong[j].field })
	var b strings.Builder
	b.WriteString("wrong JSON type, left empty: ")
	for i, w := range r.wrong {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s is JSON %s", w.field, w.typ)
	}
	return b.String()
}
