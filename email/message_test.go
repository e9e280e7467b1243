package email

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/honeyreport/honeyreport/internal/golden"
)

// part is one leaf of a parsed message, its body decoded.
type part struct {
	mediaType string
	params    map[string]string
	header    map[string][]string
	body      []byte
}

// parse reads a message as a mail client would: net/mail for the header,
// mime/multipart for the tree. It fails the test on anything malformed.
func parse(t testing.TB, data []byte) (*mail.Message, []part) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var parts []part
	var walk func(h map[string][]string, body io.Reader, depth int)
	walk = func(h map[string][]string, body io.Reader, depth int) {
		ct := ""
		if v := h["Content-Type"]; len(v) > 0 {
			ct = v[0]
		}
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			if depth > 4 {
				t.Fatal("multipart nested too deep")
			}
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", mt, err)
				}
				walk(p.Header, p, depth+1)
			}
		}
		var r io.Reader = body
		switch enc := ""; {
		case len(h["Content-Transfer-Encoding"]) > 0 && strings.EqualFold(h["Content-Transfer-Encoding"][0], "base64"):
			r = base64.NewDecoder(base64.StdEncoding, body)
		case len(h["Content-Transfer-Encoding"]) > 0 && strings.EqualFold(h["Content-Transfer-Encoding"][0], "quoted-printable"):
			r = quotedprintable.NewReader(body)
		default:
			_ = enc
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		parts = append(parts, part{mediaType: mt, params: params, header: h, body: b})
	}
	walk(m.Header, m.Body, 0)
	return m, parts
}

func testOptions(attach []byte) Options {
	return Options{
		From: "Honeyreport <honeyreport@example.org>", To: []string{"Ann <ann@example.org>", "soc@example.org"}, Cc: []string{"cc@example.org"},
		Date:        fixedTime,
		Attachments: []Attachment{{Name: "report.html.zip", ContentType: "application/zip", Data: attach}},
	}
}

