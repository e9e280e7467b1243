// Package golden compares test output with golden files. It is the one
// golden-file helper of every package's tests, so that
//
//	go test ./... -update
//
// rewrites them all the same way. Only tests import it.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files (and README.md's usage block)")

// Update reports whether the test binary runs with -update, for tests that
// rewrite other fixtures from their sources too.
func Update() bool { return *update }

// Check compares got with the golden file at path. Under -update it
// writes got there instead (creating its folder). On a mismatch it writes
// got to path+".got" (gitignored), beside the golden for a diff, and
// reports the first differing line; the test goes on, so that every
// golden of a run is checked.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v (go test -update creates it)", err)
		return
	}
	if bytes.Equal(got, want) {
		return
	}
	if err := os.WriteFile(path+".got", got, 0o644); err != nil {
		t.Error(err)
	}
	line, g, w := firstDiff(string(got), string(want))
	t.Errorf("%s differs at line %d (all of it in %s.got; go test -update accepts it):\n got: %.300s\nwant: %.300s", path, line, path, g, w)
}

// firstDiff returns the first line, 1-based, where got and want differ,
// and that line of each ("" past the end).
func firstDiff(got, want string) (line int, g, w string) {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; ; i++ {
		g, w = "", ""
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w || i >= len(gl) && i >= len(wl) {
			return i + 1, g, w
		}
	}
}
