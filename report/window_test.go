package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/filter"
	"github.com/honeyreport/honeyreport/ingest"
)

// TestWindowSection: an empty window and an exclusion rule are accounted
// for in the HTML, the Markdown and the JSON summary, escaped like any
// other text.
func TestWindowSection(t *testing.T) {
	w, err := filter.ParseWindow("", "", filter.LastWeek, time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	sum := &aggregate.Summary{
		Inputs: []*ingest.Stats{{File: "a.log", Events: 0, Filtered: 5, Reasons: map[string]int64{filter.ReasonOutside: 3, filter.ReasonExcluded: 2}}},
		Filter: &filter.Result{
			Window:   w,
			Excluded: []filter.RuleCount{{Rule: "ua:<script>alert(1)</script>", Events: 2, Attempts: 7}, {Rule: "AS16509"}},
			Outside:  map[string]int64{"a.log": 3},
		},
	}
	in := Input{Summary: sum, Options: Options{GeneratedAt: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)}}
	out := render(t, in, stubAssets)
	assertHTML(t, out,
		"<title>Honeybucket report · 2026-11-16 – 2026-11-22 (7 days)</title>",
		"Window: last week (2026-W47: 2026-11-16 – 2026-11-22), from <time datetime=\"2026-11-16T00:00:00Z\">",
		"3 events read fall outside it",
		"Left out by exclusion rules (2 events)",
		"ua:&lt;script&gt;alert(1)&lt;/script&gt;</td><td class=\"num\">2</td><td class=\"num\">7</td>",
		"! <script>alert(1)",
		"<strong>No events in the window</strong>",
		"! No events were found in the inputs",
	)
	var md bytes.Buffer
	if err := WriteMarkdown(&md, Build(in)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "**No events in the window** last week") || !strings.Contains(md.String(), "3 events read outside it were not counted; 2 events excluded by 2 rules") {
		t.Errorf("markdown:\n%s", md.String())
	}
	var js bytes.Buffer
	if err := NewSummaryJSON(Build(in), 10).WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Window   WindowJSON     `json:"window"`
		Excluded []ExcludedJSON `json:"excluded"`
		Inputs   []struct {
			OutsideWindow int64 `json:"outside_window"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Window.Since != "2026-11-16T00:00:00Z" || got.Window.Until != "2026-11-23T00:00:00Z" || len(got.Excluded) != 2 ||
		got.Excluded[0].Attempts != 7 || got.Inputs[0].OutsideWindow != 3 {
		t.Errorf("json: %+v", got)
	}
}

// TestNoFilterJSON: without a window the summary has no window key and an
// empty excluded list.
func TestNoFilterJSON(t *testing.T) {
	var js bytes.Buffer
	if err := NewSummaryJSON(Build(Input{Summary: &aggregate.Summary{}}), 10).WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if s := js.String(); strings.Contains(s, `"window"`) || !strings.Contains(s, `"excluded":[]`) && !strings.Contains(s, `"excluded": []`) {
		t.Errorf("json: %s", s)
	}
}
