package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	tests := []struct {
		name, got, want string
		line            int
		g, w            string
	}{
		{"second line", "a\nb\nc", "a\nx\nc", 2, "b", "x"},
		{"got longer", "a\nb", "a", 2, "b", ""},
		{"want longer", "a", "a\nb", 2, "", "b"},
		{"first line", "x", "y", 1, "x", "y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, g, w := firstDiff(tt.got, tt.want)
			if line != tt.line || g != tt.g || w != tt.w {
				t.Errorf("firstDiff = %d %q %q, want %d %q %q", line, g, w, tt.line, tt.g, tt.w)
			}
		})
	}
}

// recorder is a testing.TB that keeps what Check reports.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, format)
}
func (r *recorder) Error(args ...any) { r.errs = append(r.errs, "error") }

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.golden")
	if err := os.WriteFile(path, []byte("one\ntwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	Check(r, path, []byte("one\ntwo\n"))
	if len(r.errs) != 0 {
		t.Errorf("equal output reported: %v", r.errs)
	}
	if _, err := os.Stat(path + ".got"); err == nil {
		t.Error(".got written for equal output")
	}
	Check(r, path, []byte("one\n2\n"))
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "differs at line") {
		t.Errorf("mismatch reported as %v", r.errs)
	}
	if got, _ := os.ReadFile(path + ".got"); string(got) != "one\n2\n" {
		t.Errorf(".got holds %q", got)
	}
	Check(r, filepath.Join(dir, "missing.golden"), nil)
	if len(r.errs) != 2 {
		t.Errorf("missing golden not reported: %v", r.errs)
	}
}
