package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/internal/golden"
)

// stubAssets keeps goldens about our markup, not vendored code.
var stubAssets = assets.Assets{
	ECharts:  "/* echarts */",
	TopoJSON: "/* topojson */",
	WorldMap: `{"type":"Topology","objects":{"countries":{"type":"GeometryCollection","geometries":[]}},"arcs":[]}`,
	CSS:      "body{margin:0}",
	JS:       "/* report.js */",
}

func render(t testing.TB, in Input, a assets.Assets) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, Build(in), a); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func realAssets(t testing.TB) assets.Assets {
	t.Helper()
	a, err := assets.Load()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTemplatesParse(t *testing.T) {
	tmpl, err := parseTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"report.html", "site.html", "meta", "text", "chart", "sev", "counttable", "eventtable", "iptable"} {
		if tmpl.Lookup(name) == nil {
			t.Errorf("template %q not defined", name)
		}
	}
}

func TestGoldenSmall(t *testing.T) {
	got := render(t, smallInput(), stubAssets)
	golden.Check(t, filepath.Join("testdata", "small.html.golden"), []byte(got))
}

func TestDeterministic(t *testing.T) {
	a := render(t, hostileInput(), stubAssets)
	for i := 0; i < 3; i++ {
		if b := render(t, hostileInput(), stubAssets); a != b {
			t.Fatal("two renders of the same input differ")
		}
	}
}

// assertHTML checks fragments: plain ones must occur, ones starting with
// "! " must not.
func assertHTML(t *testing.T, out string, frags ...string) {
	t.Helper()
	for _, f := range frags {
		if neg, ok := strings.CutPrefix(f, "! "); ok {
			if i := strings.Index(out, neg); i >= 0 {
				t.Errorf("output contains %q: …%s…", neg, out[max(0, i-120):min(len(out), i+120)])
			}
		} else if !strings.Contains(out, f) {
			t.Errorf("output lacks %q", f)
		}
	}
}

// stripScripts removes our own inline code so checks look at data only.
func stripScripts(out string, a assets.Assets) string {
	for _, s := range []string{a.ECharts, a.TopoJSON, a.JS, a.CSS} {
		out = strings.Replace(out, s, "", 1)
	}
	return out
}

func TestHostileEscaping(t *testing.T) {
	out := stripScripts(render(t, hostileInput(), stubAssets), stubAssets)
	assertHTML(t, out,
		// the What changed section lists the previous window's payloads
		`<section id="changed"`,
		"&lt;script&gt;alert(1)&lt;/script&gt; old",
		// HTML text
		"&lt;script&gt;alert(1)&lt;/script&gt;",
		"! <script>alert",
		"! <script>window.__pwned",
		"! <img",
		"! <b>svc</b>",
		// attributes: the "> payload stays inside its quotes
		"&#34;&gt;&lt;img src=x onerror=",
		// no data-derived link, no remote reference outside escaped text
		"! href=\"javascript:",
		"! href=\"http://evil",
		"! src=\"http://evil",
		"! src=http://evil",
		// invisible/reordering characters made visible, bad UTF-8 replaced
		`\u202Egnp.exe`,
		"! \u202E",
		"! \u2028",
		"! \u2029",
		"bad\uFFFD\uFFFDutf8",
		"! \x1b",
		// Markdown in notes: no link, no image, no raw HTML
		"[image: img &lt;http://evil.example/n.png&gt;]",
		"<a href=\"https://ok.example/a\"",
		"! <style>body{display:none}",
		"! <!-- </style>",
	)
	// The 1 MB user agent must not be copied whole anywhere.
	if strings.Count(out, strings.Repeat("A", 2000)) > 0 {
		t.Error("the 1 MB user agent was copied into the page at full length")
	}
	if len(out) > 3<<20 {
		t.Errorf("hostile report is %d bytes; bounded rendering failed", len(out))
	}
}

var (
	scriptRE = regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`)
	styleRE  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	cspRE    = regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`)
)

