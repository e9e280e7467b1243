package email

import (
	"archive/zip"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/klauspost/compress/flate"
	gomail "github.com/wneessen/go-mail"
	"golang.org/x/sync/errgroup"

	"github.com/honeyreport/honeyreport/report"
)

// DefaultSubject is the subject template when Options.Subject is empty.
const DefaultSubject = `{{.Name}}: {{.Alerts}} from {{.IPs}}, {{.Writes}}{{if .First}} ({{.First}} to {{.Last}}){{end}}`

// DefaultFrom is the sender when none is given.
const DefaultFrom = "honeyreport@localhost"

// ChartWidth is the width in pixels of the charts' PNGs: one and a half
// times the 552 px they are shown at, sharp enough on high-density
// screens; twice costs 75% more time to draw and encode.
const ChartWidth = 828

// Charts are the charts the digest shows, in order, by report chart id.
var Charts = []struct{ ID, Title string }{
	{"timeline", "Alerts over time"},
	{"map", "Where the sources are"},
	{"operations", "Operations"},
	{"countries", "Top countries"},
	{"threat", "Flagged IPs by severity"},
}

// Options are a message's settings.
type Options struct {
	From    string   // "" is DefaultFrom
	To, Cc  []string // RFC 5322 addresses ("Ann <ann@example.org>")
	Subject string   // text/template over SubjectData; "" is DefaultSubject
	// Name is what the default subject calls the honeybucket: the
	// report's --title, or "" for "honeybucket BUCKET".
	Name string
	// Date is the Date header, and the attachments' time: the report's
	// generation time, so SOURCE_DATE_EPOCH fixes it.
	Date        time.Time
	Attachments []Attachment
}

// Attachment is a file attached to the message. Its name is sanitised
// (Attach).
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Message is a built message: its bytes (CRLF line ends) and envelope.
type Message struct {
	From    string   // envelope sender, the From address
	Rcpt    []string // envelope recipients: To and Cc addresses
	Subject string
	Data    []byte
	Images  []Image // the charts shown inline, for WritePage
}

// SubjectData is what a subject template can use. Counts are worded
// ("263 alerts", "1 IP"); dates are UTC days.
type SubjectData struct {
	Name, Title, Bucket string
	Alerts, IPs, Writes string
	First, Last         string
}

// Subject renders the subject template tmpl ("" for DefaultSubject) for
// rep; name is SubjectData.Name ("" for "honeybucket BUCKET"). Control
// characters (CR, LF among them) become spaces, so no value can start a
// header line.
func Subject(tmpl, name string, rep *report.Report) (string, error) {
	tot := rep.Totals()
	d := SubjectData{
		Name: name, Title: rep.Title, Bucket: tot.Bucket,
		Alerts: report.Plural(tot.Events, "alert"), IPs: report.Plural(int64(tot.IPs), "IP"), Writes: report.Plural(tot.Writes, "write attempt"),
	}
	if d.Name == "" {
		d.Name = strings.TrimSpace("honeybucket " + tot.Bucket)
	}
	if !tot.First.IsZero() {
		d.First, d.Last = tot.First.UTC().Format(time.DateOnly), tot.Last.UTC().Format(time.DateOnly)
	}
	return renderSubject(tmpl, d)
}

// CheckSubject reports the mistakes of a subject template before there
// is a report to render it for.
func CheckSubject(tmpl string) error {
	_, err := renderSubject(tmpl, SubjectData{})
	return err
}

func renderSubject(tmpl string, d SubjectData) (string, error) {
	if tmpl == "" {
		tmpl = DefaultSubject
	}
	t, err := template.New("subject").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("subject template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("subject template: %w", err)
	}
	return oneLine(b.String(), 250), nil
}

// oneLine replaces control and line-breaking characters with spaces,
// collapses runs of spaces and cuts s to max runes.
func oneLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Zs, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

// AttachName makes name safe as an attachment's file name: letters,
// digits, '.', '-' and '_' only, no leading dot, at most 100 bytes.
func AttachName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	s := strings.TrimLeft(string(b), "._")
	if len(s) > 100 {
		s = s[len(s)-100:]
	}
	if s == "" {
		return "attachment"
	}
	return s
}

// Zip returns data as the single file name in a zip archive, stamped
// with date, so the same data give the same bytes.
func Zip(name string, data []byte, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	// klauspost's deflate: the same format, a third of the standard
	// library's time on a report (most of it minified JavaScript).
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.DefaultCompression) })
	w, err := zw.CreateHeader(&zip.FileHeader{Name: AttachName(name), Method: zip.Deflate, Modified: date.UTC()})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// New builds the message for rep: the digest with images (the charts'
