package filter

import (
	"fmt"
	"strconv"
	"time"
)

// Window is the span of time a report covers: Since is the first instant
// in, Until the first instant out. A zero bound is open. The zero Window
// keeps every event, timed or not.
type Window struct {
	Since time.Time
	Until time.Time
	// Label names the window for readers: "last week (2026-W47)",
	// "2026-11-01 – 2026-11-07", "since 2026-11-01".
	Label string
}

// IsZero reports whether the window is unbounded (no window asked for).
func (w Window) IsZero() bool { return w.Since.IsZero() && w.Until.IsZero() }

// Contains reports whether t falls in the window. An event without a time
// is outside any bounded window: nothing says it happened there.
func (w Window) Contains(t time.Time) bool {
	if w.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	return (w.Since.IsZero() || !t.Before(w.Since)) && (w.Until.IsZero() || t.Before(w.Until))
}

// LastDay returns the last instant in the window (Until minus a
// nanosecond), or the zero time when Until is open.
func (w Window) LastDay() time.Time {
	if w.Until.IsZero() {
		return time.Time{}
	}
	return w.Until.Add(-time.Nanosecond)
}

// Named windows for --window: the previous complete UTC period.
const (
	LastDay   = "last-day"
	LastWeek  = "last-week"
	LastMonth = "last-month"
)

// ParseWindow builds the window from the --since, --until and --window
// values (empty when not given), with now as the reference for relative
// times. since and until each take an RFC 3339 time, a plain date
// (2026-11-01, UTC; as until, the whole day is in) or a duration back from
// now (7d, 36h, 2w). A relative --since without --until ends the window
// at now. named is last-day, last-week (ISO week, Monday to Sunday) or
// last-month and excludes the other two.
func ParseWindow(since, until, named string, now time.Time) (Window, error) {
	now = now.UTC()
	if named != "" {
		if since != "" || until != "" {
			return Window{}, fmt.Errorf("--window %s: not with --since or --until", named)
		}
		return namedWindow(named, now)
	}
	var w Window
	var sinceRel bool
	var err error
	if since != "" {
		if w.Since, sinceRel, err = parseBound(since, false, now); err != nil {
			return Window{}, fmt.Errorf("--since: %w", err)
		}
	}
	if until != "" {
		if w.Until, _, err = parseBound(until, true, now); err != nil {
			return Window{}, fmt.Errorf("--until: %w", err)
		}
	} else if sinceRel {
		w.Until = now
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && !w.Since.Before(w.Until) {
		return Window{}, fmt.Errorf("--since %s is not before --until %s: the window is empty", since, until)
	}
	w.Label = rangeLabel(w)
	return w, nil
}

// namedWindow is the previous complete UTC day, ISO week or month before now.
func namedWindow(name string, now time.Time) (Window, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var w Window
	switch name {
	case LastDay:
		w = Window{Since: today.AddDate(0, 0, -1), Until: today}
		w.Label = "last day (" + w.Since.Format(dateFmt) + ")"
	case LastWeek:
		// Go's Sunday is 0; ISO weeks start on Monday.
		monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
		w = Window{Since: monday.AddDate(0, 0, -7), Until: monday}
		y, wk := w.Since.ISOWeek()
		w.Label = fmt.Sprintf("last week (%d-W%02d: %s)", y, wk, rangeLabel(w))
	case LastMonth:
		first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		w = Window{Since: first.AddDate(0, -1, 0), Until: first}
		w.Label = "last month (" + w.Since.Format("2006-01") + ")"
	default:
		return Window{}, fmt.Errorf("--window %q: want %s, %s or %s", name, LastDay, LastWeek, LastMonth)
	}
	return w, nil
}

const dateFmt = "2006-01-02"

// parseBound parses one --since or --until value. A plain date as the
// upper bound means the end of that day. rel reports a duration back from
// now.
func parseBound(s string, upper bool, now time.Time) (t time.Time, rel bool, err error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), false, nil
	}
	if t, err := time.Parse(dateFmt, s); err == nil {
		if upper {
			t = t.AddDate(0, 0, 1)
		}
		return t, false, nil
	}
	if d, ok := parseAgo(s); ok {
		return now.Add(-d), true, nil
	}
	return time.Time{}, false, fmt.Errorf("%q is not an RFC 3339 time (2026-11-01T00:00:00Z), a date (2026-11-01) or a duration back from now (36h, 7d, 2w)", s)
}

// parseAgo parses "36h", "7d", "2w": a whole number and a unit.
func parseAgo(s string) (time.Duration, bool) {
	if len(s) < 2 {
		return 0, false
	}
	unit := map[byte]time.Duration{'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	n, err := strconv.ParseUint(s[:len(s)-1], 10, 32)
	// About 100 years at most, far from overflowing a Duration.
	if unit == 0 || err != nil || s[0] == '+' || time.Duration(n) > 100*365*24*time.Hour/unit {
		return 0, false
	}
	return time.Duration(n) * unit, true
}

// rangeLabel describes a window by its bounds, in whole days when both
// fall on midnight.
func rangeLabel(w Window) string {
	format := func(t time.Time) string {
		if t.Equal(t.Truncate(24 * time.Hour)) {
			return t.Format(dateFmt)
		}
		return t.Format(time.RFC3339)
	}
	last := func() string {
		if w.Until.Equal(w.Until.Truncate(24 * time.Hour)) {
			return w.Until.AddDate(0, 0, -1).Format(dateFmt)
		}
		return w.Until.Format(time.RFC3339)
	}
	switch {
	case w.Since.IsZero() && w.Until.IsZero():
		return ""
	case w.Until.IsZero():
		return "since " + format(w.Since)
	case w.Since.IsZero():
		return "until " + last()
	}
	return format(w.Since) + " – " + last()
}

// Previous returns the window of equal length that ends where w starts,
// the one a report compares w with when no baseline summary is given; the
// zero Window when w has an open end (an open window has no length).
func (w Window) Previous() Window {
	if w.Since.IsZero() || w.Until.IsZero() {
		return Window{}
	}
	p := Window{Since: w.Since.Add(-w.Until.Sub(w.Since)), Until: w.Since}
	p.Label = "previous window " + rangeLabel(Window{Since: p.Since.UTC(), Until: p.Until.UTC()})
	return p
}
