package site

import (
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(dateFmt, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestPeriodName(t *testing.T) {
	tests := []struct {
		name         string
		since, until time.Time
		want         string
	}{
		{"iso week", day("2026-11-23"), day("2026-11-30"), "2026-W48"},
		{"week 1 starting in december", day("2025-12-29"), day("2026-01-05"), "2026-W01"},
		{"week 53", day("2026-12-28"), day("2027-01-04"), "2026-W53"},
		{"month", day("2026-11-01"), day("2026-12-01"), "2026-11"},
		{"february", day("2028-02-01"), day("2028-03-01"), "2028-02"},
		{"day", day("2026-11-23"), day("2026-11-24"), "2026-11-23"},
		{"range", day("2026-11-01"), day("2026-11-16"), "2026-11-01_2026-11-15"},
		{"seven days not monday", day("2026-11-24"), day("2026-12-01"), "2026-11-24_2026-11-30"},
		{"hours in one day", day("2026-11-23").Add(6 * time.Hour), day("2026-11-23").Add(18 * time.Hour), "2026-11-23"},
		{"hours across days", day("2026-11-23").Add(18 * time.Hour), day("2026-11-25").Add(6 * time.Hour), "2026-11-23_2026-11-25"},
		{"not midnight week", day("2026-11-23").Add(time.Hour), day("2026-11-30").Add(time.Hour), "2026-11-23_2026-11-30"},
		{"other zone", time.Date(2026, 11, 23, 1, 0, 0, 0, time.FixedZone("CET", 3600)), time.Date(2026, 11, 30, 1, 0, 0, 0, time.FixedZone("CET", 3600)), "2026-W48"},
		{"empty", day("2026-11-23"), day("2026-11-23"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PeriodName(tt.since, tt.until)
			if got != tt.want {
				t.Fatalf("PeriodName = %q, want %q", got, tt.want)
			}
			if got == "" || tt.since.UTC() != tt.since.UTC().Truncate(24*time.Hour) || tt.until.UTC() != tt.until.UTC().Truncate(24*time.Hour) {
				return
			}
			s, u, ok := ParsePeriod(got)
			if !ok || !s.Equal(tt.since) || !u.Equal(tt.until) {
				t.Errorf("ParsePeriod(%q) = %v, %v, %v; want %v, %v", got, s, u, ok, tt.since, tt.until)
			}
		})
	}
}

func TestParsePeriodRejects(t *testing.T) {
	for _, name := range []string{"", "latest", ".2026-W48", "2026-W48.new", "2027-W53", "2026-W00", "2026-13", "2026-02-30",
		"2026-11-23_2026-11-29", "2026-11-02_2026-11-01", "2026-11-01_2026-11-30", "2026-11-03_2026-11-03", "../2026-11", "2026-11/x", "2026-W48\n"} {
		if _, _, ok := ParsePeriod(name); ok {
			t.Errorf("ParsePeriod(%q) accepted", name)
		}
	}
}

// FuzzParsePeriod: no name panics, and a name accepted is PeriodName's
// name for the span it parses to, with no path in it.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"2026-W48", "2026-W53", "2026-11", "2026-11-23", "2026-11-01_2026-11-15", "", "../x", "2026-W99", "9999-12-31_9999-12-31", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		since, until, ok := ParsePeriod(name)
		if !ok {
			return
		}
		if PeriodName(since, until) != name || !since.Before(until) || strings.ContainsAny(name, `/\.`) {
			t.Errorf("ParsePeriod(%q) = %v, %v", name, since, until)
		}
	})
}
