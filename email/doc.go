// Package email turns a report into an email: an email-safe HTML digest
// (tables, inline styles, charts as inline PNG images referenced by cid:),
// the Markdown summary as its plain-text alternative, and the full report
// attached; and sends it over SMTP. It is the last stage of the pipeline,
// beside the HTML, Markdown and JSON renderers, reading the same
// report.Report.
//
// A message is built once, as bytes (New), so the .eml written to disk and
// the one sent are the same; with the same report, options and date its
// bytes are the same too: the Message-ID and MIME boundaries are derived
// from its content. The package never prints, exits or reads the
// environment: main passes the credentials in.
package email
