package report

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text is an untrusted string (from a log, WHOIS or a threat feed) made safe
// to show: valid UTF-8, control and bidirectional-override characters made
// visible, and cut to a length that cannot break a layout. Escaping for the
// output context is still the writer's job (html/template, JSON, Markdown).
type Text struct {
	Short string // what a cell shows
	// Full is the longer form for a title attribute, "" when Short is
	// already the whole string.
	Full string
}

// Cut reports whether Short is shortened.
func (t Text) Cut() bool { return t.Full != "" }

func (t Text) String() string { return t.Short }

// Whole is the longest form kept: Full when the text was cut, else Short.
func (t Text) Whole() string {
	if t.Full != "" {
		return t.Full
	}
	return t.Short
}

// Empty reports whether there is nothing to show.
func (t Text) Empty() bool { return t.Short == "" }

// fullLimit bounds the Full form: a 1 MB user agent must not put 1 MB into
// every title attribute that shows it.
const fullLimit = 1024

// newText prepares s for display in at most max runes.
func newText(s string, max int) Text {
	c := clean(s, fullLimit+1)
	if utf8.RuneCountInString(c) <= max {
		return Text{Short: c}
	}
	full := c
	if utf8.RuneCountInString(full) > fullLimit {
		full = cutRunes(full, fullLimit) + "…"
	}
	return Text{Short: cutRunes(c, max-1) + "…", Full: full}
}

// plain is newText's short form, for places without a title attribute
// (chart labels, Markdown).
func plain(s string, max int) string { return newText(s, max).Short }

// clean returns s as valid UTF-8 with at most limit runes kept, replacing
// characters that could hide or reorder text: C0/C1 controls, line and
// paragraph separators (which also end JavaScript strings in old engines),
// and bidirectional controls (U+202E can make "gpj.exe" read "exe.jpg").
// They become visible escapes such as \u202E.
func clean(s string, limit int) string {
	if printableASCII(s) {
		// Nearly every string is plain ASCII: one rune a byte and nothing
		// to replace, so it is kept (or cut) without a copy.
		return s[:min(len(s), max(limit, 0))]
	}
	return cleanRunes(s, limit)
}

// cleanRunes is clean rune by rune.
func cleanRunes(s string, limit int) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(s) && n < limit; n++ {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteRune('\uFFFD')
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			fmt.Fprintf(&b, `\x%02X`, r)
		case isHiddenFormat(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// printableASCII reports whether s is only the characters from space to
// tilde, which clean leaves as they are.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// isHiddenFormat reports whether r changes how surrounding text is laid out
// or shown without being visible itself.
func isHiddenFormat(r rune) bool {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
		r == 0x200E, r == 0x200F, r == 0x061C, r == 0x2028, r == 0x2029, r == 0xFEFF:
		return true
	}
	return unicode.Is(unicode.Cf, r) && r != 0x200D // keep ZWJ for emoji
}

func cutRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
