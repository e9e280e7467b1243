package ingest

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// BreachInsider writes "User ID" and "Request Parameters" as the repr() of a
// Python dict: {'type': 'AWSAccount', 'principalId': '', 'n': 2, 'x': None}.
// Those are attacker-influenced strings, so they are parsed here as data,
// never evaluated. Only the top level is broken into keys; a nested dict,
// list or tuple is kept as its raw text.

// pyDictScanner walks the top-level key/value pairs of a Python dict
// literal without allocating. Strings are decoded (quotes and escapes
// removed); any other value (number, None, True, nested dict/list/tuple) is
// its source text. key and val are valid until the next call to next:
// they point into the input or into the scanner's scratch buffers.
//
//	var p pyDictScanner
//	p.reset(b)
//	for p.next() {
//		use(p.key, p.val)
//	}
//	if p.err != nil { ... }
type pyDictScanner struct {
	src      []byte
	i        int
	first    bool
	done     bool
	key, val []byte
	kbuf     []byte // scratch for keys with escapes
	vbuf     []byte // scratch for values with escapes
	err      error
}

// maxPyDepth bounds the nesting skipped over inside a value; deeper input
// is rejected rather than walked (it cannot come from a real dashboard).
const maxPyDepth = 64

var errPyDictEnd = errors.New("unexpected end of dict text")

func (p *pyDictScanner) reset(b []byte) {
	p.src, p.i, p.first, p.done, p.err = b, 0, true, false, nil
	p.key, p.val = nil, nil
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != '{' {
		p.fail("dict text does not start with '{'")
		return
	}
	p.i++
}

func (p *pyDictScanner) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("offset %d: "+format, append([]any{p.i}, args...)...)
	}
	p.done = true
}

func (p *pyDictScanner) skipSpace() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// next advances to the next pair. It returns false at the closing brace or
// on malformed text (p.err says which). Pairs before a syntax error are
// still returned: a truncated dict keeps what it had.
func (p *pyDictScanner) next() bool {
	if p.done {
		return false
	}
	p.skipSpace()
	if p.i >= len(p.src) {
		p.err = errPyDictEnd
		p.done = true
		return false
	}
	if p.src[p.i] == '}' {
		p.i++
		p.done = true
		p.skipSpace()
		if p.i < len(p.src) {
			p.fail("text after closing brace")
		}
		return false
	}
	if !p.first {
		if p.src[p.i] != ',' {
			p.fail("want ',' or '}', found %q", p.src[p.i])
			return false
		}
		p.i++
		p.skipSpace()
		// Python allows a trailing comma: {'a': 1,}
		if p.i < len(p.src) && p.src[p.i] == '}' {
			return p.next()
		}
	}
	p.first = false
	key, ok := p.value(&p.kbuf)
	if !ok {
		return false
	}
	p.skipSpace()
	if p.i >= len(p.src) || p.src[p.i] != ':' {
		if p.i >= len(p.src) {
			p.err, p.done = errPyDictEnd, true
		} else {
			p.fail("want ':' after key, found %q", p.src[p.i])
		}
		return false
	}
	p.i++
	p.skipSpace()
	val, ok := p.value(&p.vbuf)
	if !ok {
		return false
	}
	p.key, p.val = key, val
	return true
}

// value reads one value at p.i: a string (decoded into *buf when it has
// escapes), or the raw text of anything else.
func (p *pyDictScanner) value(buf *[]byte) ([]byte, bool) {
	if p.i >= len(p.src) {
		p.err, p.done = errPyDictEnd, true
		return nil, false
	}
	if s, ok, isStr := p.str(buf); isStr {
		if !ok {
			return nil, false
		}
		// Adjacent literals concatenate in Python: 'a' 'b' is 'ab'.
		for {
			save := p.i
			p.skipSpace()
			if p.i >= len(p.src) || !startsString(p.src[p.i:]) {
				p.i = save
				return s, true
			}
			joined := append([]byte(nil), s...) // s may alias *buf
			more, ok, _ := p.str(buf)
			if !ok {
				return nil, false
			}
			joined = append(joined, more...)
			*buf, s = joined, joined
		}
	}
	start := p.i
	depth := 0
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == '\'' || c == '"':
			if _, ok, _ := p.str(nil); !ok {
				return nil, false
			}
			continue
		case c == '{' || c == '[' || c == '(':
			if depth++; depth > maxPyDepth {
				p.fail("nesting deeper than %d", maxPyDepth)
				return nil, false
			}
		case c == '}' || c == ']' || c == ')':
			if depth == 0 {
				return trimRightSpace(p.src[start:p.i]), p.i > start || p.emptyValue()
			}
			depth--
		case (c == ',' || c == ':') && depth == 0:
			return trimRightSpace(p.src[start:p.i]), p.i > start || p.emptyValue()
		}
		p.i++
	}
	p.err, p.done = errPyDictEnd, true
	return nil, false
}

