package filter

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

func TestParseRule(t *testing.T) {
	tests := []struct {
		in   string
		want Rule
		err  string
	}{
		{in: "203.0.113.7", want: Rule{Text: "203.0.113.7", Kind: KindIP, Prefix: netip.MustParsePrefix("203.0.113.7/32")}},
		{in: " 2001:db8::1 ", want: Rule{Text: "2001:db8::1", Kind: KindIP, Prefix: netip.MustParsePrefix("2001:db8::1/128")}},
		{in: "::ffff:203.0.113.7", want: Rule{Text: "::ffff:203.0.113.7", Kind: KindIP, Prefix: netip.MustParsePrefix("203.0.113.7/32")}},
		{in: "198.51.100.9/24", want: Rule{Text: "198.51.100.9/24", Kind: KindCIDR, Prefix: netip.MustParsePrefix("198.51.100.0/24")}},
		{in: "::ffff:10.0.0.0/104", want: Rule{Text: "::ffff:10.0.0.0/104", Kind: KindCIDR, Prefix: netip.MustParsePrefix("10.0.0.0/8")}},
		{in: "AS16509", want: Rule{Text: "AS16509", Kind: KindASN, ASN: 16509}},
		{in: "as14618", want: Rule{Text: "as14618", Kind: KindASN, ASN: 14618}},
		{in: "CloudTrail.amazonaws.com", want: Rule{Text: "CloudTrail.amazonaws.com", Kind: KindService, Name: "cloudtrail.amazonaws.com"}},
		{in: "", err: "empty rule"},
		{in: "10.0.0.256", err: "is not an IP"},
		{in: "10.0.0.0/33", err: "not a CIDR"},
		{in: "::ffff:10.0.0.0/8", err: "not a CIDR"},
		{in: "AS0", err: "not an AS number"},
		{in: "AS99999999999", err: "not an AS number"},
		{in: "ASx", err: "not an AS number"},
		{in: "evil<script>", err: "is not an IP"},
		{in: "ua:(", err: "user-agent expression"},
		{in: "ua:", err: "empty user-agent"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRule(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	r, err := ParseRule("ua:^python-requests/")
	if err != nil || r.Kind != KindUserAgent || r.Text != "ua:^python-requests/" || !r.UA.MatchString("python-requests/2.31") {
		t.Errorf("ua rule: %+v, %v", r, err)
	}
}

func TestParseRulesFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "own.txt")
	os.WriteFile(good, []byte("# our own scanners\n203.0.113.7   # nightly check\n\n198.51.100.0/24\r\nAS16509\nua:Go-http-client/1.1 #1\n"), 0o644)
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("203.0.113.7\n\n10.0.0.300\n"), 0o644)
	rules, err := ParseRules([]string{"192.0.2.1", "@" + good})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, r := range rules {
		texts = append(texts, r.Text)
	}
	want := []string{"192.0.2.1", "203.0.113.7", "198.51.100.0/24", "AS16509", "ua:Go-http-client/1.1 #1"}
	if !reflect.DeepEqual(texts, want) {
		t.Errorf("rules %q, want %q", texts, want)
	}
	if _, err := ParseRules([]string{"@" + bad}); err == nil || !strings.Contains(err.Error(), "bad.txt:3: ") {
		t.Errorf("bad file: %v", err)
	}
	if _, err := ParseRules([]string{"@" + filepath.Join(dir, "missing.txt")}); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: %v", err)
	}
}

// ev builds an event; file "a" unless set.
func ev(at, src, ua string, weight int) *ingest.Event {
	e := &ingest.Event{UserAgent: ua, Weight: weight, Pos: ingest.Pos{File: "a"}}
	if at != "" {
		e.Time = ts(at)
	}
	if a, err := netip.ParseAddr(src); err == nil {
		e.Source = a
	} else {
		e.SourceText = src
	}
	return e
}