func TestCSPMatchesInlineBlocks(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    assets.Assets
	}{{"stub", stubAssets}, {"real", realAssets(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, smallInput(), tc.a)
			m := cspRE.FindStringSubmatch(out)
			if m == nil {
				t.Fatal("no CSP meta tag")
			}
			csp := html.UnescapeString(m[1])
			if !strings.HasPrefix(csp, "default-src 'none';") || strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
				t.Errorf("CSP too loose: %s", csp)
			}
			hash := func(s string) string {
				sum := sha256.Sum256([]byte(s))
				return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
			}
			n := 0
			for _, sm := range scriptRE.FindAllStringSubmatch(out, -1) {
				if strings.Contains(sm[1], "application/json") {
					if !json.Valid([]byte(sm[2])) {
						t.Errorf("JSON block %s is not valid JSON", sm[1])
					}
					continue
				}
				n++
				if !strings.Contains(csp, "script-src") || !strings.Contains(csp, hash(sm[2])) {
					t.Errorf("inline script %d (%.40q) has no hash in the CSP", n, sm[2])
				}
			}
			if n != 3 {
				t.Errorf("found %d executable inline scripts, want 3", n)
			}
			styles := styleRE.FindAllStringSubmatch(out, -1)
			if len(styles) != 1 || !strings.Contains(csp, "style-src "+hash(styles[0][1])) {
				t.Errorf("style block hash missing from CSP (%d blocks)", len(styles))
			}
			for _, tag := range tags(stripScripts(out, tc.a)) {
				if _, ok := tag.attrs["style"]; ok {
					t.Errorf("<%s> has an inline style attribute, which the CSP blocks", tag.name)
				}
			}
		})
	}
}

type tag struct {
	name  string
	attrs map[string]string
}

// tags lists the start tags of an HTML document as a browser's tokenizer
// sees them, so that escaped text is not mistaken for markup.
func tags(doc string) []tag {
	var out []tag
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			tg := tag{name: tok.Data, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				tg.attrs[strings.ToLower(a.Key)] = a.Val
			}
			out = append(out, tg)
		}
	}
}

// TestNoExternalURLs fails if any element could load something, or any
// link leads anywhere but into the page, except links to https pages of
// our own providers and attributions, which only open when clicked.
func TestNoExternalURLs(t *testing.T) {
	allowedTags := map[string]bool{}
	for _, n := range strings.Fields("html head meta title style body a header div span h1 h2 h3 p nav main section ul li article table caption thead tbody tr th td figure figcaption script abbr meter code time details summary footer strong em del br hr ol pre blockquote svg g rect line path circle text title") {
		allowedTags[n] = true
	}
	for _, tc := range []struct {
		name string
		in   Input
	}{{"small", smallInput()}, {"hostile", hostileInput()}} {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, tc.in, stubAssets)
			for _, tg := range tags(out) {
				if !allowedTags[tg.name] {
					t.Errorf("unexpected element <%s> %v", tg.name, tg.attrs)
				}
				for k, v := range tg.attrs {
					switch {
					case strings.HasPrefix(k, "on"):
						t.Errorf("<%s> has event handler %s=%q", tg.name, k, v)
					case k == "src" || k == "srcset" || k == "action" || k == "formaction" || k == "poster" || k == "background" || k == "style":
						t.Errorf("<%s %s=%q> loads or styles from data", tg.name, k, v)
					case k == "href":
						if !strings.HasPrefix(v, "#") && !(tg.name == "a" && strings.HasPrefix(v, "https://") && !strings.Contains(v, "evil")) {
							t.Errorf("<%s href=%q> leads outside the page", tg.name, v)
						}
						if tg.name == "a" && !strings.HasPrefix(v, "#") && !strings.Contains(tg.attrs["rel"], "noopener") {
							t.Errorf("<a href=%q> lacks rel=noopener", v)
						}
					}
				}
			}
		})
	}
	a := realAssets(t)
	if regexp.MustCompile(`(?i)url\(\s*['"]?(https?:|//)|@import`).MatchString(a.CSS) {
		t.Error("report.css references a remote resource")
	}
}

func TestChartJSONCannotBreakOut(t *testing.T) {
	rep := Build(hostileInput())
	if len(rep.Charts) < 8 {
		t.Errorf("hostile report has %d charts, want all of them", len(rep.Charts))
	}
	for id, c := range rep.Charts {
		s := string(c.JSON)
		for _, bad := range []string{"<", ">", "&", "\u2028", "\u2029"} {
			if strings.Contains(s, bad) {
				t.Errorf("chart %s JSON contains %q", id, bad)
			}
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Errorf("chart %s: %v", id, err)
		}
	}
}

func TestSafeLink(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"https", "https://otx.alienvault.com/indicator/ip/1.2.3.4", "https://otx.alienvault.com/indicator/ip/1.2.3.4"},
		{"http", "http://example.com/", ""},
		{"javascript", "javascript:alert(1)", ""},
		{"spaced scheme", " javascript:alert(1)", ""},
		{"quote", `https://x.example/"onmouseover=1`, ""},
		{"credentials", "https://user:pw@x.example/", ""},
		{"data", "data:text/html,<script>", ""},
		{"relative", "//evil.example/x", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeLink(tc.in); got != tc.want {
				t.Errorf("safeLink(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		name, in    string
		max         int
		short, full string
	}{
		{"plain", "hello", 10, "hello", ""},
		{"cut", "abcdefghijkl", 5, "abcd…", "abcdefghijkl"},
		{"rtl", "a\u202Eb", 20, `a\u202Eb`, ""},
		{"control", "a\x1bb\nc", 20, `a\x1Bb c`, ""},
		{"bad utf8", "a\xffb", 20, "a\uFFFDb", ""},
		{"separator", "a\u2028b", 20, `a\u2028b`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := newText(tc.in, tc.max)
			if got.Short != tc.short || got.Full != tc.full {
				t.Errorf("newText(%q, %d) = %+v, want {%q %q}", tc.in, tc.max, got, tc.short, tc.full)
			}
		})
	}
}

