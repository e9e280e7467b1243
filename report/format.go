package report

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/honeyreport/honeyreport/ingest"
)

// Layouts of formatTime: tables show seconds in UTC; the JSON summary
// and the export use RFC 3339 (the export with the sub-second part logs
// give).
const (
	dateFmt = "2006-01-02"
	timeFmt = "2006-01-02 15:04:05"
)

// formatTime writes t in UTC in layout, "" for the zero time (unknown).
func formatTime(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

// ByteSize formats a size in binary units, labelled as such: 512 B,
// 1.5 KiB, 20.0 MiB, 3.2 GiB.
func ByteSize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

// num formats n with comma thousands separators: 1,234,567.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(",")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// pct formats a share (0..1) as a percentage with one decimal.
func pct(f float64) string {
	switch {
	case f == 0:
		return "0%"
	case f < 0.001:
		return "<0.1%"
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
}

// Plural counts a noun in English: "1 event", "1,204 events", "2 countries".
func Plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if len(word) > 1 && word[len(word)-1] == 'y' && !strings.ContainsRune("aeiou", rune(word[len(word)-2])) {
		return num(n) + " " + word[:len(word)-1] + "ies"
	}
	return num(n) + " " + word + "s"
}

// periodDays is the "(57 days)" part of a Report.Period, without brackets.
func periodDays(p string) string {
	if i := strings.LastIndex(p, "("); i >= 0 {
		return strings.TrimSuffix(p[i+1:], ")")
	}
	return ""
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// safeLink returns u when it is an absolute https URL with a host and no
// credentials, else "". Only such URLs ever become links: they can open a
// page when clicked but never load anything by themselves.
func safeLink(u string) string {
	if len(u) > 2048 || strings.ContainsAny(u, " \t\r\n\"'<>\\`") {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || p.Opaque != "" {
		return ""
	}
	return p.String()
}

// EventColumns says which of an event table's sparse columns have a value
// in some row: a honeybucket's events mostly have no key, no principal
// and no error, and three empty columns squeezed the others.
type EventColumns struct {
	Key, Principal, Error bool
	N                     int // columns shown
}

func eventColumns(rows []EventRow) EventColumns {
	var c EventColumns
	for _, r := range rows {
		c.Key = c.Key || !r.Key.Empty()
		c.Principal = c.Principal || !r.Identity.Empty()
		c.Error = c.Error || !r.Error.Empty()
	}
	c.N = 8
	for _, shown := range []bool{c.Key, c.Principal, c.Error} {
		if shown {
			c.N++
		}
	}
	return c
}

// posText shows where an event was read. A long path becomes its file's
// base name, cut in the middle if need be, and the line, the whole on
// hover: a path in every row of an event table made the rows five lines
// high, and the line number, at the end, is what must stay.
func posText(p ingest.Pos) Text {
	const fits = 24 // runes the column shows in two lines
	whole := newText(p.String(), fullLimit).Short
	if utf8.RuneCountInString(whole) <= fits {
		return Text{Short: whole}
	}
	name := []rune(clean(filepath.Base(p.File), fullLimit))
	if len(name) > fits-6 {
		name = slices.Concat(name[:8], []rune("…"), name[len(name)-10:])
	}
	short := ingest.Pos{File: string(name), Line: p.Line}
	return Text{Short: short.String(), Full: whole}
}
