package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
)

// FilterSection accounts for what the window and the exclusion rules left
// out (aggregate.Summary.Filter), in the data-quality section. It is zero
// when the run had neither.
type FilterSection struct {
	Window string // the window's label, "" without one
	// Since and Until are the window's bounds, RFC 3339 UTC, "" when open;
	// Until is the first instant after the window.
	Since, Until  string
	Outside       int64 // events read outside the window
	Excluded      []ExcludedRow
	ExcludedTotal int64
}

// ExcludedRow is what one exclusion rule left out.
type ExcludedRow struct {
	Rule     Text
	Events   int64
	Attempts int64
}

// windowed applies the window to the report: the period shown is the
// window (the events' own span is narrower or empty), and the data-quality
// section counts what was left out.
func (b *builder) windowed() {
	res, r := b.s.Filter, b.r
	if res == nil {
		return
	}
	fs := &r.Filter
	for _, c := range res.Excluded {
		fs.Excluded = append(fs.Excluded, ExcludedRow{Rule: newText(c.Rule, 80), Events: c.Events, Attempts: c.Attempts})
		fs.ExcludedTotal += c.Events
	}
	w := res.Window
	if w.IsZero() {
		return
	}
	fs.Window = clean(w.Label, 120)
	fs.Since, fs.Until = formatTime(w.Since, time.RFC3339Nano), formatTime(w.Until, time.RFC3339Nano)
	fs.Outside = res.OutsideTotal()
	if w.Since.IsZero() || w.Until.IsZero() {
		return // an open end: the events say where the period ends
	}
	first, last := w.Since.UTC(), w.LastDay().UTC()
	days := int(last.Truncate(24*time.Hour).Sub(first.Truncate(24*time.Hour)).Hours()/24) + 1
	r.Period = fmt.Sprintf("%s – %s (%s)", first.Format(dateFmt), last.Format(dateFmt), Plural(int64(days), "day"))
	for i, st := range r.Headline {
		if st.Label == "Period" {
			r.Headline[i].Value = first.Format(dateFmt) + " → " + last.Format(dateFmt)
			r.Headline[i].Note = "window, " + periodDays(r.Period)
		}
	}
}

// filterFindings is the key-findings line on the window and exclusions.
func filterFindings(s *aggregate.Summary) string {
	res := s.Filter
	if res == nil {
		return ""
	}
	var parts []string
	if !res.Window.IsZero() {
		p := "Window " + mdEscape(res.Window.Label, 120)
		if s.Events == 0 {
			p = "**No events in the window** " + mdEscape(res.Window.Label, 120)
		}
		if n := res.OutsideTotal(); n > 0 {
			p += fmt.Sprintf(": %s read outside it %s not counted", Plural(n, "event"), wereOrWas(n))
		} else {
			p += ": every event read was inside it"
		}
		parts = append(parts, p)
	}
	if len(res.Excluded) > 0 {
		n := res.ExcludedTotal()
		parts = append(parts, fmt.Sprintf("%s excluded by %s (see data quality)", Plural(n, "event"), Plural(int64(len(res.Excluded)), "rule")))
	}
	if len(parts) == 0 {
		return ""
	}
	return "- " + strings.Join(parts, "; ") + ".\n"
}

func wereOrWas(n int64) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// WindowJSON is the summary's window: bounds in RFC 3339 UTC, "" when
// open; until is the first instant after the window.
type WindowJSON struct {
	Since string `json:"since"`
	Until string `json:"until"`
	Label string `json:"label"`
}

// ExcludedJSON is what one exclusion rule left out.
type ExcludedJSON struct {
	Rule     string `json:"rule"`
	Events   int64  `json:"events"`
	Attempts int64  `json:"attempts"`
}

// addFilterJSON adds the window, the exclusion counts and each input's
// events outside the window; out.Inputs is in the order of sum.Inputs.
func addFilterJSON(out *SummaryJSON, sum *aggregate.Summary) {
	out.Excluded = []ExcludedJSON{}
	res := sum.Filter
	if res == nil {
		return
	}
	if w := res.Window; !w.IsZero() {
		out.Window = &WindowJSON{Since: formatTime(w.Since, time.RFC3339Nano), Until: formatTime(w.Until, time.RFC3339Nano), Label: w.Label}
	}
	for _, c := range res.Excluded {
		out.Excluded = append(out.Excluded, ExcludedJSON{c.Rule, c.Events, c.Attempts})
	}
	for i, st := range sum.Inputs {
		if st != nil && i < len(out.Inputs) {
			out.Inputs[i].OutsideWindow = res.Outside[st.File]
		}
	}
}
