package ingest

import (
	"bytes"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"time"
)

// S3 server access log fields, in the order AWS documents them
// ("Amazon S3 server access log format"). The bracketed time counts as one
// field. Newer logs append fields; older ones stop after the user agent or
// the version ID.
const (
	s3Owner = iota
	s3Bucket
	s3Time
	s3RemoteIP
	s3Requester
	s3RequestID
	s3Operation
	s3Key
	s3RequestURI
	s3Status
	s3ErrorCode
	s3BytesSent
	s3ObjectSize
	s3TotalTime
	s3TurnAround
	s3Referer
	s3UserAgent
	s3VersionID
	s3HostID
	s3SigVersion
	s3Cipher
	s3AuthType
	s3HostHeader
	s3TLSVersion
	s3AccessPointARN
	s3ACLRequired
	s3MaxFields = 40 // later additions are ignored
)

// s3MinFields is the fewest fields a line may have: up to the user agent,
// as the oldest logs have it.
const s3MinFields = s3UserAgent + 1

// s3AccessDecoder reads S3 server access logs, one request per line.
//
// Keys are kept as logged, that is URL-encoded (S3 logs "a%20b.txt" for
// "a b.txt"): the encoded form is unambiguous and shows what was asked.
type s3AccessDecoder struct {
	w      *window
	st     *Stats
	in     interner
	e      error
	f      [s3MaxFields][]byte
	unq    []byte
	done   bool
	quoted [s3MaxFields]bool

	lastTime         time.Time
	lastTimeText     []byte
	bucket, ua, host lastString
	lastOp           lastOp
}

// lastOp is the operation of the line before: text is the field as
// logged (held by the table or the interner, not the line).
type lastOp struct {
	set  bool
	text string
	row  opRow
}

func newS3AccessDecoder(r io.Reader, st *Stats) decoder {
	d := &s3AccessDecoder{w: newWindow(r), st: st}
	return d
}

func (d *s3AccessDecoder) err() error { return d.e }

func (d *s3AccessDecoder) release() { d.w.release() }

