package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// renderMarkdown renders md to HTML with goldmark. Raw HTML is dropped
// unless allowHTML (analyst notes with --allow-notes-html). In every case
// images become text, so nothing in the page loads a resource, and links
// keep their target only for http, https, mailto and in-page fragments.
func renderMarkdown(md []byte, allowHTML bool) template.HTML {
	var ro []renderer.Option
	if allowHTML {
		ro = append(ro, html.WithUnsafe())
	}
	gm := goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(linkGuard{}, 100))),
		goldmark.WithRendererOptions(ro...),
	)
	var buf bytes.Buffer
	if err := gm.Convert(md, &buf); err != nil {
		// goldmark fails only on writer errors, which a bytes.Buffer
		// does not have; show the text rather than nothing.
		return template.HTML("<pre>" + template.HTMLEscapeString(string(md)) + "</pre>")
	}
	return template.HTML(buf.String()) // goldmark output, raw HTML off unless the analyst allowed it
}

// linkGuard rewrites the Markdown AST before rendering: images become their
// alt text plus the URL as text; links and autolinks with a scheme other
// than http, https or mailto become their text.
type linkGuard struct{}

func (linkGuard) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	type repl struct{ old, new ast.Node }
	var todo []repl
	var unwrap []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Image:
			s := "[image: " + inlineText(n, src) + " <" + string(n.Destination) + ">]"
			todo = append(todo, repl{n, ast.NewString([]byte(s))})
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			if !allowedLink(string(n.Destination)) {
				unwrap = append(unwrap, n)
				return ast.WalkContinue, nil
			}
			n.SetAttributeString("rel", []byte("noopener noreferrer nofollow"))
		case *ast.AutoLink:
			u := string(n.URL(src))
			if n.AutoLinkType == ast.AutoLinkEmail {
				u = "mailto:" + u
			}
			if !allowedLink(u) {
				todo = append(todo, repl{n, ast.NewString(n.Label(src))})
				break
			}
			// Rebuild as a plain link so that it gets rel like the others
			// (goldmark renders no attributes on autolinks).
			l := ast.NewLink()
			l.Destination = []byte(u)
			l.AppendChild(l, ast.NewString(n.Label(src)))
			l.SetAttributeString("rel", []byte("noopener noreferrer nofollow"))
			todo = append(todo, repl{n, l})
		}
		return ast.WalkContinue, nil
	})
	for _, r := range todo {
		r.old.Parent().ReplaceChild(r.old.Parent(), r.old, r.new)
	}
	for _, n := range unwrap {
		p := n.Parent()
		for c := n.FirstChild(); c != nil; {
			next := c.NextSibling()
			p.InsertBefore(p, n, c)
			c = next
		}
		p.RemoveChild(p, n)
	}
}

func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
		case *ast.String:
			b.Write(c.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

func allowedLink(u string) bool {
	if strings.HasPrefix(u, "#") && !strings.ContainsAny(u, " \"'<>") {
		return true
	}
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		return p.Host != "" && p.User == nil
	case "mailto":
		return true
	}
	return false
}

