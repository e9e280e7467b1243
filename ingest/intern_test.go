package ingest

import (
	"testing"
	"time"
)

// TestParseTimeUTC covers the one RFC 3339 parser every format uses.
func TestParseTimeUTC(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2022-01-31T14:38:27Z", time.Date(2022, 1, 31, 14, 38, 27, 0, time.UTC), true},
		{"2022-01-31T14:39:09.605190+00:00", time.Date(2022, 1, 31, 14, 39, 9, 605190000, time.UTC), true},
		{"2022-01-31T14:39:09.1234567891+01:30", time.Date(2022, 1, 31, 13, 9, 9, 123456789, time.UTC), true},
		{"2022-01-31 14:38:27-05:00", time.Date(2022, 1, 31, 19, 38, 27, 0, time.UTC), true},
		{"2020-09-14T01:00:33.000Z", time.Date(2020, 9, 14, 1, 0, 33, 0, time.UTC), true},
		{"2020-09-14T01:00:33.123456789Z", time.Date(2020, 9, 14, 1, 0, 33, 123456789, time.UTC), true},
		{"2024-02-29T00:00:00Z", time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), true},
		{"2020-02-30T01:00:33Z", time.Time{}, false},
		{"2020-09-14", time.Time{}, false},
		{"2023-02-29T00:00:00Z", time.Time{}, false},
		{"2022-13-01T00:00:00Z", time.Time{}, false},
		{"2022-01-31T24:00:00Z", time.Time{}, false},
		{"2022-01-31T14:38:27", time.Time{}, false},
		{"2022-01-31T14:38:27.Z", time.Time{}, false},
		{"2022-01-31T14:38:27+0000", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseTimeUTC([]byte(tt.in))
			// == rather than Equal: events are compared whole in tests.
			if ok != tt.ok || got != tt.want || (ok && got.Location() != time.UTC) {
				t.Errorf("parseTimeUTC(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if want, err := time.Parse(time.RFC3339Nano, tt.in); err == nil && (!ok || !want.Equal(got)) {
				t.Errorf("time.Parse accepts %q as %v", tt.in, want)
			}
		})
	}
}

// TestDaysFromCivil checks every day of the years an RFC 3339 time can
// write (0000 to 9999) against time.Date.
func TestDaysFromCivil(t *testing.T) {
	for d := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 10000; d = d.AddDate(0, 0, 1) {
		if got, want := daysFromCivil(d.Year(), int(d.Month()), d.Day()), d.Unix()/86400; got != want {
			t.Fatalf("daysFromCivil(%s) = %d, want %d", d.Format("2006-01-02"), got, want)
		}
	}
}

// FuzzParseTimeUTC holds the fast RFC 3339 path to time.Parse wherever
// both accept a text.
func FuzzParseTimeUTC(f *testing.F) {
	for _, s := range []string{"2022-01-31T14:38:27Z", "2022-01-31T14:39:09.605190+00:00", "2022-01-31 14:38:27-05:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999-23:59", "2022-01-31T14:38:27.1Z", "2022-01-31T14:38:27.123456789123Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseRFC3339UTC([]byte(s))
		want, err := time.Parse(time.RFC3339Nano, s)
		if ok && err == nil && !got.Equal(want) {
			t.Fatalf("parseRFC3339UTC(%q) = %v, time.Parse: %v", s, got, want)
		}
		if ok && got.Location() != time.UTC {
			t.Fatalf("parseRFC3339UTC(%q) is not in UTC", s)
		}
	})
}
