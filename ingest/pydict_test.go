package ingest

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"testing"
)

func TestParsePyDict(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr bool
	}{
		{name: "empty", in: "{}", want: map[string]string{}},
		{name: "anonymous user", in: "{'type': 'AWSAccount', 'principalId': '', 'accountId': 'ANONYMOUS_PRINCIPAL'}",
			want: map[string]string{"type": "AWSAccount", "principalId": "", "accountId": "ANONYMOUS_PRINCIPAL"}},
		{name: "scalars", in: "{'n': 2, 'f': -1.5e3, 'x': None, 'y': True, 'z': False}",
			want: map[string]string{"n": "2", "f": "-1.5e3", "x": "None", "y": "True", "z": "False"}},
		{name: "nested kept raw", in: "{'a': {'b': [1, 'x}', (2, 3)]}, 'c': [ ], 'd': 'e'}",
			want: map[string]string{"a": "{'b': [1, 'x}', (2, 3)]}", "c": "[ ]", "d": "e"}},
		{name: "escaped quotes", in: `{'k': 'it\'s', "d": "say \"hi\"", 'm': "it's", 'b': 'a\\b'}`,
			want: map[string]string{"k": "it's", "d": `say "hi"`, "m": "it's", "b": `a\b`}},
		{name: "escapes", in: `{'k': 'a\nb\tc\x41\u00e9\U0001F600\q'}`, want: map[string]string{"k": "a\nb\tcAé😀\\q"}},
		{name: "raw and prefixed strings", in: `{r'k': r'a\'b', u'u': b'bytes'}`, want: map[string]string{"k": `a\'b`, "u": "bytes"}},
		{name: "adjacent literals", in: `{'k': 'a' "b" 'c'}`, want: map[string]string{"k": "abc"}},
		{name: "numeric key", in: "{1: 'one', 'two': 2}", want: map[string]string{"1": "one", "two": "2"}},
		{name: "trailing comma and spaces", in: " {\n 'a' : 'b' ,\n} ", want: map[string]string{"a": "b"}},
		{name: "duplicate key last wins", in: "{'a': '1', 'a': '2'}", want: map[string]string{"a": "2"}},
		{name: "hostile text", in: "{'ua': '<script>alert(1)</script>\u2028\u202e'}", want: map[string]string{"ua": "<script>alert(1)</script>\u2028\u202e"}},
		{name: "not a dict", in: "['a']", want: map[string]string{}, wantErr: true},
		{name: "empty input", in: "", want: map[string]string{}, wantErr: true},
		{name: "truncated keeps earlier pairs", in: "{'a': 'b', 'c': 'd", want: map[string]string{"a": "b"}, wantErr: true},
		{name: "missing colon", in: "{'a' 'b'}", want: map[string]string{}, wantErr: true},
		{name: "missing value", in: "{'a': , 'b': 'c'}", want: map[string]string{}, wantErr: true},
		{name: "missing comma", in: "{'a': 'b' 'c': 'd'}", want: map[string]string{"a": "bc"}, wantErr: true},
		{name: "text after brace", in: "{'a': 'b'} x", want: map[string]string{"a": "b"}, wantErr: true},
		{name: "too deep", in: "{'a': " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}", want: map[string]string{}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parsePyDict(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("parsePyDict(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("parsePyDict(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// reprPyDict writes m as Python would, every value as a string literal.
func reprPyDict(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	q := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("'" + q.Replace(k) + "': '" + q.Replace(m[k]) + "'")
	}
	b.WriteByte('}')
	return b.String()
}

func FuzzPyDict(f *testing.F) {
	for _, s := range []string{
		"{}", "{'a': 'b'}", `{'k': 'it\'s', "d": "say \"hi\""}`, "{'a': {'b': [1, (2,)]}, 'n': None}",
		"{'a': 'b', 'c': 'd", "{", "", "\x00\xff", `{'k': '\x4'}`, `{r'a\'': 1}`, "{'a': 'b' 'c'}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parsePyDict(s)
		if err != nil {
			return
		}
		// Writing the pairs back as Python text and parsing that again
		// must give the same pairs: values are decoded exactly once.
		again, err := parsePyDict(reprPyDict(m))
		if err != nil {
			t.Fatalf("reparse of %q: %v", reprPyDict(m), err)
		}
		if !maps.Equal(m, again) {
			t.Fatalf("round trip of %q: %q, then %q", s, m, again)
		}
	})
}

// parsePyDict parses Python dict text into its top-level keys. String values
// are decoded; other values (numbers, None, True, nested containers) keep
// their source text. With an error, the map holds the pairs read before it.
func parsePyDict(s string) (map[string]string, error) {
	var p pyDictScanner
	p.reset([]byte(s))
	m := make(map[string]string)
	for p.next() {
		m[string(p.key)] = string(p.val)
	}
	if p.err != nil {
		return m, fmt.Errorf("python dict: %w", p.err)
	}
	return m, nil
}
