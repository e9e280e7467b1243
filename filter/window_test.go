package filter

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestParseWindow(t *testing.T) {
	// A Wednesday afternoon.
	now := ts("2026-11-25T15:04:05Z")
	tests := []struct {
		name                string
		since, until, named string
		want                Window
		err                 string
	}{
		{name: "none", want: Window{}},
		{name: "dates", since: "2026-11-01", until: "2026-11-07",
			want: Window{ts("2026-11-01T00:00:00Z"), ts("2026-11-08T00:00:00Z"), "2026-11-01 – 2026-11-07"}},
		{name: "one day", since: "2026-11-07", until: "2026-11-07",
			want: Window{ts("2026-11-07T00:00:00Z"), ts("2026-11-08T00:00:00Z"), "2026-11-07 – 2026-11-07"}},
		{name: "rfc3339 offset is made UTC", since: "2026-11-01T02:00:00+02:00", until: "2026-11-02T12:30:00Z",
			want: Window{ts("2026-11-01T00:00:00Z"), ts("2026-11-02T12:30:00Z"), "2026-11-01 – 2026-11-02T12:30:00Z"}},
		{name: "since only", since: "2026-11-01",
			want: Window{Since: ts("2026-11-01T00:00:00Z"), Label: "since 2026-11-01"}},
		{name: "until only", until: "2026-11-07",
			want: Window{Until: ts("2026-11-08T00:00:00Z"), Label: "until 2026-11-07"}},
		{name: "relative since ends now", since: "7d",
			want: Window{ts("2026-11-18T15:04:05Z"), now, "2026-11-18T15:04:05Z – 2026-11-25T15:04:05Z"}},
		{name: "hours and weeks", since: "2w", until: "36h",
			want: Window{ts("2026-11-11T15:04:05Z"), ts("2026-11-24T03:04:05Z"), "2026-11-11T15:04:05Z – 2026-11-24T03:04:05Z"}},
		{name: "last day", named: "last-day",
			want: Window{ts("2026-11-24T00:00:00Z"), ts("2026-11-25T00:00:00Z"), "last day (2026-11-24)"}},
		{name: "last week", named: "last-week",
			want: Window{ts("2026-11-16T00:00:00Z"), ts("2026-11-23T00:00:00Z"), "last week (2026-W47: 2026-11-16 – 2026-11-22)"}},
		{name: "last month", named: "last-month",
			want: Window{ts("2026-10-01T00:00:00Z"), ts("2026-11-01T00:00:00Z"), "last month (2026-10)"}},
		{name: "empty", since: "2026-11-07", until: "2026-11-06", err: "is not before --until"},
		{name: "window and since", since: "7d", named: "last-week", err: "not with --since"},
		{name: "unknown window", named: "last-year", err: `--window "last-year"`},
		{name: "bad since", since: "yesterday", err: `--since: "yesterday" is not`},
		{name: "bad unit", until: "7m", err: "--until"},
		{name: "negative", since: "-7d", err: "--since"},
		{name: "huge", since: "99999999w", err: "--since"},
		{name: "bad date", since: "2026-13-01", err: "--since"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseWindow(tt.since, tt.until, tt.named, now)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Since.Equal(tt.want.Since) || !got.Until.Equal(tt.want.Until) || got.Label != tt.want.Label {
				t.Errorf("got %v – %v %q, want %v – %v %q", got.Since, got.Until, got.Label, tt.want.Since, tt.want.Until, tt.want.Label)
			}
		})
	}
}

// TestLastWeekEveryDay: from any day of a week, last-week is the ISO week
// before it, Monday to Sunday, also across a year's end.
func TestLastWeekEveryDay(t *testing.T) {
	for d := 0; d < 7; d++ {
		now := ts("2027-01-04T00:00:00Z").AddDate(0, 0, d) // Monday of 2027-W01
		w, err := ParseWindow("", "", LastWeek, now.Add(23*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if !w.Since.Equal(ts("2026-12-28T00:00:00Z")) || !w.Until.Equal(ts("2027-01-04T00:00:00Z")) {
			t.Errorf("now %s: %v – %v", now.Format("Mon 2006-01-02"), w.Since, w.Until)
		}
		if !strings.Contains(w.Label, "2026-W53") {
			t.Errorf("label %q", w.Label)
		}
	}
}

// TestContainsEdges: the first instant is in, the last nanosecond of
// --until's day is in, the next day is out.
func TestContainsEdges(t *testing.T) {
	w, err := ParseWindow("2026-11-01T00:00:00Z", "2026-11-07", "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		t  string
		in bool
	}{
		{"2026-10-31T23:59:59Z", false},
		{"2026-11-01T00:00:00Z", true},
		{"2026-11-07T23:59:59Z", true},
		{"2026-11-07T23:59:59.999999999Z", true},
		{"2026-11-08T00:00:00Z", false},
		{"2026-11-08T00:00:01Z", false},
	} {
		if got := w.Contains(ts(c.t)); got != c.in {
			t.Errorf("Contains(%s) = %v, want %v", c.t, got, c.in)
		}
	}
	if w.Contains(time.Time{}) {
		t.Error("an event without a time is in a bounded window")
	}
	if !(Window{}).Contains(time.Time{}) {
		t.Error("the zero window leaves out an event without a time")
	}
}

func TestWindowPrevious(t *testing.T) {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	w := Window{Since: day("2026-11-16"), Until: day("2026-11-23")}
	p := w.Previous()
	if !p.Since.Equal(day("2026-11-09")) || !p.Until.Equal(w.Since) || p.Label != "previous window 2026-11-09 – 2026-11-15" {
		t.Errorf("previous of %v = %+v", w, p)
	}
	if p := (Window{Since: w.Since}).Previous(); !p.IsZero() {
		t.Errorf("an open window has a previous one: %+v", p)
	}
	// Tally.Previous takes only events in the previous window that no
	// rule matches.
	rules, err := ParseRules([]string{"192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	tally := New(w, rules, nil).NewTally()
	for _, tc := range []struct {
		at, ip string
		want   bool
	}{
		{"2026-11-09T00:00:00Z", "198.51.100.1", true},
		{"2026-11-15T23:59:59Z", "198.51.100.1", true},
		{"2026-11-08T23:59:59Z", "198.51.100.1", false},
		{"2026-11-10T00:00:00Z", "192.0.2.1", false},
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		ev := &ingest.Event{Time: at, Source: netip.MustParseAddr(tc.ip)}
		if tally.Keep(ev) {
			t.Fatalf("%s is in the window", tc.at)
		}
		if got := tally.Previous(ev); got != tc.want {
			t.Errorf("Previous(%s from %s) = %v, want %v", tc.at, tc.ip, got, tc.want)
		}
	}
}