// TestCleanASCII checks clean's shortcut for printable ASCII against the
// rune-by-rune path it skips.
func TestCleanASCII(t *testing.T) {
	for _, s := range []string{"", "a", "hello world", "~ !\"#$%&'()*+,-./09:;<=>?@AZ[\\]^_`az{|}", "tab\there", "del\x7f", "nul\x00"} {
		for limit := -1; limit <= len(s)+1; limit++ {
			if got, want := clean(s, limit), cleanRunes(s, limit); got != want {
				t.Errorf("clean(%q, %d) = %q, want %q", s, limit, got, want)
			}
		}
	}
}

// TestContainsLower checks the asset check against the lower-case copy
// it avoids.
func TestContainsLower(t *testing.T) {
	for _, s := range []string{"", "<", "</script", "x</SCRIPT>", "</scr", "<</script", "< /script", "</scr\u0130pt",
		"</scr\xffipt", "<\xff/script", "</ſcript", "a<!-- b", "<!-", "<!\u2014-", "</STYLE", "</Style\n", "\u212a</style"} {
		for _, sub := range []string{"</script", "<!--", "</style"} {
			if got, want := containsLower(s, sub), strings.Contains(strings.ToLower(s), sub); got != want {
				t.Errorf("containsLower(%q, %q) = %v, want %v", s, sub, got, want)
			}
		}
	}
}

func TestEmptyReport(t *testing.T) {
	out := render(t, Input{Options: Options{GeneratedAt: fixedTime}}, stubAssets)
	assertHTML(t, out, "No events were found", "Threat intelligence was not run")
}

// TestManyInputs: a CloudTrail tree of thousands of files must not turn
// the data-quality tables into megabytes; problems are never left out.
func TestManyInputs(t *testing.T) {
	var stats []*ingest.Stats
	for i := 0; i < 120; i++ {
		st := &ingest.Stats{File: fmt.Sprintf("AWSLogs/f%03d.json.gz", i), Format: ingest.FormatCloudTrail, Events: 10, Filtered: 1}
		if i == 7 || i == 99 {
			st.Skip(3, "invalid JSON", "invalid JSON: boom")
		}
		stats = append(stats, st)
	}
	in := smallInput()
	in.Summary = summarize([]ingest.Event{ev("2022-01-01T00:00:00Z", "203.0.113.9", "curl/8", ingest.OpHeadBucket)}, stats...)
	rep := Build(in)
	if len(rep.Inputs) != maxInputRows || rep.InputsOmitted != 70 || rep.OmittedEvents != 700 || rep.OmittedFiltered != 70 {
		t.Fatalf("rows %d, omitted %d (%d events, %d filtered)", len(rep.Inputs), rep.InputsOmitted, rep.OmittedEvents, rep.OmittedFiltered)
	}
	if rep.Inputs[0].Name.Short != "AWSLogs/f007.json.gz" || rep.Inputs[1].Name.Short != "AWSLogs/f099.json.gz" {
		t.Errorf("inputs with problems are not listed first: %v, %v", rep.Inputs[0].Name, rep.Inputs[1].Name)
	}
}

