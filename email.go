package main

import (
	"bytes"
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/honeyreport/honeyreport/assets"
	"github.com/honeyreport/honeyreport/email"
	"github.com/honeyreport/honeyreport/enrich"
	"github.com/honeyreport/honeyreport/output"
	"github.com/honeyreport/honeyreport/report"
)

// emailFlags are the email flags of "report" and "demo".
type emailFlags struct {
	out                   string // --email FILE.eml
	to, cc                stringList
	from, subject, attach string
	smtp                  string
	insecure              bool

	// settled by settle, from the flags and the config file
	kinds   []string // what to attach: report, zip, json, csv
	timeout time.Duration
}

// attachKinds are --email-attach's values.
var attachKinds = []string{"report", "zip", "json", "csv"}

func (f *emailFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.out, "email", "", "also write the email digest as a message to `FILE` (.eml): HTML with inline PNG charts, the summary as plain text, the report attached")
	fs.Var(&f.to, "email-to", "email recipient `ADDRESS` (repeatable, or comma-separated; also the config file's email.to)")
	fs.Var(&f.cc, "email-cc", "email copy recipient `ADDRESS` (repeatable, or comma-separated; also email.cc)")
	fs.StringVar(&f.from, "email-from", "", "email sender `ADDRESS` (also email.from; default "+email.DefaultFrom+")")
	fs.StringVar(&f.subject, "email-subject", "", "email subject `TEMPLATE` (Go text/template: .Name .Title .Bucket .Alerts .IPs .Writes .First .Last; also email.subject)")
	fs.StringVar(&f.attach, "email-attach", "", "what the email attaches: `LIST` of report, zip (the report zipped; gateways block .html), json, csv, or none (default zip; also email.attach)")
	fs.StringVar(&f.smtp, "smtp", "", "send the email through the SMTP server at `HOST:PORT` after writing every output: STARTTLS required, implicit TLS on port 465; login from $HONEYREPORT_SMTP_USER and $HONEYREPORT_SMTP_PASSWORD")
	fs.BoolVar(&f.insecure, "smtp-insecure", false, "let --smtp send without TLS or with an unverified certificate (a local relay; also email.smtp_insecure)")
}

// wanted reports whether the run makes an email.
func (f *emailFlags) wanted() bool { return f.out != "" || f.smtp != "" }

// settle fills what the flags leave out from the config file and checks
// it all, before any input is read. Mistakes are usage errors.
func (f *emailFlags) settle(cfg enrich.EmailConfig) error {
	if len(f.to) == 0 {
		f.to = cfg.To
	}
	if len(f.cc) == 0 {
		f.cc = cfg.Cc
	}
	f.from = cmp.Or(f.from, cfg.From)
	f.subject = cmp.Or(f.subject, cfg.Subject)
	f.attach = cmp.Or(f.attach, cfg.Attach, "zip")
	f.insecure = f.insecure || cfg.SMTPInsecure
	f.timeout = cmp.Or(cfg.Timeout, email.DefaultTimeout)
	if !f.wanted() {
		return nil
	}
	var err error
	if f.to, err = addressList(f.to); err != nil {
		return usagef("--email-to: %v", err)
	}
	if f.cc, err = addressList(f.cc); err != nil {
		return usagef("--email-cc: %v", err)
	}
	f.kinds = nil
	for _, k := range splitList([]string{f.attach}) {
		switch {
		case k == "none":
		case slices.Contains(attachKinds, k):
			if !slices.Contains(f.kinds, k) {
				f.kinds = append(f.kinds, k)
			}
		default:
			return usagef("--email-attach: %q is not one of report, zip, json, csv, none", k)
		}
	}
	if f.from != "" {
		if _, err := mail.ParseAddress(f.from); err != nil {
			return usagef("--email-from: %q: %v", f.from, err)
		}
	}
	if f.subject != "" {
		if err := email.CheckSubject(f.subject); err != nil {
			return usagef("--email-subject: %v", err)
		}
	}
	if f.smtp != "" {
		host, port, err := net.SplitHostPort(f.smtp)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return usagef("--smtp %s: want HOST:PORT", f.smtp)
		}
		if len(f.to)+len(f.cc) == 0 {
			return usagef("--smtp: no recipient; give --email-to or the config file's email.to")
		}
	}
	return nil
}

