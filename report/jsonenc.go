package report

import (
	"encoding/json"
	"math"
	"strconv"
)

// jsonAppender is a list element that encodes itself without reflection.
// Its output must equal json.Marshal's byte for byte (TestAppendJSON);
// only the summary's one long list, the IPs, has one.
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// appendJSON encodes j as json.Marshal does. A summary lists every
// source IP, 50,000 on a large input, and reflection over each of them
// costs more than the rest of the summary.
func (j *IPJSON) appendJSON(b []byte) ([]byte, error) {
	if j.IPDetail != nil {
		m, err := json.Marshal(j) // never in a summary; kept right all the same
		return append(b, m...), err
	}
	o := jsonObject{b: append(b, '{')}
	o.str("ip", j.IP)
	o.int("count", j.Count)
	o.int("attempts", j.Attempts)
	o.str("first_seen", j.FirstSeen)
	o.str("last_seen", j.LastSeen)
	o.str("top_user_agent", j.TopUserAgent)
	o.str("country", j.Country)
	o.str("country_name", j.CountryName)
	o.str("city", j.City)
	o.float("lat", j.Lat)
	o.float("lon", j.Lon)
	o.int("asn", int64(j.ASN))
	o.str("as_org", j.ASOrg)
	o.str("ip_class", j.IPClass)
	o.bool("hosting", j.Hosting)
	o.str("whois_org", j.WhoisOrg)
	o.str("whois_country", j.WhoisCountry)
	o.str("abuse_contact", j.AbuseContact)
	o.str("severity", j.Severity)
	o.int("ti_flagged", int64(j.TIFlagged))
	o.int("ti_answered", int64(j.TIAnswered))
	o.key("ti_flagged_by")
	o.marshal(j.TIFlaggedBy)
	o.key("ti_categories")
	o.marshal(j.TICategories)
	return append(o.b, '}'), o.err
}

// jsonObject appends the members of a JSON object. Values that need more
// than copying (escapes, unusual numbers) are left to encoding/json, so
// the output is what json.Marshal writes.
type jsonObject struct {
	b   []byte
	n   int // members so far
	err error
}

func (o *jsonObject) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *jsonObject) str(k, v string) {
	o.key(k)
	if !jsonPlain(v) {
		o.marshal(v)
		return
	}
	o.b = append(o.b, '"')
	o.b = append(o.b, v...)
	o.b = append(o.b, '"')
}

func (o *jsonObject) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *jsonObject) bool(k string, v bool) {
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

// float writes v as encoding/json does in its usual range, plain
// decimal with the shortest digits; null for nil.
func (o *jsonObject) float(k string, v *float64) {
	o.key(k)
	switch {
	case v == nil:
		o.b = append(o.b, "null"...)
	case *v == 0 || math.Abs(*v) >= 1e-6 && math.Abs(*v) < 1e21:
		o.b = strconv.AppendFloat(o.b, *v, 'f', -1, 64)
	default:
		o.marshal(*v) // exponent form, or an error for NaN and infinities
	}
}

func (o *jsonObject) marshal(v any) {
	m, err := json.Marshal(v)
	if err != nil && o.err == nil {
		o.err = err
	}
	o.b = append(o.b, m...)
}

// jsonPlain reports whether json.Marshal writes s as it is between quotes:
// printable ASCII other than the quote, the backslash and the characters
// it escapes for HTML (<, >, &).
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
