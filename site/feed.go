package site

import (
	"cmp"
	"crypto/sha256"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/honeyreport/honeyreport/report"
)

// The Atom 1.0 elements the feed writes (RFC 4287). encoding/xml escapes
// every text and attribute, and writes U+FFFD for characters XML cannot
// hold, so nothing from a log can end an element or the document.
type atomFeed struct {
	XMLName   xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string      `xml:"id"`
	Title     atomText    `xml:"title"`
	Updated   string      `xml:"updated"`
	Author    atomPerson  `xml:"author"`
	Generator string      `xml:"generator"`
	Links     []atomLink  `xml:"link"`
	Entries   []atomEntry `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   atomText   `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Summary atomText   `xml:"summary"`
	Content atomText   `xml:"content"`
}

// writeFeed writes the site's Atom feed, one entry per period, newest
// first. Links are relative, resolved against the feed's own address, so
// the feed works wherever the site is published; ids are URNs, which
// Atom requires to be absolute and stable.
func writeFeed(w io.Writer, h *History) error {
	f := atomFeed{
		ID: h.ID, Title: atomText{"text", cmp.Or(h.Title, "Honeybucket reports")}, Updated: h.Updated,
		Author: atomPerson{"honeyreport"}, Generator: "honeyreport",
		Links: []atomLink{{Rel: "self", Type: "application/atom+xml", Href: FeedFile}, {Rel: "alternate", Type: "text/html", Href: IndexFile}},
	}
	for _, e := range h.Periods {
		updated := cmp.Or(e.GeneratedAt, h.Updated)
		if updated > f.Updated {
			f.Updated = updated
		}
		title := e.Period
		if e.Label != "" {
			title += ": " + e.Label
		}
		summary := fmt.Sprintf("%s (%s) from %s; %s.", report.Plural(e.Alerts, "alert"), report.Plural(e.Attempts, "attempt"),
			report.Plural(int64(e.UniqueIPs), "unique IP"), report.Plural(e.WriteAttempts, "write attempt"))
		content := report.FindingsHTML(e.KeyFindings)
		if strings.TrimSpace(e.KeyFindings) == "" {
			content = "<p>" + xmlText(summary) + "</p>"
		}
		f.Entries = append(f.Entries, atomEntry{
			ID: uuidURN(h.ID + "\x00" + e.Period), Title: atomText{"text", title}, Updated: updated,
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: e.Report}, {Rel: "related", Type: "application/json", Href: path.Join(ReportsDir, e.Period, SummaryFile)}},
			Summary: atomText{"text", summary},
			Content: atomText{"html", content},
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// xmlText escapes s for HTML text.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// uuidURN is a name-based UUID (version 5 layout, SHA-256 rather than
// SHA-1) for seed, as an Atom id: the same seed, the same id.
func uuidURN(seed string) string {
	s := sha256.Sum256([]byte(seed))
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}
