package report

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// cspHash is the CSP source expression for an inline block: the hash of its
// exact text between the opening and closing tags.
func cspHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// contentSecurityPolicy allows exactly the given inline scripts and styles
// and nothing from anywhere: no network, no plugins, no forms, no base URL.
// Images are allowed only as data: URLs (ECharts' "save as image").
// Directives that a <meta> policy ignores (frame-ancestors, report-uri,
// sandbox) are left out: browsers log an error for them.
func contentSecurityPolicy(scripts, styles []string) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; script-src")
	for _, s := range scripts {
		b.WriteString(" " + cspHash(s))
	}
	b.WriteString("; style-src")
	for _, s := range styles {
		b.WriteString(" " + cspHash(s))
	}
	b.WriteString("; img-src data:; base-uri 'none'; form-action 'none'")
	return b.String()
}
