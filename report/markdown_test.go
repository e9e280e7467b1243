package report

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

func TestMDEscape(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "curl", "curl"},
		{"link", "[x](javascript:alert(1))", `\[x\]\(javascript\:alert\(1\)\)`},
		{"html", "<b>", `\<b\>`},
		{"table", "a|b", `a\|b`},
		{"emphasis", "*_`", "\\*\\_\\`"},
		{"newline", "a\nb", "a b"},
		{"rtl", "\u202Eexe", `\\u202Eexe`},
		{"ipv4", "212.83.184.15", "212.83.184.15"},
		{"ipv6", "2001:db8::beef", "2001:db8::beef"},
		{"date", "2022-02-18", "2022-02-18"},
		{"period", "2022-02-11 → 2022-02-18", "2022-02-11 → 2022-02-18"},
		{"lookalike", "ԝԝԝ.ab", "ԝԝԝ.ab"},
		{"www", "www.ab.cd", `www\.ab.cd`},
		{"scheme", "ftp://a.b", `ftp\://a.b`},
		{"user agent", "Mozilla/5.0 (X11; Linux x86_64)", `Mozilla/5.0 \(X11; Linux x86\_64\)`},
		{"list", "-rf", `\-rf`},
		{"ordered list", "12. x", `12\. x`},
		{"address before markup", "1.2.3.4 [x](y)", `1\.2.3.4 \[x\]\(y\)`},
		{"email", "ab@cd.ef", `ab\@cd.ef`},
		{"prose colon", "Honeybucket report: microsoft-devtest", "Honeybucket report: microsoft-devtest"},
		{"colon at the end", "scheme:", "scheme:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mdEscape(tc.in, 100); got != tc.want {
				t.Errorf("mdEscape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// mdEscapeHostile are strings that are markup in some Markdown renderer,
// GitHub's autolinks included.
var mdEscapeHostile = []string{
	"www.evil.example", "WWW.EVIL.EXAMPLE/x?y=z", "(www.evil.example)", "*www.evil.example*", "a www.evil.example",
	"http://evil.example", "https://evil.example/x", "ftp://evil.example", "mailto:a@evil.example", "xmpp:a@evil.example",
	"a@evil.example", "<http://evil.example>", "[a](http://evil.example)", "![a](http://evil.example/x.png)",
	"[a]: http://evil.example", "*a*", "_a_", "**a**", "~~a~~", "`a`", "1. a", "1) a", "- a", "+ a", "* a", "# a",
	"> a", "---", "===", "a | b", "&lt;b&gt;", "&#60;", "<b>x</b>", "a\\", "\\*a*", "$x$", "x^2^", "==a==", "[^1]",
	"Mozilla/5.0 (compatible; +http://evil.example/bot)", "12.34.56.78", "::1", "2001:db8::1",
	"report: http://evil.example", "http: //evil.example", "mailto: a@evil.example", "www.evil.example: x", "a:b: c",
}

// TestMDEscapeRendersAsText renders escaped hostile strings with
// goldmark's GitHub flavour (autolinks on): each must come back as its
// own text, in one paragraph, with no markup.
func TestMDEscapeRendersAsText(t *testing.T) {
	for _, s := range mdEscapeHostile {
		checkRendersAsText(t, s)
	}
}

func FuzzMDEscape(f *testing.F) {
	for _, s := range mdEscapeHostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkRendersAsText(t, s) })
}

func checkRendersAsText(t *testing.T, s string) {
	t.Helper()
	want := strings.TrimSpace(plain(s, 200))
	if want == "" {
		return
	}
	var out bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert([]byte("x "+mdEscape(s, 200)), &out); err != nil {
		t.Fatal(err)
	}
	got, ok := strings.CutPrefix(out.String(), "<p>x ")
	got, ok2 := strings.CutSuffix(got, "</p>\n")
	if !ok || !ok2 || strings.Contains(got, "<") {
		t.Fatalf("mdEscape(%q) = %q renders as markup: %q", s, mdEscape(s, 200), out.String())
	}
	if got = strings.TrimSpace(html.UnescapeString(got)); got != want {
		t.Fatalf("mdEscape(%q) = %q renders as %q, want the text back", s, mdEscape(s, 200), got)
	}
}

func TestWriteMarkdownHostile(t *testing.T) {
	in := hostileInput()
	in.Options.NotesMarkdown = nil
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, Build(in)); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	if !strings.Contains(md, "## What changed") || !strings.Contains(md, "- Operations: new ") {
		t.Error("the hostile Markdown summary has no comparison")
	}
	for _, bad := range []string{"](javascript", "\u2028", "\u202E"} {
		if strings.Contains(md, bad) {
			t.Errorf("Markdown summary contains %q", bad)
		}
	}
	// Every markup character from the data is backslash-escaped.
	if m := regexp.MustCompile("(^|[^\\\\])[<\\[`]").FindStringIndex(strings.ReplaceAll(md, "[the runbook]", "")); m != nil && !strings.HasPrefix(md[m[0]:], "|") {
		t.Errorf("unescaped markup in Markdown summary: %q", md[max(0, m[0]-40):min(len(md), m[1]+40)])
	}
	// Rendered, nothing from the data becomes markup.
	html := string(renderMarkdown(buf.Bytes(), false))
	assertHTML(t, html, "! <script", "! <img", "! href=\"javascript", "&lt;script&gt;alert(1)&lt;/script&gt;")
	// Escaped pipes keep every table row at its header's column count.
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		n := strings.Count(line, "|") - strings.Count(line, `\|`)
		switch {
		case !strings.HasPrefix(line, "|"):
			cols = 0
		case cols == 0:
			cols = n
		case n != cols:
			t.Errorf("table row has %d cells, header %d: %.120q", n, cols, line)
		}
	}
}

func TestWriteMarkdownSmall(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteMarkdown(&buf, Build(smallInput())); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{"# Honeybucket report", "## Key findings", "**8 alerts**", "| Netherlands | 3 | 1 |", "## Analyst notes", "[the runbook](https://example.com/runbook)"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown summary lacks %q:\n%s", want, md)
		}
	}
}

func TestRenderMarkdownLinks(t *testing.T) {
	for _, tc := range []struct {
		name, md  string
		allowHTML bool
		frags     []string
	}{
		{"https link kept", "[a](https://x.example/)", false, []string{`<a href="https://x.example/" rel="noopener noreferrer nofollow">a</a>`}},
		{"mailto kept", "[m](mailto:a@x.example)", false, []string{`href="mailto:a@x.example"`}},
		{"javascript dropped", "[a](javascript:alert(1))", false, []string{"<p>a</p>", "! href"}},
		{"data dropped", "[a](data:text/html,x)", false, []string{"! href"}},
		{"image to text", "![alt](http://evil.example/i.png)", false, []string{"[image: alt &lt;http://evil.example/i.png&gt;]", "! <img"}},
		{"raw html off", "<b>x</b><script>alert(1)</script>", false, []string{"! <script", "! <b>"}},
		{"raw html allowed", "<b>x</b>", true, []string{"<b>x</b>"}},
		{"image when html allowed", "![a](http://evil.example/i.png)", true, []string{"! <img"}},
		{"autolink javascript", "<javascript:alert(1)>", false, []string{"! href"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assertHTML(t, string(renderMarkdown([]byte(tc.md), tc.allowHTML)), tc.frags...)
		})
	}
}
