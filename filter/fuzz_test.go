package filter

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzParseRule: any text is a rule or an error, never a panic, and a
// rule's text is what was given, trimmed.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"203.0.113.7", "2001:db8::/32", "::ffff:10.0.0.0/104", "AS16509", "as0", "cloudtrail.amazonaws.com",
		"ua:^python-requests/", "ua:(", "", "\x00", "10.0.0.0/-1", "AS4294967296", "1.2.3.4%eth0", "fe80::1%eth0/64"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		if r.Text == "" || r.Kind == "" {
			t.Fatalf("%q: rule %+v", s, r)
		}
		switch r.Kind {
		case KindIP, KindCIDR:
			if !r.Prefix.IsValid() || r.Prefix.Addr().Is4In6() {
				t.Fatalf("%q: prefix %v", s, r.Prefix)
			}
			r.Prefix.Contains(netip.MustParseAddr("192.0.2.1"))
		case KindASN:
			if r.ASN == 0 {
				t.Fatalf("%q: AS0", s)
			}
		}
	})
}

// FuzzParseWindow: any bounds give a window whose start is before its end,
// or an error.
func FuzzParseWindow(f *testing.F) {
	f.Add("2026-11-01", "2026-11-07", "")
	f.Add("7d", "", "")
	f.Add("", "", "last-week")
	f.Add("2026-11-01T00:00:00.5+14:00", "36h", "")
	f.Add("0001-01-01", "9999-12-31", "")
	now := time.Date(2026, 11, 25, 15, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, since, until, named string) {
		w, err := ParseWindow(since, until, named, now)
		if err != nil {
			return
		}
		if !w.Since.IsZero() && !w.Until.IsZero() && !w.Since.Before(w.Until) {
			t.Fatalf("%q %q %q: empty window %v – %v", since, until, named, w.Since, w.Until)
		}
		if !w.IsZero() && w.Label == "" {
			t.Fatalf("%q %q %q: no label", since, until, named)
		}
		if !w.Since.IsZero() && !w.Contains(w.Since) {
			t.Fatalf("the start %v is not in", w.Since)
		}
	})
}