func (d *s3AccessDecoder) next(ev *Event) bool {
	for !d.done {
		line, n, long, ok := d.w.nextLine()
		if !ok {
			d.done = true
			d.e = d.w.readErr(d.st.File)
			return false
		}
		if long {
			d.st.Skip(n, "line too long", fmt.Sprintf("line longer than %d MB skipped", maxRecord>>20))
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if d.parse(line, n, ev) {
			return true
		}
		*ev = Event{}
	}
	return false
}

// split cuts line into fields: space-separated, "quoted" (a closing quote
// is one followed by a space or the end of the line, so stray or \"
// escaped quotes inside stay in the field) or [bracketed]. It returns the
// number of fields, or -1 for an unterminated quote or bracket.
func (d *s3AccessDecoder) split(line []byte) int {
	n := 0
	i := 0
	for i < len(line) && n < s3MaxFields {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i == len(line) {
			break
		}
		d.quoted[n] = false
		switch line[i] {
		case '"':
			j := i + 1
			for {
				k := bytes.IndexByte(line[j:], '"')
				if k < 0 {
					return -1
				}
				q := j + k
				if q+1 == len(line) || line[q+1] == ' ' {
					if !escapedAt(line, q, i+1) {
						d.f[n] = line[i+1 : q]
						d.quoted[n] = true
						i = q + 1
						break
					}
				}
				j = q + 1
			}
		case '[':
			k := bytes.IndexByte(line[i:], ']')
			if k < 0 {
				return -1
			}
			d.f[n] = line[i+1 : i+k]
			i += k + 1
		default:
			// Plain fields are short: a loop beats IndexByte's call.
			j := i
			for j < len(line) && line[j] != ' ' {
				j++
			}
			d.f[n] = line[i:j]
			i = j
		}
		n++
	}
	return n
}

// escapedAt reports whether the quote at line[q] is preceded by an odd
// number of backslashes (not looking before from).
func escapedAt(line []byte, q, from int) bool {
	b := q - 1
	for b >= from && line[b] == '\\' {
		b--
	}
	return (q-1-b)%2 == 1
}

// field returns field i as text, "" for "-" or a missing field; quoted
// fields have their \" and \\ escapes undone.
func (d *s3AccessDecoder) field(i, n int) []byte {
	if i >= n {
		return nil
	}
	b := d.f[i]
	if len(b) == 1 && b[0] == '-' {
		return nil
	}
	if d.quoted[i] && bytes.IndexByte(b, '\\') >= 0 {
		d.unq = d.unq[:0]
		for j := 0; j < len(b); j++ {
			if b[j] == '\\' && j+1 < len(b) && (b[j+1] == '"' || b[j+1] == '\\') {
				j++
			}
			d.unq = append(d.unq, b[j])
		}
		return d.unq
	}
	return b
}

func (d *s3AccessDecoder) parse(line []byte, ln int, ev *Event) bool {
	n := d.split(line)
	if n < 0 {
		d.st.Skip(ln, "malformed line", "unterminated quoted or bracketed field")
		return false
	}
	if n < s3MinFields {
		d.st.Skip(ln, "too few fields", fmt.Sprintf("%d fields, want at least %d", n, s3MinFields))
		return false
	}
	// Lines come in time order, many in the same second.
	t, ok := d.lastTime, true
	if tb := d.f[s3Time]; len(d.lastTimeText) == 0 || !bytes.Equal(tb, d.lastTimeText) {
		t, ok = parseS3Time(tb)
		if ok {
			d.lastTime, d.lastTimeText = t, append(d.lastTimeText[:0], tb...)
		}
	}
	if !ok {
		d.st.Skip(ln, "bad time", fmt.Sprintf("bad time %q", clipValue(d.f[s3Time])))
		return false
	}
	if st := d.f[s3Status]; !(len(st) == 1 && st[0] == '-') && !(len(st) == 3 && isDigits(st)) {
		// A status that is not one means the fields are misaligned.
		d.st.Skip(ln, "malformed line", fmt.Sprintf("bad HTTP status %q", clipValue(st)))
		return false
	}
	ev.Time = t
	ev.Pos.Line = ln
	ev.Weight = 1
	ev.Bucket = d.bucket.str(&d.in, d.field(s3Bucket, n))
	if ip := d.field(s3RemoteIP, n); ip != nil {
		setSource(ev, ip, &d.in)
	}
	if req := d.field(s3Requester, n); req != nil {
		id := &ev.Identity
		switch {
		case bytes.HasPrefix(req, []byte("arn:")):
			id.ARN = d.in.str(req)
			id.AccountID = arnAccount(id.ARN)
		case bytes.HasPrefix(req, []byte("svc:")):
			id.Type = "AWSService"
			id.PrincipalID = d.in.str(req)
		default:
			id.PrincipalID = d.in.str(req) // canonical user ID
		}
	}
	key := d.field(s3Key, n)
	uri := d.field(s3RequestURI, n)
	ev.Op, ev.RawOp = d.op(d.f[s3Operation], key)
	ev.Key = d.in.str(key)
	ev.Params = d.in.str(uri)
	if ev.Op == OpListObjects {
		ev.Prefix = d.in.str(queryParam(uri, "prefix"))
	}
	ev.ErrorCode = d.in.str(d.field(s3ErrorCode, n))
	ev.UserAgent = d.ua.str(&d.in, d.field(s3UserAgent, n))
	ev.Host = d.host.str(&d.in, d.field(s3HostHeader, n))
	ev.RequestID = string(d.field(s3RequestID, n))
	return true
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// arnAccount returns the account ID field of an ARN
// (arn:partition:service:region:account:resource).
func arnAccount(arn string) string {
	colons := 0
	start := 0
	for i := 0; i < len(arn); i++ {
		if arn[i] == ':' {
			colons++
			if colons == 4 {
				start = i + 1
			} else if colons == 5 {
				return arn[start:i]
			}
		}
	}
	return ""
}

// queryParam returns the decoded value of the query parameter name in a
// request URI ("GET /bucket?prefix=a%2F&list-type=2 HTTP/1.1").
func queryParam(uri []byte, name string) []byte {
	q := bytes.IndexByte(uri, '?')
	if q < 0 {
		return nil
	}
	rest := uri[q+1:]
	if sp := bytes.IndexByte(rest, ' '); sp >= 0 {
		rest = rest[:sp]
	}
	for len(rest) > 0 {
		var kv []byte
		if amp := bytes.IndexByte(rest, '&'); amp >= 0 {
			kv, rest = rest[:amp], rest[amp+1:]
		} else {
			kv, rest = rest, nil
		}
		if len(kv) > len(name) && kv[len(name)] == '=' && string(kv[:len(name)]) == name {
			v := kv[len(name)+1:]
			if bytes.IndexByte(v, '%') < 0 && bytes.IndexByte(v, '+') < 0 {
				return v
			}
			if s, err := url.QueryUnescape(string(v)); err == nil {
				return []byte(s)
			}
			return v
		}
	}
	return nil
}

// op maps an access log operation (REST.GET.VERSIONING) to the API name it
// stands for (ingest/s3ops.tsv) and the operation as logged when that
// differs; one not in the table is kept as logged. Runs of one operation
// are common (a scanner asking for key after key), so the last is kept.
func (d *s3AccessDecoder) op(op, key []byte) (Operation, string) {
	l := &d.lastOp
	if !l.set || string(op) != l.text {
		*l = lastOp{set: true}
		switch r, ok := opTab.logOp(op); {
		case ok:
			l.row, l.text = r, string(r.api)
			if r.name != "" {
				l.text = r.name
			}
		case len(op) == 0 || (len(op) == 1 && op[0] == '-'):
			l.row.api, l.text = OpUnknown, string(op)
		default:
			l.text = d.in.str(op)
			l.row.api = Operation(l.text)
		}
	}
	return l.row.forKey(len(key) > 0), l.row.name
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseS3Time parses "06/Feb/2019:00:00:38 +0000" into UTC.
func parseS3Time(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[14] != ':' || b[17] != ':' || b[20] != ' ' ||
		(b[21] != '+' && b[21] != '-') {
		return time.Time{}, false
	}
	num := func(i, j int) int {
		v := 0
		for _, c := range b[i:j] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	mon := 0
	for i, m := range months {
		if string(b[3:6]) == m {
			mon = i + 1
		}
	}
	day, year, hh, mm, ss := num(0, 2), num(7, 11), num(12, 14), num(15, 17), num(18, 20)
	oh, om := num(22, 24), num(24, 26)
	if mon == 0 || day < 1 || day > 31 || year < 0 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 || oh < 0 || oh > 23 || om < 0 || om > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(mon), day, hh, mm, ss, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false
	}
	off := time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute
	if b[21] == '+' {
		off = -off
	}
	return t.Add(off), true
}

// sniffS3Access recognises an S3 server access log by its first lines'
// layout: owner, bucket, [06/Feb/2019:00:00:38 +0000], then an IP or "-".
func sniffS3Access(head []byte) bool {
	for tries := 0; tries < 5 && len(head) > 0; {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		tries++
		if s3LineStart(line) {
			return true
		}
	}
	return false
}

func s3LineStart(line []byte) bool {
	for k := 0; k < 2; k++ {
		i := bytes.IndexByte(line, ' ')
		if i <= 0 {
			return false
		}
		line = line[i+1:]
	}
	if len(line) < 29 || line[0] != '[' || line[27] != ']' || line[28] != ' ' {
		return false
	}
	if _, ok := parseS3Time(line[1:27]); !ok {
		return false
	}
	line = line[29:]
	i := bytes.IndexByte(line, ' ')
	if i <= 0 {
		return false
	}
	if i == 1 && line[0] == '-' {
		return true
	}
	_, err := netip.ParseAddr(string(line[:i]))
	return err == nil
}