// unusedEmailFlags names the email flags given without --email or
// --smtp, which would do nothing.
func (f *emailFlags) unused() string {
	if f.wanted() {
		return ""
	}
	for _, s := range []struct{ name, v string }{{"--email-to", strings.Join(f.to, "")}, {"--email-cc", strings.Join(f.cc, "")}, {"--email-from", f.from}, {"--email-subject", f.subject}, {"--email-attach", f.attach}} {
		if s.v != "" {
			return s.name
		}
	}
	if f.insecure {
		return "--smtp-insecure"
	}
	return ""
}

// addressList parses each value as a comma-separated address list
// ("Ann <ann@example.org>, \"Smith, Bo\" <bo@example.org>").
func addressList(values []string) ([]string, error) {
	var out []string
	for _, v := range values {
		list, err := mail.ParseAddressList(v)
		if err != nil {
			return nil, fmt.Errorf("%q: %v", v, err)
		}
		for _, a := range list {
			out = append(out, a.String())
		}
	}
	return out, nil
}

// splitList splits comma-separated values and drops empty ones.
func splitList(in []string) []string {
	var out []string
	for _, s := range in {
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// mailParts are the rendered outputs an email can attach.
type mailParts struct {
	html    []byte                // the HTML report, as written
	summary func(io.Writer) error // the JSON summary
	events  func(io.Writer) error // events.csv, nil after an interrupt
}

// buildEmail makes the message: charts drawn, attachments collected.
func buildEmail(f *reportFlags, rep *report.Report, a assets.Assets, parts mailParts, date time.Time) (*email.Message, error) {
	ef := &f.email
	raster, err := report.NewRaster(a.WorldMap)
	if err != nil {
		return nil, err
	}
	images, err := email.ChartImages(rep, raster)
	if err != nil {
		return nil, err
	}
	reportName := "report.html"
	if f.output != output.Stdout {
		reportName = filepath.Base(f.output)
	}
	var atts []email.Attachment
	for _, k := range ef.kinds {
		switch k {
		case "report":
			atts = append(atts, email.Attachment{Name: reportName, ContentType: "text/html; charset=utf-8", Data: parts.html})
		case "zip":
			z, err := email.Zip(reportName, parts.html, date)
			if err != nil {
				return nil, fmt.Errorf("zip the report: %w", err)
			}
			atts = append(atts, email.Attachment{Name: reportName + ".zip", ContentType: "application/zip", Data: z})
		case "json":
			var b bytes.Buffer
			if err := parts.summary(&b); err != nil {
				return nil, err
			}
			name := "summary.json"
			if f.jsonOut != "" && f.jsonOut != output.Stdout {
				name = filepath.Base(f.jsonOut)
			}
			atts = append(atts, email.Attachment{Name: name, ContentType: "application/json", Data: b.Bytes()})
		case "csv":
			if parts.events == nil {
				continue // interrupted: no second read
			}
			var b bytes.Buffer
			if err := parts.events(&b); err != nil {
				return nil, err
			}
			atts = append(atts, email.Attachment{Name: "events.csv", ContentType: "text/csv; charset=utf-8", Data: b.Bytes()})
		}
	}
	return email.New(rep, images, email.Options{
		From: ef.from, To: ef.to, Cc: ef.cc, Subject: ef.subject, Name: f.title, Date: date, Attachments: atts,
	})
}

// sendEmail sends msg with --smtp; the credentials come from the
// environment only.
func sendEmail(ctx context.Context, f *emailFlags, e *env, msg *email.Message) error {
	return email.Send(ctx, email.Server{
		Addr: f.smtp, Insecure: f.insecure, Timeout: f.timeout,
		Username: e.getenv("HONEYREPORT_SMTP_USER"), Password: e.getenv("HONEYREPORT_SMTP_PASSWORD"),
	}, msg)
}
