// Package hostile holds the attacker-controlled strings the tests of every
// renderer feed through it: markup, script, URLs, line and bidi controls,
// invalid UTF-8, template syntax. Only tests import it.
package hostile

// Strings returns the payloads, a new slice each call.
func Strings() []string {
	return []string{
		`<script>alert(1)</script>`,
		`</script><script>window.__pwned=1</script>`,
		`"><img src=x onerror=window.__pwned=2>`,
		`javascript:window.__pwned=3`,
		`<img src="http://evil.example/x.png">`,
		`[x](javascript:alert(1)) ![y](http://evil.example/y.png)`,
		"line\u2028sep\u2029para <!-- </style><style>body{display:none}</style>",
		"\u202Egnp.exe",
		"bad\xff\xfeutf8 \x00\x1b[31m",
		`{{.Title}} ${alert(1)} __f__function(){window.__pwned=4}`,
		`'; window.__pwned=5; '`,
		`url(http://evil.example/z.png) @import "http://evil.example/s.css";`,
	}
}
