package ingest

// A fast path for CloudTrail records. Parsing every record with fastjson
// builds a tree of every field when a dozen are used; ctScan walks the
// record's bytes once instead, reading only those fields. It accepts a
// strict subset of JSON: no escapes in keys or in the strings it reads,
// requestParameters written compactly, nesting under maxScanDepth. On
// anything else it gives up and the record goes to fastjson, which
// decides, so both paths give the same events (FuzzCloudTrailFastPath
// checks it).

// maxScanDepth bounds nesting, well under fastjson's own limit.
const maxScanDepth = 64

type ctScan struct {
	b     []byte
	i     int
	depth int
}

func (s *ctScan) ws() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

// plainString reads a string with no escape and no control character and
// returns its content; ok is false for anything else.
func (s *ctScan) plainString() (content []byte, ok bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return s.b[start:j], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// skipString passes a string, checking its escapes strictly.
func (s *ctScan) skipString() bool {
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if j+1 >= len(s.b) {
				return false
			}
			switch s.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if j+5 >= len(s.b) || !isHex4(s.b[j+2:j+6]) {
					return false
				}
				j += 5
			default:
				return false
			}
		}
	}
	return false
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// skipNumber passes a number in JSON's grammar.
func (s *ctScan) skipNumber() bool {
	b, i := s.b, s.i
	digits := func() bool {
		j := i
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
		return i > j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	s.i = i
	return true
}

func (s *ctScan) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// skipValue passes any value, strictly.
func (s *ctScan) skipValue() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.skipString()
	case c == '{':
		return s.object(func([]byte, int, int) bool { return true })
	case c == '[':
		return s.array()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.skipNumber()
	}
	return false
}

func (s *ctScan) array() bool {
	if s.depth++; s.depth > maxScanDepth {
		return false
	}
	defer func() { s.depth-- }()
	s.i++ // [
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return true
	}
	for {
		s.ws()
		if !s.skipValue() {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

// object walks the object at s.i, calling member with each key and the
// byte range of its value (already checked). member returns false to give
// up.
func (s *ctScan) object(member func(key []byte, start, end int) bool) bool {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return false
	}
	if s.depth++; s.depth > maxScanDepth {
		return false
	}
	defer func() { s.depth-- }()
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		s.ws()
		key, ok := s.plainString()
		if !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		start := s.i
		if !s.skipValue() || !member(key, start, s.i) {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// str returns the content of the string value b, nil when b is another
// kind of value (as strBytes does for fastjson); ok is false for a string
// the fast path does not read (escapes).
func ctString(b []byte) (v []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, true
	}
	s := ctScan{b: b}
	v, ok = s.plainString()
	return v, ok && s.i == len(b)
}

// scanRecord fills d.rec from rec's top level and reports whether the
// fast path could read it; the identity and parameter objects are kept as
// byte ranges for fillFast.
func (d *cloudTrailDecoder) scanRecord(rec []byte) bool {
	r := &d.rec
	*r = ctRecord{}
	s := ctScan{b: rec}
	s.ws()
	ok := s.object(func(key []byte, start, end int) bool {
		v := rec[start:end]
		var field *[]byte
		switch string(key) {
		case "eventSource":
			field = &r.source
		case "eventName":
			field = &r.name
		case "eventType":
			field = &r.typ
		case "eventTime":
			field = &r.time
		case "@timestamp":
			if r.time != nil {
				return true
			}
			field = &r.time
		case "userAgent":
			field = &r.ua
		case "sourceIPAddress":
			field = &r.ip
		case "errorCode":
			field = &r.errCode
		case "errorMessage":
			field = &r.errMsg
		case "eventID":
			field = &r.id
		case "requestID":
			field = &r.reqID
		case "requestParameters":
			r.paramsRaw = v
			return true
		case "userIdentity":
			r.identRaw = v
			return true
		case "digestStartTime", "digestEndTime":
			r.digest = true
			return true
		default:
			return true
		}
		sv, ok := ctString(v)
		*field = sv
		return ok
	})
	if !ok {
		return false
	}
	s.ws()
	if s.i != len(rec) {
		return false
	}
	// The parameters become Params as written: only compact text without
	// escapes reads the same as fastjson would write it back.
	if p := r.paramsRaw; len(p) > 0 && p[0] == '{' && !compactNoEscapes(p) {
		return false
	}
	d.fast = Event{}
	return d.fillFast(&d.fast)
}

// compactNoEscapes reports whether the JSON text b has no whitespace
// outside strings and no backslash.
func compactNoEscapes(b []byte) bool {
	in := false
	for _, c := range b {
		switch {
		case c == '\\':
			return false
		case c == '"':
			in = !in
		case !in && isSpace(c):
			return false
		}
	}
	return true
}

// fillFast sets the identity and parameter fields of ev from the byte
// ranges scanRecord kept. It reports false if a string there needs the
// slow path.
func (d *cloudTrailDecoder) fillFast(ev *Event) bool {
	r := &d.rec
	if id := r.identRaw; len(id) > 0 && id[0] == '{' {
		s := ctScan{b: id}
		ok := s.object(func(key []byte, start, end int) bool {
			var field *string
			switch string(key) {
			case "type":
				field = &ev.Identity.Type
			case "principalId":
				field = &ev.Identity.PrincipalID
			case "accountId":
				field = &ev.Identity.AccountID
			case "arn":
				field = &ev.Identity.ARN
			case "userName":
				field = &ev.Identity.UserName
			default:
				return true
			}
			v, ok := ctString(id[start:end])
			*field = d.in.str(v)
			return ok
		})
		if !ok {
			return false
		}
	}
	if p := r.paramsRaw; len(p) > 0 && p[0] == '{' {
		ev.Params = d.in.str(p)
		s := ctScan{b: p}
		ok := s.object(func(key []byte, start, end int) bool {
			var field *string
			switch string(key) {
			case "bucketName":
				field = &ev.Bucket
			case "key":
				field = &ev.Key
			case "prefix":
				field = &ev.Prefix
			case "Host":
				field = &ev.Host
			default:
				return true
			}
			v, ok := ctString(p[start:end])
			*field = d.in.str(v)
			return ok
		})
		if !ok {
			return false
		}
	}
	return true
}