// PNGs, see Charts) and the Markdown summary as its alternative.
func New(rep *report.Report, images []Image, o Options) (*Message, error) {
	subject, err := Subject(o.Subject, o.Name, rep)
	if err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(cmp.Or(o.From, DefaultFrom))
	if err != nil {
		return nil, fmt.Errorf("from address %q: %w", o.From, err)
	}
	m := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	m.SetGenHeader(gomail.HeaderUserAgent, oneLine("honeyreport "+rep.ToolVersion, 100))
	m.SetAddrHeaderFromMailAddress(gomail.HeaderFrom, from)
	msg := &Message{From: from.Address, Subject: subject, Images: images}
	for _, h := range []struct {
		name gomail.AddrHeader
		list []string
	}{{gomail.HeaderTo, o.To}, {gomail.HeaderCc, o.Cc}} {
		var addrs []*mail.Address
		for _, s := range h.list {
			a, err := mail.ParseAddress(s)
			if err != nil {
				return nil, fmt.Errorf("%s address %q: %w", h.name, s, err)
			}
			addrs = append(addrs, a)
			msg.Rcpt = append(msg.Rcpt, a.Address)
		}
		if len(addrs) > 0 {
			m.SetAddrHeaderFromMailAddress(h.name, addrs...)
		}
	}
	m.Subject(subject)
	m.SetDateWithValue(o.Date.UTC())
	m.SetMessageIDWithValue(idPlaceholder)

	var text bytes.Buffer
	if err := report.WriteMarkdown(&text, rep); err != nil {
		return nil, err
	}
	var names []string
	for _, a := range o.Attachments {
		names = append(names, AttachName(a.Name))
	}
	var html bytes.Buffer
	if err := writeDigest(&html, rep, subject, images, names); err != nil {
		return nil, err
	}
	m.SetBodyString(gomail.TypeTextPlain, text.String())
	m.AddAlternativeString(gomail.TypeTextHTML, html.String())
	for _, img := range images {
		if err := m.EmbedReader(img.CID, bytes.NewReader(img.PNG), gomail.WithFileContentType(gomail.ContentType("image/png"))); err != nil {
			return nil, fmt.Errorf("embed chart %s: %w", img.CID, err)
		}
	}
	for _, a := range o.Attachments {
		ct := gomail.ContentType(cmp.Or(a.ContentType, "application/octet-stream"))
		if err := m.AttachReader(AttachName(a.Name), bytes.NewReader(a.Data), gomail.WithFileContentType(ct)); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	var raw bytes.Buffer
	if _, err := m.WriteTo(&raw); err != nil {
		return nil, fmt.Errorf("write message: %w", err)
	}
	msg.Data, err = settle(raw.Bytes(), from.Address)
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// idPlaceholder stands for the Message-ID until the content is known.
const idPlaceholder = "honeyreport-message-id@placeholder"

// randomBoundary matches the boundaries go-mail draws from crypto/rand
// (mime/multipart's: 30 random bytes in hex).
var randomBoundary = regexp.MustCompile(`boundary=([0-9a-f]{60})\r\n`)

// settle makes a written message reproducible: every random MIME
// boundary is replaced by one derived from a hash of the message with
// the boundaries blanked, and so is the Message-ID. Content cannot hold a
// derived boundary by chance: it would have to contain the hash of
// itself.
func settle(raw []byte, from string) ([]byte, error) {
	found := randomBoundary.FindAllSubmatch(raw, -1)
	blank := raw
	for _, f := range found {
		blank = bytes.ReplaceAll(blank, f[1], []byte(strings.Repeat("0", 60)))
	}
	sum := sha256.Sum256(blank)
	h := hex.EncodeToString(sum[:16])
	out := raw
	for i, f := range found {
		out = bytes.ReplaceAll(out, f[1], fmt.Appendf(nil, "hr-%s-%d", h, i))
	}
	domain := "localhost"
	if at := strings.LastIndexByte(from, '@'); at >= 0 && at < len(from)-1 {
		domain = from[at+1:]
	}
	head, body, ok := bytes.Cut(out, []byte("\r\n\r\n"))
	if !ok || !bytes.Contains(head, []byte(idPlaceholder)) {
		return nil, errors.New("write message: no header or Message-ID")
	}
	head = bytes.Replace(head, []byte(idPlaceholder), []byte(h+"@"+domain), 1)
	return append(append(head, "\r\n\r\n"...), body...), nil
}

// ChartImages draws the digest's charts (Charts) of rep that have data,
// as PNGs ChartWidth pixels wide, side by side.
func ChartImages(rep *report.Report, r *report.Raster) ([]Image, error) {
	images := make([]*Image, len(Charts))
	var g errgroup.Group
	for i, c := range Charts {
		ch := rep.Charts[c.ID]
		if ch == nil {
			continue
		}
		g.Go(func() error {
			var b bytes.Buffer
			if err := r.PNG(&b, ch, ChartWidth); errors.Is(err, report.ErrNoChart) {
				return nil
			} else if err != nil {
				return err
			}
			images[i] = &Image{CID: c.ID + ".png", Title: c.Title, Alt: oneLine(ch.Desc, 300), PNG: b.Bytes()}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []Image
	for _, img := range images {
		if img != nil {
			out = append(out, *img)
		}
	}
	return out, nil
}
