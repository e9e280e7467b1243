package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/aggregate"
	"github.com/honeyreport/honeyreport/ingest"
)

// markdown renders in's Markdown summary.
func markdown(t *testing.T, in Input) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, Build(in)); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestLimitsShown sets each count the aggregator keeps past a bound and
// checks that the report's data quality and the Markdown summary say it.
func TestLimitsShown(t *testing.T) {
	tests := []struct {
		name string
		set  func(s *aggregate.Summary)
		want string
		json string // in the summary's "bounded"
	}{
		{"operations", func(s *aggregate.Summary) { s.OtherOperations = aggregate.Count{Events: 1234, Attempts: 2000} },
			"operations beyond the first 1,000 distinct: 1,234 events counted together, not in the daily chart", `"other_operations":1234`},
		{"errors", func(s *aggregate.Summary) { s.OtherErrors = aggregate.Count{Events: 7, Attempts: 7} },
			"error codes beyond the first 1,000 distinct: 7 events counted together", `"other_errors":7`},
		{"user agents", func(s *aggregate.Summary) { s.OtherUserAgents = aggregate.Count{Events: 1234, Attempts: 1300} },
			"user agents beyond the first 50,000 distinct: 1,234 events counted together", `"other_user_agents":1234`},
		{"buckets", func(s *aggregate.Summary) { s.OtherBuckets = aggregate.Count{Events: 1, Attempts: 1} },
			"buckets beyond the first 50,000 distinct: 1 event counted together", `"other_buckets":1`},
		{"keys", func(s *aggregate.Summary) { s.OtherKeys = 99 },
			"object keys beyond the first 50,000 distinct: 99 attempts counted together", `"other_keys_attempts":99`},
		{"principals", func(s *aggregate.Summary) { s.OtherPrincipals = aggregate.Count{Events: 5, Attempts: 6} },
			"AWS identities beyond the first 10,000 distinct: 5 events counted together", `"other_principals":5`},
		{"days", func(s *aggregate.Summary) { s.OutsideDays = 42 },
			"events outside the 3,660 days shown by the time charts (about ten years, the days with the most events): 42", `"outside_days":42`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := smallInput()
			tc.set(in.Summary)
			out := render(t, in, stubAssets)
			quality := out[strings.Index(out, `<section id="quality"`):]
			quality = quality[:strings.Index(quality, "</section>")]
			assertHTML(t, quality, "<li>"+tc.want+"</li>")
			assertHTML(t, markdown(t, in), "## Data quality\n\n- "+tc.want+"\n")
			var js bytes.Buffer
			if err := NewSummaryJSON(Build(in), 10).WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			assertHTML(t, js.String(), `"bounded": {`, tc.json)
		})
	}
	in := smallInput()
	var js bytes.Buffer
	if err := NewSummaryJSON(Build(in), 10).WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	assertHTML(t, js.String(), `! "bounded"`, `! "interrupted"`)
	assertHTML(t, render(t, in, stubAssets), "! beyond the first", "! events outside the")
	assertHTML(t, markdown(t, in), "! ## Data quality", "! Incomplete")
}

// TestLimitsFromAggregator drives a real aggregator past the user-agent
// bound and across more than MaxDays days.
func TestLimitsFromAggregator(t *testing.T) {
	agg := aggregate.New(aggregate.Options{})
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range aggregate.MaxUserAgents + 3 {
		e := ev("2024-01-01T00:00:00Z", "198.51.100.7", fmt.Sprintf("scanner/%d", i), ingest.OpGetObject)
		e.Time = start.Add(time.Duration(i) * time.Second)
		agg.Add(&e)
	}
	for _, tm := range []string{"0002-01-01T00:00:00Z", "9999-12-31T00:00:00Z"} {
		e := ev(tm, "198.51.100.7", "scanner/0", ingest.OpGetObject)
		agg.Add(&e)
	}
	in := smallInput()
	in.Summary = agg.Summary()
	for _, out := range []string{render(t, in, stubAssets), markdown(t, in)} {
		assertHTML(t, out, "user agents beyond the first 50,000 distinct: 3 events counted together",
			"events outside the 3,660 days shown by the time charts (about ten years, the days with the most events): 2")
	}
}

func TestInterruptedShown(t *testing.T) {
	in := smallInput()
	in.Options.Interrupted = "interrupted by SIGTERM"
	assertHTML(t, render(t, in, stubAssets),
		"<li>run stopped early (interrupted by SIGTERM): every count covers only what was read and looked up before</li>")
	md := markdown(t, in)
	want := "**Incomplete:** the run stopped early (interrupted by SIGTERM); every count covers only what was read and looked up before.\n\n"
	if i := strings.Index(md, want); i < 0 || i > strings.Index(md, "| |") {
		t.Errorf("the Markdown summary does not open with the interruption:\n%.800s", md)
	}
	var js bytes.Buffer
	if err := NewSummaryJSON(Build(in), 10).WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	assertHTML(t, js.String(), `"interrupted": "interrupted by SIGTERM"`)
}
