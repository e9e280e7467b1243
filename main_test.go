package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/honeyreport/honeyreport/internal/golden"
)

// runCmd runs the CLI in-process with the given environment variables.
func runCmd(t testing.TB, vars map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	err := run(context.Background(), args, e)
	code = exitCode(err, &errb)
	return out.String(), errb.String(), code
}

// TestREADMEUsage keeps README.md's command reference identical to --help.
func TestREADMEUsage(t *testing.T) {
	var b strings.Builder
	for _, args := range [][]string{{"--help"}, {"report", "--help"}, {"demo", "--help"}, {"lookup", "--help"}, {"feeds", "--help"}, {"athena-sql", "--help"}} {
		out, _, code := runCmd(t, nil, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		b.WriteString("```\n$ honeyreport " + strings.Join(args, " ") + "\n" + out + "```\n\n")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- usage:start -->\n", "<!-- usage:end -->"
	i, j := bytes.Index(readme, []byte(start)), bytes.Index(readme, []byte(end))
	if i < 0 || j < i {
		t.Fatal("README.md lacks the usage markers")
	}
	got := string(readme[i+len(start) : j])
	if got == b.String() {
		return
	}
	if golden.Update() {
		next := string(readme[:i+len(start)]) + b.String() + string(readme[j:])
		if err := os.WriteFile("README.md", []byte(next), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's usage block differs from --help; run go test -run TestREADMEUsage -update")
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, 2, "no command given"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"no input", []string{"report"}, 2, "no input given"},
		{"bad flag", []string{"report", "--nope", "x"}, 2, "flag provided but not defined"},
		{"bad format", []string{"report", "--input-format", "xml", "x"}, 2, `unknown input format "xml"`},
		// The demo sample's format is known: forcing another reads nothing.
		{"demo format", []string{"demo", "--input-format", "cloudtrail"}, 2, "flag provided but not defined: -input-format"},
		{"bad rows", []string{"report", "--max-rows", "0", "x"}, 2, "--max-rows must be at least 1"},
		{"missing file", []string{"report", "testdata/does-not-exist.txt"}, 1, "does-not-exist.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCmd(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.msg)
			}
		})
	}
}

func TestParseFlagsInterleaved(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	o := fs.String("o", "", "")
	q := fs.Bool("q", false, "")
	pos, err := parseFlags(fs, []string{"a", "-o", "r.html", "b", "-q", "--", "-c"})
	if err != nil {
		t.Fatal(err)
	}
	if *o != "r.html" || !*q || strings.Join(pos, " ") != "a b -c" {
		t.Errorf("o=%q q=%v pos=%q", *o, *q, pos)
	}
}
