package main

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/internal/smtptest"
)

// attachments returns a message's attachments by file name, decoded.
func attachments(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			return
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart() // decodes quoted-printable, not base64
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if name := p.FileName(); name != "" && strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
				b, err := io.ReadAll(base64Reader(p))
				if err != nil {
					t.Fatal(err)
				}
				out[name] = b
				continue
			}
			walk(p.Header.Get("Content-Type"), p)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body)
	return out
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestEmailSend is the "done when": a report run writes the .eml
// and delivers the same message to a local relay with --smtp-insecure,
// the report zipped as its attachment; over STARTTLS (opportunistic, as
// --smtp-insecure allows) it logs in with the environment's credentials.
func TestEmailSend(t *testing.T) {
	cert, _ := smtptest.Cert(t)
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"plain relay", false}, {"starttls and auth", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var srv *smtptest.Server
			vars := maps.Clone(fixedEpoch)
			if tc.tls {
				srv = smtptest.Start(t, &cert, false)
				vars["HONEYREPORT_SMTP_USER"], vars["HONEYREPORT_SMTP_PASSWORD"] = "ann", "s3cret"
			} else {
				srv = smtptest.Start(t, nil, false)
			}
			dir := t.TempDir()
			p := func(name string) string { return filepath.Join(dir, name) }
			_, stderr, code := runCmd(t, vars, "report", "testdata/dump.txt", "-o", p("report.html"), "--json", p("s.json"),
				"--email", p("digest.eml"), "--email-to", "a@example.org", "--email-cc", `"Smith, Bo" <b@example.org>,c@example.org`,
				"--email-attach", "zip,json", "--smtp", srv.Addr, "--smtp-insecure")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if strings.Contains(stderr, "s3cret") {
				t.Error("stderr shows the password")
			}
			if !strings.Contains(stderr, "mailed") || !strings.Contains(stderr, "digest.eml") {
				t.Errorf("stderr: %s", stderr)
			}
			got := srv.Deliveries()
			if len(got) != 1 {
				t.Fatalf("%d deliveries", len(got))
			}
			d := got[0]
			eml := mustRead(t, p("digest.eml"))
			if !bytes.Equal(d.Data, eml) {
				t.Error("the message sent is not the .eml written")
			}
			if d.TLS != tc.tls || (tc.tls && d.Username != "ann") || strings.Join(d.Rcpt, " ") != "a@example.org b@example.org c@example.org" || d.From != "honeyreport@localhost" {
				t.Errorf("delivery: tls %v user %q from %q rcpt %q", d.TLS, d.Username, d.From, d.Rcpt)
			}
			att := attachments(t, d.Data)
			if z := unzip(t, att["report.html.zip"]); !bytes.Equal(z["report.html"], mustRead(t, p("report.html"))) {
				t.Errorf("zipped report differs from report.html (%d files in the zip)", len(z))
			}
			if !bytes.Equal(att["s.json"], mustRead(t, p("s.json"))) {
				t.Error("attached summary differs from s.json")
			}
		})
	}
}

