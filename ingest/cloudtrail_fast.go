package ingest

import "bytes"

// The fast path for CloudTrail records. Parsing a record with fastjson
// builds a tree of its fifty-odd values when fifteen are read, after the
// structural scanner has already walked it once to find its end. ctScan
// walks the record once, checking its syntax as fastjson would and keeping
// only the fields the decoder reads. In a Records array it runs directly on
// the read buffer, so it also finds the record's end.
//
// It accepts a subset of what fastjson accepts and reads it the same way;
// on anything else (an escape in a key or in a value it reads, requestParameters
// not written compactly, deep nesting, a record cut by the end of the
// buffer) it declines, and the record takes the fastjson path, which decides.
// FuzzCloudTrailFastPath checks that both paths give the same events and
// problems for any input.

// maxScanDepth bounds nesting on the fast path, well under fastjson's limit.
const maxScanDepth = 64

type ctScan struct {
	b   []byte
	i   int
	rec *ctRecord // where fields of the wrong type are recorded
}

func (s *ctScan) ws() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// str passes the string at s.i (at its quote) and returns its content raw.
// The end is found as fastjson finds it.
func (s *ctScan) str() (content []byte, ok bool) {
	start := s.i + 1
	j := start
	for {
		q := bytes.IndexByte(s.b[j:], '"')
		if q < 0 {
			return nil, false
		}
		q += j
		b := q
		for b > start && s.b[b-1] == '\\' {
			b--
		}
		j = q + 1
		if (q-b)%2 == 0 {
			s.i = j
			return s.b[start:q], true
		}
	}
}

// isNumberByte is fastjson's notion of a byte of a number.
func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+'
}

// skip passes any value, checking it as fastjson does.
func (s *ctScan) skip(depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; c {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		if depth >= maxScanDepth {
			return false
		}
		return s.object(depth+1, func([]byte) bool { return s.skip(depth + 1) })
	case '[':
		if depth >= maxScanDepth {
			return false
		}
		return s.array(depth + 1)
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		j := s.i
		for j < len(s.b) && isNumberByte(s.b[j]) {
			j++
		}
		// fastjson rejects an empty number and a lone sign (other than
		// before "inf" or "nan", which the fast path leaves to it).
		if n := j - s.i; n == 0 || n == 1 && (c == '-' || c == '+') {
			return false
		}
		s.i = j
		return true
	}
}

func (s *ctScan) literal(lit string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return false
	}
	s.i += len(lit)
	return true
}

// open passes the bracket at s.i and the space after it, and reports
// whether the value closes at once (passing the closing bracket too).
func (s *ctScan) open(closing byte) (empty bool) {
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == closing {
		s.i++
		return true
	}
	return false
}

func (s *ctScan) array(depth int) bool {
	if s.open(']') {
		return true
	}
	for {
		s.ws()
		if !s.skip(depth) {
			return false
		}
		if more, ok := s.separator(']'); !more {
			return ok
		}
	}
}

// separator passes what follows a member: a comma (more) or the closing
// bracket (ok).
func (s *ctScan) separator(closing byte) (more, ok bool) {
	s.ws()
	if s.i >= len(s.b) {
		return false, false
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return true, true
	case closing:
		s.i++
		return false, true
	}
	return false, false
}

// object walks the object at s.i (at its brace). For each member it leaves
// s.i at the value and calls member with the key, which must pass the
// value. Keys with escapes are declined: fastjson unescapes them.
func (s *ctScan) object(depth int, member func(key []byte) bool) bool {
	if s.open('}') {
		return true
	}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return false
		}
		key, ok := s.str()
		if !ok || bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		if !member(key) {
			return false
		}
		if more, ok := s.separator('}'); !more {
			return ok
		}
	}
}

// field reads a value the decoder keeps: a string's content, nil for any
// other value, recorded as wrong unless null (as strBytes does). A string
// with escapes is declined: fastjson would unescape it.
func (s *ctScan) field(prefix string, key []byte, dst *[]byte) bool {
	if s.i < len(s.b) && s.b[s.i] == '"' {
		v, ok := s.str()
		*dst = v
		return ok && bytes.IndexByte(v, '\\') < 0
	}
	*dst = nil
	s.wrong(prefix, key, "")
	return s.skip(1)
}

// wrong records the value at s.i, unless it is null or of type want
// ("object"), as of the wrong type for key.
func (s *ctScan) wrong(prefix string, key []byte, want string) {
	if s.i >= len(s.b) {
		return
	}
	typ := "number"
	switch s.b[s.i] {
	case 'n':
		return
	case '{':
		typ = "object"
	case '[':
		typ = "array"
	case '"':
		typ = "string"
	case 't':
		typ = "true"
	case 'f':
		typ = "false"
	}
	if typ != want {
		s.rec.wrongType(prefix, key, typ)
	}
}

// scanEvent reads the event object at the start of b into d.rec and
// returns its length; ok is false when the fast path declines.
func (d *cloudTrailDecoder) scanEvent(b []byte) (n int, ok bool) {
	if len(b) == 0 || b[0] != '{' {
		return 0, false
	}
	r := &d.rec
	*r = ctRecord{}
	s := &d.scan
	*s = ctScan{b: b, rec: r}
	ok = s.object(1, func(key []byte) bool {
		switch string(key) {
		case "@timestamp":
			if r.time != nil {
				return s.skip(1)
			}
		case "requestParameters":
			return d.scanParams()
		case "userIdentity":
			return d.scanIdentity()
		case "digestStartTime", "digestEndTime":
			r.digest = true
		}
		if f := r.slot(key); f != nil {
			return s.field("", key, f)
		}
		return s.skip(1)
	})
	return s.i, ok
}

// nested reads the value at s.i, the member name of the event (prefix is
// name and a dot): when it is an object, the members slot names into their fields; any other value
// is passed, leaving the fields empty, and recorded as wrong unless null.
func (s *ctScan) nested(name, prefix string, slot func(key []byte) *[]byte) bool {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		s.wrong(name, nil, "object")
		return s.skip(1)
	}
	return s.object(2, func(key []byte) bool {
		if f := slot(key); f != nil {
			return s.field(prefix, key, f)
		}
		return s.skip(2)
	})
}

// scanIdentity reads userIdentity; a later copy of the key replaces an
// earlier one, as with fastjson.
func (d *cloudTrailDecoder) scanIdentity() bool {
	d.rec.ident = ctIdentity{}
	d.rec.forget("userIdentity")
	return d.scan.nested("userIdentity", "userIdentity.", d.rec.ident.slot)
}

// scanParams reads requestParameters. Its text is kept as written, which is
// what fastjson writes back only for compact text without escapes.
func (d *cloudTrailDecoder) scanParams() bool {
	r, s := &d.rec, &d.scan
	r.params = ctParams{}
	r.forget("requestParameters")
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		s.wrong("requestParameters", nil, "object")
		return s.skip(1)
	}
	start := s.i
	ok := s.nested("requestParameters", "requestParameters.", r.params.slot)
	r.params.text = s.b[start:s.i]
	return ok && compactNoEscapes(r.params.text)
}

// compactNoEscapes reports whether the JSON text b has no whitespace
// outside strings and no backslash.
func compactNoEscapes(b []byte) bool {
	if bytes.IndexByte(b, '\\') >= 0 {
		return false
	}
	in := false
	for _, c := range b {
		switch {
		case c == '"':
			in = !in
		case !in && isSpace(c):
			return false
		}
	}
	return true
}
