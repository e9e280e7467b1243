package ingest

import (
	"strings"
	"time"
	"unicode/utf8"
)

// The interner's bounds: values longer than maxInternSize (hostile user
// agents) are not worth keeping, and the table starts over at maxInterned
// entries so that a log of unique values cannot grow it without end.
const (
	maxInterned   = 8192
	maxInternSize = 1024
)

// interner hands out one string per distinct short value, so the user
// agents, buckets and hosts that repeat on every event cost neither an
// allocation nor memory each time. It is bounded: when full it starts over.
type interner struct {
	m map[string]string
	// sanitize replaces invalid UTF-8 with U+FFFD. Checking here, once per
	// distinct value, costs less than checking every value of every
	// record: most repeat.
	sanitize bool
}

func (in *interner) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > maxInternSize {
		return in.clean(string(b))
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	if in.m == nil {
		in.m = make(map[string]string)
	} else if len(in.m) >= maxInterned {
		clear(in.m)
	}
	raw := string(b)
	s := in.clean(raw)
	in.m[raw] = s
	return s
}

func (in *interner) clean(s string) string {
	if in.sanitize {
		return validUTF8(s)
	}
	return s
}

// validUTF8 returns s with each run of invalid UTF-8 replaced by U+FFFD.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// parseOp maps an S3 API name, as CloudTrail and BreachInsider write it,
// to the name it is counted under (ingest/s3ops.tsv): the exact spellings
// first (the usual case), then case-insensitively; other names are kept
// as written, and show as unmapped in the report.
func parseOp(b []byte, in *interner) Operation {
	switch string(b) {
	case "ListObjects":
		return OpListObjects
	case "GetObject":
		return OpGetObject
	case "":
		return OpUnknown
	}
	if op, ok := opTab.apiName(b); ok {
		return op
	}
	return Operation(in.str(b))
}

// parseTimeUTC parses an RFC 3339 time into UTC. The fast path allocates
// nothing (time.Parse allocates a zone for "+00:00" offsets).
// year2Unix is 0002-01-01T00:00:00Z as a Unix time.
const year2Unix = -62104060800

func parseTimeUTC(b []byte) (time.Time, bool) {
	t, ok := parseRFC3339UTC(b)
	if !ok {
		p, err := time.Parse(time.RFC3339Nano, string(b))
		if err != nil {
			return time.Time{}, false
		}
		t = p.UTC()
	}
	// 0001-01-01T00:00:00Z is a zero value written out (Go's, .NET's),
	// not a time, and downstream it would read as no time at all; so is
	// anything else in year 1 or before.
	if t.Unix() < year2Unix {
		return time.Time{}, false
	}
	return t, true
}

func parseRFC3339UTC(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' ||
		(b[10] != 'T' && b[10] != 't' && b[10] != ' ') {
		return time.Time{}, false
	}
	y1, ok1 := digits2(b, 0)
	y2, ok2 := digits2(b, 2)
	month, ok3 := digits2(b, 5)
	day, ok4 := digits2(b, 8)
	hour, ok5 := digits2(b, 11)
	minute, ok6 := digits2(b, 14)
	sec, ok7 := digits2(b, 17)
	year := y1*100 + y2
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	rest := b[19:]
	nsec := 0
	if rest[0] == '.' || rest[0] == ',' {
		i := 1
		for ; i < len(rest) && '0' <= rest[i] && rest[i] <= '9'; i++ {
			if i <= 9 { // nanoseconds; digits past them are dropped
				nsec = nsec*10 + int(rest[i]-'0')
			}
		}
		if i == 1 {
			return time.Time{}, false
		}
		for d := i - 1; d < 9; d++ {
			nsec *= 10
		}
		rest = rest[i:]
	}
	var off int
	switch {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits2(rest, 1)
		om, ok2 := digits2(rest, 4)
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off = (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
	default:
		return time.Time{}, false
	}
	// The fields are checked above, so time.Date's normalising and zone
	// lookup (a tenth of a dump's decoding) are not needed.
	unix := daysFromCivil(year, month, day)*86400 + int64(hour*3600+minute*60+sec-off)
	return time.Unix(unix, int64(nsec)).UTC(), true
}

// daysFromCivil is the number of days from 1970-01-01 to the given date of
// the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400                     // [0, 399]
	doy := (153*((m+9)%12)+2)/5 + d - 1    // [0, 365], March first
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return int64(era)*146097 + int64(doe) - 719468
}

// digits2 reads the two decimal digits at b[i:i+2], without branches for
// the digits themselves (a byte below '0' wraps to above 9).
func digits2(b []byte, i int) (int, bool) {
	hi, lo := b[i]-'0', b[i+1]-'0'
	return int(hi)*10 + int(lo), hi <= 9 && lo <= 9
}

func atoiDigits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// lastString remembers a field's previous value: most lines of a log
// repeat the bucket, host and often the user agent of the line before.
type lastString struct{ s string }

func (l *lastString) str(in *interner, b []byte) string {
	if len(b) == len(l.s) && string(b) == l.s {
		return l.s
	}
	l.s = in.str(b)
	return l.s
}