// mdEscape makes an untrusted string safe as Markdown inline text: one
// line, every character with Markdown meaning backslash-escaped, so a user
// agent like "[x](javascript:alert(1))" stays text in the email body, in
// goldmark's output and in any other renderer (GitHub's autolinks too).
// Characters that have a meaning only in some places are escaped only
// there, so that "Go-http-client/1.1" stays readable as plain text.
func mdEscape(s string, max int) string {
	s = plain(s, max)
	if inertMarkdown(s) {
		return s // an address, a number or a date stays readable as plain text
	}
	var b strings.Builder
	for i, r := range s {
		escape := false
		switch r {
		case '\\', '`', '*', '_', '{', '}', '[', ']', '(', ')', '<', '>', '#', '!', '|', '~', '&',
			'@',                           // e-mail autolinks
			'"', '\'', '=', '$', '%', '^': // meaningful in some flavours (smart quotes, highlight, maths, footnotes)
			escape = true
		case ':':
			// A scheme autolink ("http:", "mailto:") needs text after the
			// colon: "report: bucket" is plain prose.
			escape = i+1 < len(s) && s[i+1] != ' '

		case '-', '+':
			escape = i == 0 // a list marker or a rule, were the text to start a line
		case '.':
			// "www." autolinks; "1." starts an ordered list.
			escape = i >= 3 && strings.EqualFold(s[i-3:i], "www") || strings.Trim(s[:i], "0123456789") == ""
		}
		if escape {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// inertMarkdown reports whether s, written inline, can mean nothing in
// Markdown: hex digits, dots, colons, hyphens, spaces and non-ASCII text
// only (IP addresses, numbers, dates, "2022-02-11 → 2022-02-18").
// Markdown's syntax is ASCII; without letters past "f" there is no
// "www.", "http:" or "ftp:" to autolink, and without "@" no address.
func inertMarkdown(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F', c == '.', c == ':', c == '-', c == ' ', c >= 0x80:
		default:
			return false
		}
	}
	return true
}

// findings writes the key findings as Markdown. Every value from the data
// goes through mdEscape.
func (b *builder) findings() string {
	s, r := b.s, b.r
	var w strings.Builder
	filtered := filterFindings(s)
	if s.Events == 0 {
		if filtered != "" || b.all.cmp != nil {
			return filtered + compareFindings(b.all.cmp)
		}
		w.WriteString("- No events were found in the inputs.\n")
		return w.String()
	}
	fmt.Fprintf(&w, "- **%s** (%s) from **%s** in %s, %s to %s.\n",
		Plural(s.Events, "alert"), Plural(s.Attempts, "attempt"), Plural(int64(len(s.IPs)), "unique IP"),
		Plural(int64(countKnown(b.countries)), "country"), formatTime(s.FirstSeen, timeFmt), formatTime(s.LastSeen, timeFmt))
	if len(b.asns) > 0 {
		a := b.asns[0]
		fmt.Fprintf(&w, "- The top network, %s %s, sent %s of alerts (%s from %s).\n",
			a.ASN, mdEscape(a.Org.Whole(), 60), pct(a.Share), num(a.Events), Plural(int64(a.IPs), "IP"))
	}
	if len(b.countries) > 0 && b.countries[0].Code != "" {
		c := b.countries[0]
		fmt.Fprintf(&w, "- Most alerts came from %s (%s, %s).\n", mdEscape(c.Name, 60), pct(c.Share), Plural(c.Events, "alert"))
	}
	if len(s.IPs) > 0 {
		ip := s.IPs[0]
		when := "on " + formatTime(ip.FirstSeen, dateFmt)
		if last := formatTime(ip.LastSeen, dateFmt); last != formatTime(ip.FirstSeen, dateFmt) {
			when = "between " + formatTime(ip.FirstSeen, dateFmt) + " and " + last
		}
		fmt.Fprintf(&w, "- The busiest source, %s, made %s %s.\n", mdEscape(ip.Source(), 60), Plural(ip.Events, "alert"), when)
	}
	if n := r.RepeatTotal; n > 0 {
		fmt.Fprintf(&w, "- %s came back more than once (%s of sources).\n", Plural(int64(n), "IP"), pct(float64(n)/float64(max(1, len(s.IPs)))))
	}
	if !s.LastSeen.IsZero() {
		since := s.LastSeen.Add(-7 * 24 * time.Hour)
		n := 0
		for _, ip := range s.IPs {
			if ip.FirstSeen.After(since) {
				n++
			}
		}
		fmt.Fprintf(&w, "- %s first seen in the last 7 days of the log (since %s).\n", Plural(int64(n), "new IP"), formatTime(since, dateFmt))
	}
	if s.Writes > 0 {
		fmt.Fprintf(&w, "- **%s** tried to change the bucket.\n", Plural(s.Writes, "write attempt"))
	} else {
		w.WriteString("- No write attempts (PutObject, DeleteObject ...) were recorded.\n")
	}
	if s.AccessDenied > 0 {
		fmt.Fprintf(&w, "- %s were refused with an access error.\n", Plural(s.AccessDenied, "request"))
	}
	if len(s.Principals) > 0 {
		var ids []string
		for _, p := range firstN(s.Principals, 5) {
			ids = append(ids, mdEscape(orDefault(p.Identity.AccountID, p.Identity.ARN), 40))
		}
		fmt.Fprintf(&w, "- **%s** made %s with AWS credentials: %s.\n", Plural(int64(len(s.Principals)), "non-anonymous principal"), Plural(s.Authenticated, "request"), strings.Join(ids, ", "))
	}
	if len(r.UAFamilies) > 0 {
		f := r.UAFamilies[0]
		fmt.Fprintf(&w, "- The most common client family is %s (%s of alerts).\n", mdEscape(f.Label.Short, 40), pct(f.Share))
	}
	switch t := &r.Threat; {
	case t.AllFailed:
		fmt.Fprintf(&w, "- **Threat intelligence could not check any IP**: %s.\n", t.summary(mdEscape))
	case t.Incomplete != "":
		fmt.Fprintf(&w, "- Threat intelligence flagged %s, **but** %s.\n", Plural(int64(t.Flagged), "IP"), t.summary(mdEscape))
	case t.Ran:
		fmt.Fprintf(&w, "- Threat intelligence flagged %s.\n", Plural(int64(t.Flagged), "IP"))
	default:
		w.WriteString("- Threat intelligence was not run.\n")
	}
	w.WriteString(filtered)
	w.WriteString(compareFindings(b.all.cmp))
	return w.String()
}

func countKnown(cs []CountryRow) int {
	n := 0
	for _, c := range cs {
		if c.Code != "" {
			n++
		}
	}
	return n
}

// WriteMarkdown writes a Markdown summary of rep fit for an email body or a
// README: key findings and the main top-N tables. Strings from the data are
// escaped so that they stay text in any Markdown renderer.
func WriteMarkdown(w io.Writer, rep *Report) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", mdEscape(rep.Title, 200))
	if rep.Period != "" {
		fmt.Fprintf(&b, "%s", rep.Period)
	}
	if rep.GeneratedAt != "" {
		fmt.Fprintf(&b, " · generated %s", rep.GeneratedAt)
	}
	if rep.ToolVersion != "" {
		fmt.Fprintf(&b, " by honeyreport %s", mdEscape(rep.ToolVersion, 60))
	}
	b.WriteString("\n\n")
	writeInterruptedMarkdown(&b, rep)
	b.WriteString("| | |\n|---|---:|\n")
	for _, s := range rep.Headline {
		fmt.Fprintf(&b, "| %s | %s |\n", s.Label, mdEscape(s.Value, 60))
	}
	b.WriteString("\n## Key findings\n\n")
	b.WriteString(rep.FindingsMarkdown)
	writeCompareMarkdown(&b, rep)
	table := func(title string, head []string, rows [][]string) {
		if len(rows) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n## %s\n\n| %s |\n|", title, strings.Join(head, " | "))
		for i := range head {
			// Counts line up on the right; words read from the left.
			if i > 0 && numericColumn(rows, i) {
				b.WriteString("---:|")
			} else {
				b.WriteString("---|")
			}
		}
		b.WriteString("\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s |\n", strings.Join(r, " | "))
		}
	}
	var rows [][]string
	for _, o := range firstN(rep.Operations, 10) {
		rows = append(rows, []string{mdEscape(o.Label.Short, 60), num(o.Events), o.Percent()})
	}
	table("Operations", []string{"Operation", "Alerts", "Share"}, rows)
	rows = nil
	for _, c := range firstN(rep.Countries, 10) {
		rows = append(rows, []string{mdEscape(c.Name, 60), num(c.Events), num(int64(c.IPs)), c.Percent()})
	}
	table("Top countries", []string{"Country", "Alerts", "IPs", "Share"}, rows)
	rows = nil
	for _, a := range firstN(rep.ASNs, 10) {
		rows = append(rows, []string{a.ASN, mdEscape(a.Org.Short, 60), num(a.Events), num(int64(a.IPs)), a.Percent()})
	}
	table("Top networks (ASN)", []string{"ASN", "Organisation", "Alerts", "IPs", "Share"}, rows)
	rows = nil
	for _, ip := range firstN(rep.TopIPs, 10) {
		rows = append(rows, []string{mdEscape(ip.IP, 60), mdEscape(ip.Country, 3), ip.ASN, num(ip.Events), ip.Last})
	}
	table("Top sources", []string{"IP", "Country", "ASN", "Alerts", "Last seen"}, rows)
	rows = nil
	for _, u := range firstN(rep.UserAgents, 10) {
		rows = append(rows, []string{mdEscape(u.UA.Short, 100), num(u.Events), u.Percent()})
	}
	table("Top user agents", []string{"User agent", "Alerts", "Share"}, rows)
	rows = nil
	for _, ru := range firstN(rep.Threat.RollUp, 10) {
		if ru.Flagged == 0 {
			break // sorted worst first: the rest are clean
		}
		rows = append(rows, []string{mdEscape(ru.IP, 60), orDefault(ru.Severity, "none"), fmt.Sprintf("%d of %d", ru.Flagged, ru.Answered),
			mdEscape(ru.FlaggedBy.Short, 120), mdEscape(ru.Categories.Short, 160), num(ru.Events)})
	}
	table("Flagged sources", []string{"IP", "Worst", "Providers flagging", "Which", "Categories", "Alerts"}, rows)
	writeLimitsMarkdown(&b, rep)
	if rep.NotesMarkdown != "" {
		b.WriteString("\n## Analyst notes\n\n")
		b.WriteString(strings.TrimSpace(rep.NotesMarkdown))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// numberCell matches what the Markdown tables print as numbers: counts,
// shares, "2 of 3", or a dash for none.
var numberCell = regexp.MustCompile(`^(?:[0-9][0-9,.]*%?|[0-9]+ of [0-9]+|—|-)$`)

// numericColumn reports whether every cell of column i is a number.
func numericColumn(rows [][]string, i int) bool {
	for _, r := range rows {
		if i < len(r) && !numberCell.MatchString(r[i]) {
			return false
		}
	}
	return true
}
