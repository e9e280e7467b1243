//go:build unix

package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// tripwireStdin is a standard input that must not be read: the runs below are
// refused before reading starts, and "-" among their inputs proves it.
type tripwireStdin struct{ read bool }

func (r *tripwireStdin) Read([]byte) (int, error) {
	r.read = true
	return 0, io.EOF
}

// runOutputs runs the CLI in-process with stdin as standard input.
func runOutputs(t *testing.T, stdin io.Reader, vars map[string]string, args ...string) (stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: stdin, stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = exitCode(run(t.Context(), args, e), &errb)
	return errb.String(), code
}

func copyFixture(t *testing.T, src, dst string) string {
	t.Helper()
	if err := os.WriteFile(dst, mustRead(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestOutputsNeverClobber: each way an output could destroy a file is a
// usage error (exit 2) before any input is read, and leaves every file as
// it was.
func TestOutputsNeverClobber(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	in := copyFixture(t, "testdata/dump.txt", p("in.log"))
	inCSV := copyFixture(t, "testdata/dump.txt", p("in.csv"))
	mustOK(t, os.Symlink(in, p("link-to-in")))
	mustOK(t, os.Link(in, p("hard-to-in")))
	mustOK(t, os.Symlink("/dev/null", p("link-to-null")))
	mustOK(t, syscall.Mkfifo(p("fifo"), 0o644))
	mustOK(t, os.Mkdir(p("folder"), 0o755))
	mustOK(t, os.Mkdir(p("site"), 0o755))
	mustOK(t, os.Symlink(in, p("site/index.html")))
	writeConfig := func(name, yaml string) string {
		mustOK(t, os.WriteFile(p(name), []byte(yaml), 0o644))
		return p(name)
	}
	typo := writeConfig("typo.yaml", "providers:\n  otx:\n    kee: x\n")
	retries := writeConfig("retries.yaml", "providers:\n  abuseipdb:\n    retries: 100000\n")
	keyEnv := writeConfig("keyenv.yaml", "providers:\n  otx:\n    key_env: MY_OTX_KEY\n")
	good := writeConfig("good.yaml", "providers:\n  otx:\n    retries: 1\n")
	notes := writeConfig("notes.md", "# Notes\n")
	feed := writeConfig("feed.txt", "192.0.2.0/24\n")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"device", []string{"-o", "/dev/null"}, "-o /dev/null: is a device"},
		{"device through a link", []string{"--json", p("link-to-null")}, "--json " + p("link-to-null") + ": is a device"},
		{"FIFO", []string{"--md", p("fifo")}, "is a FIFO"},
		{"directory", []string{"-o", p("folder")}, "is a directory"},
		{"the input", []string{in, "-o", in}, "-o " + in + ": is an input"},
		{"the input as export", []string{inCSV, "--export", inCSV}, "--export " + inCSV + ": is an input"},
		{"the input, export beside", []string{in, "-o", in, "--export", p("e.csv")}, "is an input"},
		{"a link to the input", []string{in, "-o", p("link-to-in")}, "is the input " + in},
		{"a hard link to the input", []string{in, "--json", p("hard-to-in")}, "is the input " + in},
		{"an input found in a folder", []string{dir, "-o", p("in.csv")}, "-o " + p("in.csv") + ": is an input"},
		{"the site's index links to the input", []string{in, "--site", p("site")}, "--site " + p("site/index.html") + ": is the input"},
		{"site folder is a file", []string{"--site", p("in.csv")}, "not a directory"},
		{"the CPU profile", []string{in, "--cpuprofile", in}, "--cpuprofile " + in + ": is an input"},
		{"the notes", []string{"--notes", notes, "--md", notes}, "--md " + notes + ": is an input"},
		{"the config", []string{"--config", good, "--json", good}, "--json " + good + ": is an input"},
		{"a feed", []string{"--feed", "f=" + feed, "-o", feed}, "-o " + feed + ": is an input"},
		{"missing notes", []string{"--notes", p("nope.md")}, "--notes: stat " + p("nope.md")},
		{"missing database", []string{"--geoip-db", p("nope.mmdb")}, "--geoip-db: stat " + p("nope.mmdb")},
		{"two outputs, one file", []string{"-o", p("x.html"), "--json", p("x.html")}, "--json " + p("x.html") + ": same file as -o"},
		{"-o over the site's period", []string{"--since", "2022-01-03", "--until", "2022-01-09", "--site", p("new-site"), "-o", p("new-site/reports/2022-W01/index.html")}, "same file as -o"},
		{"negative --site-keep", []string{"--site", p("new-site"), "--site-keep", "-1"}, "--site-keep must not be negative"},
		{"two on standard output", []string{"-o", "-", "--md", "-"}, "only one output can"},
		{"empty -o", []string{"-o", ""}, "-o: empty file name"},
		{"unknown export extension", []string{"--export", p("x.txt")}, "--export: cannot tell the export format"},
		{"export to standard output", []string{"--export", "-"}, "--export: cannot tell the export format"},
		{"config typo", []string{"--config", typo}, "kee"},
		{"missing config", []string{"--config", p("nope.yaml")}, "read config"},
		{"endless retries", []string{"--config", retries}, "providers.abuseipdb.retries: 100000 is more than the maximum, 5"},
		{"unknown provider", []string{"--ti", "otx,nope"}, `unknown threat-intelligence provider "nope"`},
		{"key_env unset", []string{"--config", keyEnv, "--ti", "otx"}, "providers.otx.key_env names MY_OTX_KEY, which is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := treeSnapshot(t, dir)
			stdin := &tripwireStdin{}
			args := append([]string{"report", "-", "--no-system-geoip", "-q"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "-o ") {
				args = append(args, "-o", p("report.html"))
			}
			stderr, code := runOutputs(t, stdin, nil, args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
			if stdin.read {
				t.Error("standard input was read before the refusal")
			}
			if after := treeSnapshot(t, dir); after != before {
				t.Errorf("files changed:\nbefore %s\nafter  %s", before, after)
			}
			if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
				t.Errorf("/dev/null is no longer a device: %v %v", fi.Mode(), err)
			}
		})
	}
}

// TestOutputsInTheLogFolder: a weekly run that writes its outputs into the
// folder it reads (report logs/ -o logs/report.html) works the second time
// too: last week's outputs are no logs, so they are left out of the inputs,
// said on stderr, and replaced. A log in that folder named as an output is
// still refused.
func TestOutputsInTheLogFolder(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	log := copyFixture(t, "testdata/dump.txt", p("dump.txt"))
	args := []string{"report", dir, "--no-system-geoip", "-q", "-o", p("report.html"), "--json", p("summary.json"), "--export", p("events.csv")}
	for run := 1; run <= 2; run++ {
		stderr, code := runOutputs(t, &tripwireStdin{}, nil, args...)
		if code != 0 {
			t.Fatalf("run %d: exit %d: %s", run, code, stderr)
		}
		for _, out := range []string{"report.html", "summary.json", "events.csv"} {
			if said := strings.Contains(stderr, p(out)+": not read: it is an output of this run"); said != (run == 2) {
				t.Errorf("run %d: stderr %q: note about %s is %v", run, stderr, out, said)
			}
		}
		s := readSummaryJSON(t, p("summary.json"))
		if len(s.Inputs) != 1 || s.Inputs[0].Path != log {
			t.Errorf("run %d: inputs %+v, want only %s", run, s.Inputs, log)
		}
	}
	stderr, code := runOutputs(t, &tripwireStdin{}, nil, "report", dir, "--no-system-geoip", "-q", "-o", log)
	if code != 2 || !strings.Contains(stderr, "is an input") {
		t.Errorf("a log in the folder as -o: exit %d, %q; want a refusal", code, stderr)
	}
}

// treeSnapshot describes every entry below dir: name, type, mode, and a
// regular file's size and digest, enough to see a file appear, change or
// be replaced.
func treeSnapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(strings.TrimPrefix(path, dir) + " " + fi.Mode().String())
		if fi.Mode().IsRegular() {
			c := mustRead(t, path)
			fmt.Fprintf(&b, " %d %x", len(c), sha256.Sum256(c))
		}
		b.WriteString("; ")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestStdinRedirectedFromOutput: "report - -o x < x" would read x while
// replacing it.
func TestStdinRedirectedFromOutput(t *testing.T) {
	x := copyFixture(t, "testdata/dump.txt", filepath.Join(t.TempDir(), "x"))
	f, err := os.Open(x)
	mustOK(t, err)
	defer f.Close()
	stderr, code := runOutputs(t, f, nil, "report", "-", "-o", x, "--no-system-geoip")
	if code != 2 || !strings.Contains(stderr, "is the input - (standard input)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !bytes.Equal(mustRead(t, x), mustRead(t, "testdata/dump.txt")) {
		t.Error("the input changed")
	}
}

// TestOutputReplacement: outputs replace a link at their path rather than
// write through it, keep the mode of a file they replace and give a new
// file 0666 less the umask.
func TestOutputReplacement(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	mustOK(t, os.WriteFile(p("precious.html"), []byte("precious"), 0o644))
	mustOK(t, os.Mkdir(p("site"), 0o755))
	mustOK(t, os.Symlink(p("precious.html"), p("site/index.html")))
	mustOK(t, os.WriteFile(p("private.json"), []byte("{}"), 0o600))
	mustOK(t, os.Chmod(p("private.json"), 0o600))

	stderr, code := runOutputs(t, strings.NewReader(""), fixedEpoch, "report", "testdata/dump.txt", "--no-system-geoip", "-q",
		"-o", p("r.html"), "--json", p("private.json"), "--site", p("site"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if string(mustRead(t, p("precious.html"))) != "precious" {
		t.Error("--site wrote through the index.html link into its target")
	}
	fi, err := os.Lstat(p("site/index.html"))
	mustOK(t, err)
	if !fi.Mode().IsRegular() || !bytes.Contains(mustRead(t, p("site/index.html")), []byte(`href="reports/2021-03-19_2022-01-31/index.html"`)) {
		t.Errorf("site/index.html is %v, want the site's front page as a regular file", fi.Mode())
	}
	if !bytes.Equal(mustRead(t, p("site/reports/2021-03-19_2022-01-31/index.html")), mustRead(t, p("r.html"))) {
		t.Error("the site's period report differs from -o")
	}
	for name, want := range map[string]os.FileMode{"r.html": 0o640, "private.json": 0o600, "site/reports/2021-03-19_2022-01-31/summary.json": 0o640,
		"site/reports/2021-03-19_2022-01-31": 0o750 | os.ModeDir, "site/history.json": 0o640, "site/.nojekyll": 0o640} {
		fi, err := os.Stat(p(name))
		mustOK(t, err)
		if fi.Mode()&(os.ModeDir|os.ModePerm) != want {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode(), want)
		}
	}
	entries, err := os.ReadDir(p("site"))
	mustOK(t, err)
	reports, err := os.ReadDir(p("site/reports"))
	mustOK(t, err)
	for _, e := range append(entries, reports...) {
		if strings.Contains(e.Name(), ".tmp-") || strings.HasPrefix(e.Name(), ".2") {
			t.Errorf("temporary file %s left in the site folder", e.Name())
		}
	}
}

// TestFeedsUpdateRefusesBadPaths: feed paths are outputs too, checked
// before any download.
func TestFeedsUpdateRefusesBadPaths(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, yaml, want string }{
		{"device", "feeds:\n  - name: drop\n    path: /dev/null\n    url: http://127.0.0.1:1/drop.txt\n", `feed "drop": path /dev/null: is a device`},
		{"two feeds, one file", "feeds:\n  - name: a\n    path: same.txt\n    url: http://127.0.0.1:1/a\n  - name: b\n    path: same.txt\n    url: http://127.0.0.1:1/b\n", `feed "b": path ` + filepath.Join(dir, "same.txt") + `: same file as feed "a"`},
		{"bad config", "feeds:\n  - name: a\n    path: a.txt\n    severity: critical\n", "critical"},
		{"the config itself", "feeds:\n  - name: a\n    path: the config itself.yaml\n    url: http://127.0.0.1:1/a\n", `feed "a": path ` + filepath.Join(dir, "the config itself.yaml") + ": is an input"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(dir, tt.name+".yaml")
			mustOK(t, os.WriteFile(cfg, []byte(tt.yaml), 0o644))
			stderr, code := runOutputs(t, strings.NewReader(""), nil, "feeds", "update", "--config", cfg)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
	if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("/dev/null is no longer a device: %v %v", fi.Mode(), err)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestExportCSVControlCharacters: a user agent holding ESC, NUL and an
// invalid byte reaches the CSV export escaped, as in the report.
func TestExportCSVControlCharacters(t *testing.T) {
	dir := t.TempDir()
	dump := strings.Replace(string(mustRead(t, "testdata/dump.txt")), "Boto3/1.17.40 Python", "evil\x1b[2J\x00\xff Python", 1)
	in := filepath.Join(dir, "dump.txt")
	mustOK(t, os.WriteFile(in, []byte(dump), 0o644))
	stderr, code := runOutputs(t, strings.NewReader(""), fixedEpoch, "report", in, "-o", filepath.Join(dir, "r.html"),
		"--export", filepath.Join(dir, "e.csv"), "--no-system-geoip", "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	csv := mustRead(t, filepath.Join(dir, "e.csv"))
	for _, raw := range []string{"\x1b", "\x00", "\xff"} {
		if bytes.Contains(csv, []byte(raw)) {
			t.Errorf("the export holds a raw %q", raw)
		}
	}
	if !bytes.Contains(csv, []byte(`evil\x1B[2J\x00`+"\uFFFD Python")) {
		t.Error("the export lacks the escaped user agent")
	}
}

// TestFeedsUpdateFailureSaidOnce: a feed that fails to download is named
// once on stderr, the others are still saved, and the exit status is 1.
func TestFeedsUpdateFailureSaidOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/good.txt" {
			fmt.Fprintln(w, "192.0.2.1\n198.51.100.0/24")
			return
		}
		http.Error(w, "gone", http.StatusInternalServerError)
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	mustOK(t, os.WriteFile(cfg, []byte("feeds:\n  - name: good\n    path: good.txt\n    url: "+srv.URL+"/good.txt\n  - name: bad\n    path: bad.txt\n    url: "+srv.URL+"/bad.txt\n"), 0o644))
	stderr, code := runOutputs(t, strings.NewReader(""), nil, "feeds", "update", "--config", cfg)
	if code != 1 || strings.Count(stderr, `feed "bad"`) != 1 || strings.Contains(stderr, `feed "good"`) {
		t.Errorf("exit %d, stderr %q; want exit 1 and feed \"bad\" named once", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "good.txt")); err != nil || !strings.Contains(string(b), "198.51.100.0/24") {
		t.Errorf("good feed not saved: %q %v", b, err)
	}
}
