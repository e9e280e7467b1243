package report

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"testing/quick"
)

// TestAppendJSON checks the IPs' hand-written encoding against
// json.Marshal, on awkward values and on random ones (which also fill any
// field added to IPJSON but forgotten in appendJSON).
func TestAppendJSON(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	same := func(j IPJSON) bool {
		t.Helper()
		want, werr := json.Marshal(j)
		got, gerr := j.appendJSON([]byte("x"))
		if (werr != nil) != (gerr != nil) {
			t.Errorf("%+v: error %v, json.Marshal's %v", j, gerr, werr)
			return false
		}
		if werr == nil && !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Errorf("%+v:\n got %s\nwant %s", j, got[1:], want)
			return false
		}
		return true
	}
	for _, s := range []string{"", "plain", `"quoted"`, `back\slash`, "<script>", "AT&T", "a>b", "tab\tnl\n", "\x00\x1f\x7f",
		"bad \xff utf-8", "line\u2028sep\u2029", "Côte d’Ivoire", "emoji 👩‍💻"} {
		same(IPJSON{IP: s, TopUserAgent: s, IPProfile: IPProfile{City: s, AbuseContact: s, Severity: s}})
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 46, -33.8688, 0.1, 1e-6, 9.99e-7, 1e-7, 5e-324, 1e20, 1e21, -1e21,
		math.MaxFloat64, math.NaN(), math.Inf(1)} {
		same(IPJSON{IPProfile: IPProfile{Lat: f(v), Lon: f(-v)}})
	}
	same(IPJSON{Count: math.MinInt64, Attempts: math.MaxInt64, IPProfile: IPProfile{ASN: math.MaxUint32, Hosting: true}})
	if err := quick.Check(same, &quick.Config{MaxCount: 2000}); err != nil {
		t.Error(err)
	}
}