func TestMessage(t *testing.T) {
	rep := testReport(t, false)
	zipped, err := Zip("report.html", []byte("<!DOCTYPE html><title>report</title>"), fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := New(rep, testImages(t, rep), testOptions(zipped))
	if err != nil {
		t.Fatal(err)
	}
	m, parts := parse(t, msg.Data)
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	want := "honeybucket microsoft-devtest: 55 alerts from 5 IPs, 1 write attempt (2022-01-16 to 2022-02-01)"
	if subject != want || msg.Subject != want {
		t.Errorf("subject %q, want %q", subject, want)
	}
	for h, want := range map[string]string{
		"From": `"Honeyreport" <honeyreport@example.org>`, "To": `"Ann" <ann@example.org>, <soc@example.org>`, "Cc": "<cc@example.org>",
		"Date": "Tue, 01 Feb 2022 06:00:00 +0000", "Mime-Version": "1.0",
	} {
		if got := m.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if id := m.Header.Get("Message-Id"); !regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	if got, want := strings.Join(msg.Rcpt, " "), "ann@example.org soc@example.org cc@example.org"; got != want || msg.From != "honeyreport@example.org" {
		t.Errorf("envelope %s -> %s", msg.From, got)
	}

	var html string
	byCID := map[string]part{}
	var types []string
	for _, p := range parts {
		types = append(types, p.mediaType)
		switch p.mediaType {
		case "text/html":
			html = string(p.body)
		case "text/plain":
			if !strings.Contains(string(p.body), "## Key findings") {
				t.Errorf("text part is not the summary:\n%.300s", p.body)
			}
		case "image/png":
			if id := p.header["Content-Id"]; len(id) == 1 {
				byCID[strings.Trim(id[0], "<>")] = p
			}
			if !bytes.HasPrefix(p.body, []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("image part %v is not a PNG", p.header["Content-Id"])
			}
		case "application/zip":
			zr, err := zip.NewReader(bytes.NewReader(p.body), int64(len(p.body)))
			if err != nil {
				t.Fatal(err)
			}
			if len(zr.File) != 1 || zr.File[0].Name != "report.html" {
				t.Fatalf("zip holds %v", zr.File)
			}
			if _, params, _ := mime.ParseMediaType(p.header["Content-Disposition"][0]); params["filename"] != "report.html.zip" {
				t.Errorf("attachment disposition %q", p.header["Content-Disposition"])
			}
		}
	}
	if got := strings.Join(types, " "); got != "text/plain text/html image/png image/png image/png image/png image/png application/zip" {
		t.Errorf("parts %s", got)
	}
	refs := regexp.MustCompile(`src="cid:([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(refs) < 2 {
		t.Errorf("digest shows %d charts, want at least the timeline and the map", len(refs))
	}
	for _, r := range refs {
		if _, ok := byCID[r[1]]; !ok {
			t.Errorf("cid:%s has no image part", r[1])
		}
	}
	for _, id := range []string{"timeline.png", "map.png"} {
		if _, ok := byCID[id]; !ok {
			t.Errorf("no %s", id)
		}
	}
	checkEmailSafe(t, html)
	for _, s := range []string{"What changed", "Top sources", "203.0.113.", "Top countries", "Netherlands", "Top networks", "AS64500", "Top user agents", "aws-cli/2.", "Write attempts", "PutObject", "Authenticated principals", "arn:aws:iam::123456789012:user/ci", "Threat intelligence", "1 source flagged by feed", "report.html.zip"} {
		if !strings.Contains(html, s) {
			t.Errorf("digest lacks %q", s)
		}
	}

	again, err := New(rep, testImages(t, rep), testOptions(zipped))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Data, msg.Data) {
		t.Error("two messages of the same report differ")
	}
	// The PNGs' bytes come from floating-point rasterization, which other
	// architectures may round differently (fused multiply-add, no
	// assembly): the golden is amd64's; elsewhere the two builds above
	// must still agree.
	if runtime.GOARCH == "amd64" {
		golden.Check(t, "testdata/digest.eml.golden", msg.Data)
	}
}

// checkEmailSafe fails on what mail clients drop or block: script, SVG,
// forms, style sheets, event handlers, external resources, and widths over
// 640 px. It reads the digest as a browser would, token by token.
func checkEmailSafe(t *testing.T, doc string) {
	t.Helper()
	allowed := map[string]bool{"html": true, "head": true, "meta": true, "title": true, "body": true, "table": true, "tr": true, "td": true, "th": true,
		"h1": true, "h2": true, "p": true, "div": true, "span": true, "b": true, "strong": true, "em": true, "code": true, "ul": true, "ol": true, "li": true, "img": true, "a": true, "br": true}
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !allowed[tok.Data] {
			t.Errorf("digest has a <%s> element", tok.Data)
		}
		for _, a := range tok.Attr {
			v := strings.ToLower(a.Val)
			switch {
			case strings.HasPrefix(a.Key, "on"):
				t.Errorf("digest has an event handler %s=%q", a.Key, a.Val)
			case a.Key == "src" && !strings.HasPrefix(v, "cid:"):
				t.Errorf("digest loads %q", a.Val)
			case a.Key == "href" && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "mailto:"):
				t.Errorf("digest links to %q", a.Val)
			case a.Key == "style" && (strings.Contains(v, "url(") || strings.Contains(v, "expression") || strings.Contains(v, "@import")):
				t.Errorf("digest style %q", a.Val)
			case a.Key == "width" || a.Key == "style":
				for _, m := range regexp.MustCompile(`(?:^|width:)(\d+)`).FindAllStringSubmatch(v, -1) {
					if n, _ := strconv.Atoi(m[1]); n > 640 {
						t.Errorf("digest has width %d", n)
					}
				}
			}
		}
	}
}

// TestMessageHostile builds the message of a report whose every string
// is hostile: no header or part can be injected, the digest stays inert.
func TestMessageHostile(t *testing.T) {
	rep := testReport(t, true)
	msg, err := New(rep, testImages(t, rep), Options{To: []string{"a@example.org"}, Date: fixedTime,
		Attachments: []Attachment{{Name: "../../etc/passwd\r\nX-Evil: 1.html", Data: []byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	m, parts := parse(t, msg.Data)
	for h := range m.Header {
		switch h {
		case "From", "To", "Subject", "Date", "Message-Id", "Mime-Version", "User-Agent", "Content-Type":
		default:
			t.Errorf("unexpected header %s: %q", h, m.Header[h])
		}
	}
	head, _, _ := bytes.Cut(msg.Data, []byte("\r\n\r\n"))
	if bytes.Contains(head, []byte("Bcc")) && !bytes.Contains(head, []byte("=?")) {
		t.Errorf("header holds a raw Bcc:\n%s", head)
	}
	if bytes.ContainsAny(bytes.ReplaceAll(head, []byte("\r\n"), nil), "\r\n") {
		t.Error("header has a bare CR or LF")
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject has a line break: %q", subject)
	}
	var html string
	var names []string
	for _, p := range parts {
		if p.mediaType == "text/html" {
			html = string(p.body)
		}
		if cd := p.header["Content-Disposition"]; len(cd) > 0 && strings.HasPrefix(cd[0], "attachment") {
			_, params, err := mime.ParseMediaType(cd[0])
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, params["filename"])
		}
	}
	if len(names) != 1 || names[0] != "etc_passwd__X-Evil__1.html" {
		t.Errorf("attachment names %q", names)
	}
	checkEmailSafe(t, html)
	for _, bad := range []string{"<script>alert(1)", "<img src=x", "<img src=\"http", "</style><style>", "href=\"javascript"} {
		if strings.Contains(html, bad) {
			t.Errorf("digest contains raw %q", bad)
		}
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("digest does not show the escaped payload")
	}
}

func TestAttachName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"report.html.zip", "report.html.zip"},
		{"../x/../../y.html", "x_.._.._y.html"},
		{"a\r\nb", "a__b"},
		{"", "attachment"},
		{"...", "attachment"},
		{"r\u00e9sum\u00e9.csv", "r__sum__.csv"},
		{strings.Repeat("a", 200) + ".zip", strings.Repeat("a", 96) + ".zip"},
	} {
		if got := AttachName(tc.in); got != tc.want {
			t.Errorf("AttachName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSubject(t *testing.T) {
	rep := testReport(t, false)
	for _, tc := range []struct{ tmpl, name, want, err string }{
		{"", "", "honeybucket microsoft-devtest: 55 alerts from 5 IPs, 1 write attempt (2022-01-16 to 2022-02-01)", ""},
		{"", "Decoy", "Decoy: 55 alerts from 5 IPs, 1 write attempt (2022-01-16 to 2022-02-01)", ""},
		{"[{{.Bucket}}] {{.Alerts}}\r\nBcc: x@y", "", "[microsoft-devtest] 55 alerts Bcc: x@y", ""},
		{"{{.Nope}}", "", "", "subject template"},
		{"{{", "", "", "subject template"},
	} {
		got, err := Subject(tc.tmpl, tc.name, rep)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Subject(%q): %v, want error %q", tc.tmpl, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Subject(%q, %q) = %q, %v; want %q", tc.tmpl, tc.name, got, err, tc.want)
		}
	}
}

// TestSubjectEncoding: a subject beyond ASCII is RFC 2047 encoded, and a
// line break in it ends nothing.
func TestSubjectEncoding(t *testing.T) {
	rep := testReport(t, false)
	msg, err := New(rep, nil, Options{To: []string{"a@example.org"}, Date: fixedTime, Name: "Décoy ☃\r\nBcc: x@evil.example"})
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(msg.Data, []byte("\r\n\r\n"))
	if !bytes.Contains(head, []byte("Subject:\r\n =?UTF-8?q?D=C3=A9coy_=E2=98=83_Bcc:")) {
		t.Errorf("subject not encoded:\n%s", head)
	}
	m, _ := parse(t, msg.Data)
	if len(m.Header["Bcc"]) > 0 {
		t.Error("a Bcc header was injected")
	}
	got, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if want := "Décoy ☃ Bcc: x@evil.example: 55 alerts from 5 IPs, 1 write attempt (2022-01-16 to 2022-02-01)"; err != nil || got != want {
		t.Errorf("subject %q (%v), want %q", got, err, want)
	}
}