func TestKeepCountsByRuleAndInput(t *testing.T) {
	w, _ := ParseWindow("2026-11-01", "2026-11-07", "", time.Time{})
	rules, err := ParseRules([]string{"203.0.113.0/24", "AS16509", "cloudtrail.amazonaws.com", "ua:^aws-internal", "203.0.113.7"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ranges := range []bool{true, false} {
		t.Run(fmt.Sprintf("ranges=%v", ranges), func(t *testing.T) {
			as := &fakeAS{asn: map[netip.Addr]uint32{netip.MustParseAddr("52.95.110.1"): 16509}, def: 64500, noRanges: !ranges}
			testKeepCounts(t, w, rules, as)
		})
	}
}

// fakeAS puts the addresses of asn in their AS, every other in def.
type fakeAS struct {
	asn      map[netip.Addr]uint32
	def      uint32
	noRanges bool
	lookups  atomic.Int64
}

func (f *fakeAS) ASNumber(a netip.Addr) uint32 {
	f.lookups.Add(1)
	if n, ok := f.asn[a]; ok {
		return n
	}
	return f.def
}

func (f *fakeAS) ASNRanges(n uint32) ([][2]netip.Addr, bool) {
	if f.noRanges {
		return nil, false
	}
	if n == f.def {
		return [][2]netip.Addr{{netip.IPv4Unspecified(), netip.MustParseAddr("255.255.255.255")},
			{netip.IPv6Unspecified(), netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")}}, true
	}
	var out [][2]netip.Addr
	for a, m := range f.asn {
		if m == n {
			out = append(out, [2]netip.Addr{a, a})
		}
	}
	slices.SortFunc(out, func(x, y [2]netip.Addr) int { return x[0].Compare(y[0]) })
	return out, true
}

func testKeepCounts(t *testing.T, w Window, rules []Rule, as *fakeAS) {
	f := New(w, rules, func() ASData { return as })
	in := "2026-11-03T10:00:00Z"
	events := []struct {
		ev   *ingest.Event
		keep bool
	}{
		{ev(in, "192.0.2.1", "curl/8", 1), true},
		{ev("2026-10-31T23:59:59Z", "192.0.2.1", "curl/8", 1), false},   // outside
		{ev("2026-11-08T00:00:00Z", "203.0.113.7", "curl/8", 1), false}, // outside, not excluded
		{ev("", "192.0.2.1", "curl/8", 1), false},                       // no time: outside
		{ev(in, "203.0.113.7", "curl/8", 5), false},                     // first rule, not the fifth
		{ev(in, "::ffff:203.0.113.8", "curl/8", 0), false},              // mapped address, weight 0 counts 1
		{ev(in, "52.95.110.1", "curl/8", 2), false},                     // AS16509
		{ev(in, "52.95.110.1", "curl/8", 1), false},                     // cached
		{ev(in, "CloudTrail.amazonaws.com", "", 1), false},
		{ev(in, "s3.amazonaws.com", "", 1), true},
		{ev(in, "192.0.2.1", "aws-internal/3 aws-sdk-java", 1), false},
		{ev(in, "192.0.2.1", "python aws-internal", 1), true},
	}
	events[2].ev.Pos.File = "b"
	tallies := []*Tally{f.NewTally(), f.NewTally()}
	for i, e := range events {
		if got := tallies[i%2].Keep(e.ev); got != e.keep {
			t.Errorf("event %d (%s %s %q): Keep = %v", i, e.ev.Time.Format(time.RFC3339), e.ev.Source, e.ev.UserAgent, got)
		}
	}
	res := f.Result(tallies...)
	wantRules := []RuleCount{
		{"203.0.113.0/24", 2, 6}, {"AS16509", 2, 3}, {"cloudtrail.amazonaws.com", 1, 1},
		{"ua:^aws-internal", 1, 1}, {"203.0.113.7", 0, 0},
	}
	if !reflect.DeepEqual(res.Excluded, wantRules) {
		t.Errorf("excluded %+v\nwant     %+v", res.Excluded, wantRules)
	}
	if want := map[string]int64{"a": 2, "b": 1}; !reflect.DeepEqual(res.Outside, want) {
		t.Errorf("outside %v, want %v", res.Outside, want)
	}
	if res.OutsideTotal() != 3 || res.ExcludedTotal() != 6 {
		t.Errorf("totals %d outside, %d excluded", res.OutsideTotal(), res.ExcludedTotal())
	}
	// Without ranges 192.0.2.1 and 52.95.110.1 are looked up (203.0.113.x
	// match a CIDR first), each once although two tallies saw them; with
	// ranges only 52.95.110.1, the one in AS16509's.
	want := int64(1)
	if as.noRanges {
		want = 2
	}
	if n := as.lookups.Load(); n != want {
		t.Errorf("%d AS lookups, want %d (one per distinct address)", n, want)
	}

	stats := []*ingest.Stats{{File: "a", Events: 11, Filtered: 1, Reasons: map[string]int64{"other service": 1}}, {File: "b", Events: 1}, {File: "c", Events: 4}}
	res.Apply(stats)
	wantStats := []*ingest.Stats{
		{File: "a", Events: 3, Filtered: 9, Reasons: map[string]int64{"other service": 1, ReasonOutside: 2, ReasonExcluded: 6}},
		{File: "b", Events: 0, Filtered: 1, Reasons: map[string]int64{ReasonOutside: 1}},
		{File: "c", Events: 4},
	}
	if !reflect.DeepEqual(stats, wantStats) {
		for i := range stats {
			t.Errorf("stats %d: %+v, want %+v", i, *stats[i], *wantStats[i])
		}
	}
}

// TestNoFilter: without a window or rules every event is kept, even one
// without a time, and nothing is counted.
func TestNoFilter(t *testing.T) {
	for _, f := range []*Filter{nil, New(Window{}, nil, nil)} {
		if f.Active() {
			t.Error("active")
		}
		tl := f.NewTally()
		if !tl.Keep(ev("", "192.0.2.1", "", 1)) {
			t.Error("left out an event")
		}
		res := f.Result(tl)
		if res.OutsideTotal() != 0 || len(res.Excluded) != 0 {
			t.Errorf("counted %+v", res)
		}
	}
}

// TestConcurrentASN: tallies on many goroutines share the AS answers.
func TestConcurrentASN(t *testing.T) {
	rules, _ := ParseRules([]string{"AS64500"})
	as := &fakeAS{def: 64500}
	f := New(Window{}, rules, func() ASData { return as })
	var wg sync.WaitGroup
	tallies := make([]*Tally, 4)
	for i := range tallies {
		tl := f.NewTally()
		tallies[i] = tl
		wg.Go(func() {
			for j := range 1000 {
				tl.Keep(ev("2026-11-01T00:00:00Z", netip.AddrFrom4([4]byte{192, 0, 2, byte(j % 10)}).String(), "", 1))
			}
		})
	}
	wg.Wait()
	if got := f.Result(tallies...).Excluded[0].Events; got != 4000 {
		t.Errorf("excluded %d, want 4000", got)
	}
	// Two goroutines may both miss before either stores; never more.
	if n := as.lookups.Load(); n < 10 || n > 40 {
		t.Errorf("%d lookups for 10 addresses", n)
	}
}