func (p *pyDictScanner) emptyValue() bool {
	p.fail("missing value")
	return false
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

// startsString reports whether b begins a string literal, with an optional
// r/b/u prefix.
func startsString(b []byte) bool {
	for n := 0; n < 2 && len(b) > 0; n++ {
		switch b[0] {
		case '\'', '"':
			return true
		case 'r', 'R', 'b', 'B', 'u', 'U':
			b = b[1:]
		default:
			return false
		}
	}
	return len(b) > 0 && (b[0] == '\'' || b[0] == '"')
}

// str reads a string literal at p.i. isStr is false (and nothing consumed)
// when there is none. With buf nil the literal is only skipped.
func (p *pyDictScanner) str(buf *[]byte) (s []byte, ok, isStr bool) {
	if !startsString(p.src[p.i:]) {
		return nil, false, false
	}
	raw := false
	for p.src[p.i] != '\'' && p.src[p.i] != '"' {
		if p.src[p.i] == 'r' || p.src[p.i] == 'R' {
			raw = true
		}
		p.i++
	}
	q := p.src[p.i]
	p.i++
	start := p.i
	// Fast path: no backslash before the closing quote.
	for j := start; j < len(p.src); j++ {
		switch p.src[j] {
		case q:
			p.i = j + 1
			return p.src[start:j], true, true
		case '\\':
			goto slow
		}
	}
	p.i = len(p.src)
	p.err, p.done = errPyDictEnd, true
	return nil, false, true
slow:
	var out []byte
	if buf != nil {
		out = (*buf)[:0]
	}
	for p.i < len(p.src) {
		c := p.src[p.i]
		if c == q {
			p.i++
			if buf != nil {
				*buf = out
			}
			return out, true, true
		}
		if c != '\\' || p.i+1 >= len(p.src) {
			if buf != nil {
				out = append(out, c)
			}
			p.i++
			continue
		}
		e := p.src[p.i+1]
		if raw {
			// In a raw string a backslash only stops the next quote
			// from ending the literal; both characters are kept.
			if buf != nil {
				out = append(out, c, e)
			}
			p.i += 2
			continue
		}
		p.i += 2
		if buf == nil {
			continue
		}
		switch e {
		case '\\', '\'', '"':
			out = append(out, e)
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case '0':
			out = append(out, 0)
		case 'x', 'u', 'U':
			n := 2
			if e == 'u' {
				n = 4
			} else if e == 'U' {
				n = 8
			}
			if v, ok := parseHex(p.src[p.i:], n); ok {
				p.i += n
				if v > utf8.MaxRune {
					v = utf8.RuneError
				}
				out = utf8.AppendRune(out, rune(v))
				continue
			}
			out = append(out, '\\', e) // not a valid escape: keep as written
		default:
			out = append(out, '\\', e)
		}
	}
	p.err, p.done = errPyDictEnd, true
	return nil, false, true
}

// parseHex parses the first n bytes of b as hex digits.
func parseHex(b []byte, n int) (uint32, bool) {
	if len(b) < n {
		return 0, false
	}
	var v uint32
	for _, c := range b[:n] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(c)
	}
	return v, true
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

// textIdentity is an Identity with the text it was read from, and the
// extra fields (Event.Extra) the text holds besides.
type textIdentity struct {
	text  string
	id    Identity
	extra string
}

// setIdentity fills ev.Identity from "User ID" python-dict text. Keys that
// no Identity field stands for ("accessKeyId") are added to ev.Extra as
// "User ID.key"; text that is not a well-formed dict is added whole, as
// "User ID", besides the pairs read before the error.
func (c *dictCache) setIdentity(ev *Event, v []byte, in *interner) {
	t, ok := c.lastID, len(v) == len(c.lastID.text) && string(v) == c.lastID.text
	if !ok {
		t, ok = c.ids[string(v)]
	}
	if !ok {
		t = c.readIdentity(v, in)
		if len(v) <= maxInternSize {
			if c.ids == nil || len(c.ids) >= maxInterned {
				c.ids = make(map[string]textIdentity)
			}
			c.ids[t.text] = t
		}
	}
	c.lastID = t
	ev.Identity = t.id
	if t.extra != "" {
		ev.Extra += t.extra
	}
}

func (c *dictCache) readIdentity(v []byte, in *interner) textIdentity {
	t := textIdentity{text: string(v)}
	id := &t.id
	var extra []byte
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
		default:
			extra = appendField(extra, "User ID."+string(c.p.key), c.p.val)
		}
	}
	if c.p.err != nil {
		extra = appendField(extra, "User ID", v)
	}
	t.extra = validUTF8(string(extra))
	return t
}