// TestEventTableColumns drops the key, principal and error columns of an
// event table when no row has one, and keeps every row as wide as its
// header either way.
func TestEventTableColumns(t *testing.T) {
	sparse := smallInput()
	events := slices.Clone(sparse.Summary.Recent)
	for i := range events {
		events[i].Key, events[i].ErrorCode, events[i].Identity = "", "", ingest.Identity{}
	}
	sparse.Summary = summarize(events, sparse.Summary.Inputs...)
	for _, tc := range []struct {
		name string
		in   Input
		want []string // the "All events" table's headers
	}{
		{"full", smallInput(), []string{"Time (UTC)", "Source", "Cty", "Operation", "Bucket", "Key", "User agent", "Principal", "Error", "Att.", "Input"}},
		{"sparse", sparse, []string{"Time (UTC)", "Source", "Cty", "Operation", "Bucket", "User agent", "Att.", "Input"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := html.Parse(strings.NewReader(render(t, tc.in, realAssets(t))))
			if err != nil {
				t.Fatal(err)
			}
			var tables [][][]string // table, row, cell texts (headers first)
			for n := range doc.Descendants() {
				if n.Type != html.ElementNode || n.Data != "table" || !strings.Contains(attr(n, "class"), "events") {
					continue
				}
				var rows [][]string
				for r := range n.Descendants() {
					if r.Type == html.ElementNode && r.Data == "tr" {
						var cells []string
						for c := range r.ChildNodes() {
							if c.Type == html.ElementNode && (c.Data == "th" || c.Data == "td") {
								cells = append(cells, textOf(c))
							}
						}
						rows = append(rows, cells)
					}
				}
				tables = append(tables, rows)
			}
			if len(tables) == 0 {
				t.Fatal("no event table")
			}
			if got := tables[len(tables)-1][0]; !slices.Equal(got, tc.want) {
				t.Errorf("All events headers = %q, want %q", got, tc.want)
			}
			for _, rows := range tables {
				for _, r := range rows[1:] {
					if len(r) != len(rows[0]) && len(r) != 1 { // 1: the "None." row spans them
						t.Errorf("row %q has %d cells, header %d", r, len(r), len(rows[0]))
					}
				}
			}
		})
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.TrimSpace(b.String())
}

// A user agent too long for the chart's label is cut at its end there,
// and its bar's tooltip holds it whole, once.
func TestUserAgentChartLabels(t *testing.T) {
	long := "Boto3/1.17.40 Python/3.6.12 Linux/3.10.0-1160.6.1.el7.x86_64 Botocore/1.20.112 " + strings.Repeat("Resource/x ", 10)
	in := smallInput()
	events := []ingest.Event{ev("2022-01-03T08:15:00Z", "198.51.100.7", long, ingest.OpListObjects)}
	in.Summary = summarize(events)
	js := string(Build(in).Charts["useragents"].JSON)
	var spec struct {
		Option struct {
			YAxis []struct{ Data []string } `json:"yAxis"`
		}
		Details [][]map[string]string
	}
	if err := json.Unmarshal([]byte(js), &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Option.YAxis) != 1 || len(spec.Option.YAxis[0].Data) != 1 || len(spec.Details) != 1 || len(spec.Details[0]) != 1 {
		t.Fatalf("chart spec %s", js)
	}
	label, tip := spec.Option.YAxis[0].Data[0], spec.Details[0][0]["User agent"]
	if !strings.HasPrefix(long, strings.TrimSuffix(label, "…")) || !strings.HasSuffix(label, "…") {
		t.Errorf("label %q is not the agent's start, cut at its end", label)
	}
	if tip != long {
		t.Errorf("tooltip %q, want the whole agent %q", tip, long)
	}
}

// An empty table's "None." row spans every column its header has, with
// threat intelligence on (one more column in the IP tables) and off.
func TestEmptyRowSpansTheTable(t *testing.T) {
	table := regexp.MustCompile(`(?s)<table.*?</table>`)
	th := regexp.MustCompile(`<th[ >]`)
	empty := regexp.MustCompile(`<td colspan="(\d+)" class="empty">`)
	for _, ti := range []bool{true, false} {
		in := smallInput()
		// One alert per IP: the repeat-IP table is empty.
		in.Summary = summarize([]ingest.Event{ev("2022-01-03T08:15:00Z", "198.51.100.7", "curl/8", ingest.OpListObjects)})
		if !ti {
			in.ThreatIntel, in.Statuses, in.Profiles = nil, nil, nil
		}
		out := render(t, in, stubAssets)
		checked := 0
		for _, tb := range table.FindAllString(out, -1) {
			head, _, _ := strings.Cut(tb, "</thead>")
			for _, m := range empty.FindAllStringSubmatch(tb, -1) {
				checked++
				if n := len(th.FindAllString(head, -1)); m[1] != strconv.Itoa(n) {
					t.Errorf("threat intelligence %v: empty row spans %s columns of %d in %.200s", ti, m[1], n, tb)
				}
			}
		}
		if checked == 0 {
			t.Errorf("threat intelligence %v: no empty table rendered", ti)
		}
	}
}

// TestInputStoppedBadge: the "stopped" badge of the data-quality table is
// shown for an input whose reading ended on an error, with the error, and
// only then (a Text is a struct, which a template's "if" always takes as
// true).
func TestInputStoppedBadge(t *testing.T) {
	in := smallInput()
	quality := func() string {
		out := render(t, in, stubAssets)
		q := out[strings.Index(out, `<section id="quality"`):]
		return q[:strings.Index(q, "</section>")]
	}
	assertHTML(t, quality(), "! stopped:")
	st := *in.Summary.Inputs[0]
	st.Err = errors.New("read: unexpected EOF")
	in.Summary.Inputs = []*ingest.Stats{&st}
	assertHTML(t, quality(), `<span class="badge sev-high">stopped: read: unexpected EOF</span>`)
}
