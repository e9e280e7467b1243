// Package templates holds the HTML templates of the report, embedded so the
// binary needs no files at run time. Package report parses them with
// html/template; a test there parses them all.
package templates

import "embed"

// FS holds report.html, site.html (a site's front page), digest.html
// (the email digest, package email) and partials/*.html.
//
//go:embed report.html site.html digest.html partials/*.html
var FS embed.FS
