package site

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

const dateFmt = "2006-01-02"

// PeriodName names the period from since (the first instant in) to until
// (the first instant out): an ISO week "2026-W48", a calendar month
// "2026-11", a day "2026-11-23", or any other span of days
// "2026-11-01_2026-11-15" (last day included). Bounds that are not
// midnight UTC name the days they fall in. It returns "" when since is
// not before until.
func PeriodName(since, until time.Time) string {
	since, until = since.UTC(), until.UTC()
	if !since.Before(until) {
		return ""
	}
	first := since.Truncate(24 * time.Hour)
	last := until.Add(-time.Nanosecond).Truncate(24 * time.Hour)
	if first.Equal(since) && last.AddDate(0, 0, 1).Equal(until) {
		switch {
		case first.Weekday() == time.Monday && last.Equal(first.AddDate(0, 0, 6)):
			y, w := first.ISOWeek()
			return fmt.Sprintf("%d-W%02d", y, w)
		case first.Day() == 1 && until.Equal(first.AddDate(0, 1, 0)):
			return first.Format("2006-01")
		}
	}
	if first.Equal(last) {
		return first.Format(dateFmt)
	}
	return first.Format(dateFmt) + "_" + last.Format(dateFmt)
}

var periodRE = regexp.MustCompile(`^(?:(\d{4})-W(\d{2})|(\d{4})-(\d{2})|(\d{4}-\d{2}-\d{2})(?:_(\d{4}-\d{2}-\d{2}))?)$`)

// ParsePeriod returns the span a period name covers, until being the
// first instant after it. Only names PeriodName makes are periods: a
// folder named otherwise is not one, so nothing else in reports/ is ever
// listed or pruned.
func ParsePeriod(name string) (since, until time.Time, ok bool) {
	m := periodRE.FindStringSubmatch(name)
	if m == nil {
		return since, until, false
	}
	switch {
	case m[1] != "":
		y, _ := strconv.Atoi(m[1])
		w, _ := strconv.Atoi(m[2])
		// 4 January is always in week 1.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
		since = jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(w-1))
		until = since.AddDate(0, 0, 7)
	case m[3] != "":
		t, err := time.Parse("2006-01", name)
		if err != nil {
			return since, until, false
		}
		since, until = t, t.AddDate(0, 1, 0)
	default:
		var err error
		if since, err = time.Parse(dateFmt, m[5]); err != nil {
			return since, until, false
		}
		last := since
		if m[6] != "" {
			if last, err = time.Parse(dateFmt, m[6]); err != nil {
				return since, until, false
			}
		}
		until = last.AddDate(0, 0, 1)
	}
	// One name per period: "2026-W53" in a year without, or a range that
	// is a week, is not a name.
	if PeriodName(since, until) != name {
		return since, until, false
	}
	return since, until, true
}
