package output

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type target struct{ flag, path string }

// TestPlan: each case adds inputs, then outputs in order; every output but
// the last must be accepted, and the last gives want ("" for accepted).
func TestPlan(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	write := func(name string) {
		if err := os.WriteFile(p(name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("in.log")
	write("other.log")
	write("old.html")
	must(t, os.Mkdir(p("sub"), 0o755))
	must(t, os.Symlink(p("in.log"), p("link-to-in")))
	must(t, os.Link(p("in.log"), p("hard-to-in")))
	must(t, os.Symlink(p("sub"), p("link-to-sub")))
	must(t, os.Symlink(p("nowhere"), p("dangling")))
	must(t, os.Symlink(p("old.html"), p("link-to-old")))
	must(t, os.Link(p("old.html"), p("hard-to-old")))

	tests := []struct {
		name    string
		inputs  []string
		outputs []target
		want    string
	}{
		{"new file", []string{p("in.log")}, []target{{"-o", p("r.html")}}, ""},
		{"new file in new folders", nil, []target{{"-o", p("a/b/r.html")}}, ""},
		{"replace an old output", []string{p("in.log")}, []target{{"-o", p("old.html")}}, ""},
		{"dangling link", nil, []target{{"-o", p("dangling")}}, ""},
		{"link to a regular file", nil, []target{{"-o", p("link-to-old")}}, ""},
		{"empty", nil, []target{{"-o", ""}}, "-o: empty file name"},
		{"the input", []string{p("in.log")}, []target{{"-o", p("in.log")}}, "is an input; writing it would destroy it"},
		{"the input, spelled otherwise", []string{p("in.log")}, []target{{"--export", dir + "/./sub/../in.log"}}, "is the input " + p("in.log")},
		{"a link to the input", []string{p("in.log")}, []target{{"--json", p("link-to-in")}}, "is the input"},
		{"a hard link to the input", []string{p("in.log")}, []target{{"--md", p("hard-to-in")}}, "is the input"},
		{"the input reached through a link", []string{p("link-to-in")}, []target{{"-o", p("in.log")}}, "is the input"},
		{"a second input", []string{p("other.log"), p("in.log")}, []target{{"-o", p("in.log")}}, "is an input"},
		{"missing input is left to the reader", []string{p("gone.log")}, []target{{"-o", p("gone.log")}}, ""},
		{"directory", nil, []target{{"-o", p("sub")}}, "is a directory"},
		{"link to a directory", nil, []target{{"-o", p("link-to-sub")}}, "is a directory"},
		{"trailing slash", nil, []target{{"-o", p("new") + "/"}}, "names a directory"},
		{"parent is a file", nil, []target{{"-o", p("old.html/r.html")}}, "not a directory"},
		{"ancestor is a file", nil, []target{{"-o", p("old.html/x/y/r.html")}}, "is not a directory"},
		{"same path twice", nil, []target{{"-o", p("x")}, {"--json", p("x")}}, "same file as -o"},
		{"same path spelled twice", nil, []target{{"-o", p("x")}, {"--json", dir + "/sub/../x"}}, "same file as -o"},
		{"same new file through a linked folder", nil, []target{{"-o", p("sub/r.html")}, {"--md", p("link-to-sub/r.html")}}, "same file as -o"},
		{"same existing file through a hard link", nil, []target{{"-o", p("old.html")}, {"--md", p("hard-to-old")}}, "same file as -o"},
		{"same existing file through a link", nil, []target{{"-o", p("old.html")}, {"--md", p("link-to-old")}}, "same file as -o"},
		{"different files", nil, []target{{"-o", p("x")}, {"--json", p("y")}, {"--md", p("sub/x")}}, ""},
		{"one stdout", nil, []target{{"-o", p("x")}, {"--json", "-"}}, ""},
		{"two stdouts", nil, []target{{"-o", "-"}, {"--json", "-"}}, "--json -: -o already writes to standard output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pl Plan
			for _, in := range tt.inputs {
				pl.AddInput(in)
			}
			for i, o := range tt.outputs {
				err := pl.AddOutput(o.flag, o.path)
				if i < len(tt.outputs)-1 {
					if err != nil {
						t.Fatalf("output %d refused: %v", i, err)
					}
					continue
				}
				switch {
				case tt.want == "" && err != nil:
					t.Errorf("refused: %v", err)
				case tt.want != "" && err == nil:
					t.Errorf("accepted, want an error with %q", tt.want)
				case tt.want != "" && !strings.Contains(err.Error(), tt.want):
					t.Errorf("error %q, want %q", err, tt.want)
				case tt.want != "" && !strings.HasPrefix(err.Error(), o.flag):
					t.Errorf("error %q does not start with the flag %s", err, o.flag)
				}
			}
		})
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	content := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}

	t.Run("new file, new folders", func(t *testing.T) {
		must(t, WriteFile(p("a/b/new.html"), content("new")))
		if got := read(t, p("a/b/new.html")); got != "new" {
			t.Errorf("content %q", got)
		}
	})
	t.Run("keeps the replaced file's mode", func(t *testing.T) {
		for _, mode := range []os.FileMode{0o600, 0o640, 0o755} {
			path := p("keep-" + mode.String())
			must(t, os.WriteFile(path, []byte("old"), 0o600))
			must(t, os.Chmod(path, mode))
			must(t, WriteFile(path, content("new")))
			fi, err := os.Stat(path)
			must(t, err)
			if fi.Mode().Perm() != mode || read(t, path) != "new" {
				t.Errorf("mode %v content %q, want %v and new", fi.Mode().Perm(), read(t, path), mode)
			}
		}
	})
	t.Run("replaces a link, not its target", func(t *testing.T) {
		must(t, os.WriteFile(p("target"), []byte("precious"), 0o644))
		must(t, os.Symlink(p("target"), p("link")))
		must(t, WriteFile(p("link"), content("new")))
		if read(t, p("target")) != "precious" {
			t.Error("the link's target was overwritten")
		}
		fi, err := os.Lstat(p("link"))
		must(t, err)
		if !fi.Mode().IsRegular() || read(t, p("link")) != "new" {
			t.Errorf("link is now %v holding %q, want a regular file holding new", fi.Mode(), read(t, p("link")))
		}
	})
	t.Run("failed write keeps the old file", func(t *testing.T) {
		must(t, os.WriteFile(p("old"), []byte("old"), 0o644))
		boom := errors.New("boom")
		err := WriteFile(p("old"), func(w io.Writer) error {
			io.WriteString(w, "half")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("err = %v, want boom", err)
		}
		if read(t, p("old")) != "old" {
			t.Error("a failed write changed the old file")
		}
	})
	t.Run("refuses a directory", func(t *testing.T) {
		must(t, os.Mkdir(p("d"), 0o755))
		if err := WriteFile(p("d"), content("x")); err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("stdout", func(t *testing.T) {
		var b strings.Builder
		must(t, Write("-", &b, content("to stdout")))
		if b.String() != "to stdout" {
			t.Errorf("stdout got %q", b.String())
		}
		if _, err := os.Stat("-"); err == nil {
			t.Error(`a file named "-" was created`)
		}
	})
	// Every case above cleaned up after itself.
	entries, err := os.ReadDir(dir)
	must(t, err)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