// TestEmailRefused: a refused send exits 1 naming the server and quoting
// its reply, after every output was written.
func TestEmailRefused(t *testing.T) {
	srv := smtptest.Start(t, nil, true)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	_, stderr, code := runCmd(t, fixedEpoch, "report", "testdata/dump.txt", "-o", p("report.html"), "--md", p("s.md"),
		"--email", p("digest.eml"), "--email-to", "a@example.org", "--smtp", srv.Addr, "--smtp-insecure")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, stderr)
	}
	for _, want := range []string{srv.Addr, "550", "relaying denied", "wrote"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, stderr)
		}
	}
	for _, name := range []string{"report.html", "s.md", "digest.eml"} {
		if fi, err := os.Stat(p(name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
}

// TestEmailReproducible: with SOURCE_DATE_EPOCH two runs write the same
// .eml, attachments included.
func TestEmailReproducible(t *testing.T) {
	var emls [2][]byte
	for i := range emls {
		dir := t.TempDir()
		_, stderr, code := runCmd(t, fixedEpoch, "report", "testdata/dump.txt", "testdata/lake.ndjson", "-o", filepath.Join(dir, "r.html"),
			"--email", filepath.Join(dir, "d.eml"), "--email-attach", "report,zip,json,csv", "-q")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		emls[i] = mustRead(t, filepath.Join(dir, "d.eml"))
	}
	if !bytes.Equal(emls[0], emls[1]) {
		t.Error("two runs wrote different messages")
	}
	att := attachments(t, emls[0])
	for _, name := range []string{"r.html", "r.html.zip", "summary.json", "events.csv"} {
		if len(att[name]) == 0 {
			t.Errorf("no attachment %s (have %v)", name, slices.Sorted(maps.Keys(att)))
		}
	}
}

// TestEmailUsage: email mistakes are usage errors found before reading.
func TestEmailUsage(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--email-to", "a@example.org"}, "--email-to: give --email FILE or --smtp"},
		{[]string{"--smtp-insecure"}, "--smtp-insecure"},
		{[]string{"--smtp", "localhost:25"}, "no recipient"},
		{[]string{"--smtp", "localhost", "--email-to", "a@example.org"}, "want HOST:PORT"},
		{[]string{"--smtp", "localhost:smtp", "--email-to", "a@example.org"}, "want HOST:PORT"},
		{[]string{"--email", filepath.Join(dir, "d.eml"), "--email-attach", "tar"}, `"tar" is not one of`},
		{[]string{"--email", filepath.Join(dir, "d.eml"), "--email-to", "not an address"}, "not an address"},
		{[]string{"--email", filepath.Join(dir, "d.eml"), "--email-from", "a@b\r\nBcc: c@d"}, "--email-from"},
		{[]string{"--email", filepath.Join(dir, "d.eml"), "--email-subject", "{{.Nope}}"}, "--email-subject"},
		{[]string{"--email", out}, "same file as -o"},
		{[]string{"--email", "testdata/dump.txt"}, "is an input"},
	} {
		args := append([]string{"report", "testdata/dump.txt", "-o", out}, tc.args...)
		_, stderr, code := runCmd(t, fixedEpoch, args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, want 2 with %q: %s", tc.args, code, tc.want, stderr)
		}
	}
}

// base64Reader decodes an attachment part's base64 body.
func base64Reader(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }

// TestEmailConfig: the config file's email block supplies what the flags
// leave out; a flag given wins.
func TestEmailConfig(t *testing.T) {
	srv := smtptest.Start(t, nil, false)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	mustOK(t, os.WriteFile(cfg, []byte("email:\n  to: [soc@example.org]\n  cc: [boss@example.org]\n  from: \"Decoy <decoy@example.org>\"\n  subject: \"[decoy] {{.Alerts}}\"\n  attach: none\n  smtp_insecure: true\n  timeout: 10s\n"), 0o644))
	_, stderr, code := runCmd(t, fixedEpoch, "report", "testdata/dump.txt", "-o", filepath.Join(dir, "r.html"), "--config", cfg,
		"--email-cc", "other@example.org", "--smtp", srv.Addr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := srv.Deliveries()
	if len(got) != 1 {
		t.Fatalf("%d deliveries", len(got))
	}
	d := got[0]
	if d.From != "decoy@example.org" || strings.Join(d.Rcpt, " ") != "soc@example.org other@example.org" {
		t.Errorf("from %q to %q", d.From, d.Rcpt)
	}
	m, err := mail.ReadMessage(bytes.NewReader(d.Data))
	if err != nil {
		t.Fatal(err)
	}
	if s := m.Header.Get("Subject"); !strings.HasPrefix(s, "[decoy] ") || !strings.HasSuffix(s, " alerts") {
		t.Errorf("subject %q", s)
	}
	if att := attachments(t, d.Data); len(att) != 0 {
		t.Errorf("attach: none attached %d files", len(att))
	}
}

// TestEmailCSVFromStdin: the events.csv attachment is a second read of the
// inputs, which standard input allows only through its spooled copy.
func TestEmailCSVFromStdin(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	e := &env{stdin: bytes.NewReader(mustRead(t, "testdata/dump.txt")), stdout: &out, stderr: &errb, getenv: func(k string) string { return fixedEpoch[k] }}
	err := run(t.Context(), []string{"report", "-", "-o", filepath.Join(dir, "r.html"), "--email", filepath.Join(dir, "d.eml"), "--email-attach", "csv", "-q"}, e)
	if code := exitCode(err, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	csv := attachments(t, mustRead(t, filepath.Join(dir, "d.eml")))["events.csv"]
	if n := bytes.Count(csv, []byte("\n")); n < 3 {
		t.Errorf("events.csv has %d lines:\n%.300s", n, csv)
	}
}
