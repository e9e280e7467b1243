package ingest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// inputTree makes a synced-log-bucket tree in a temporary directory and
// returns its root.
func inputTree(t *testing.T) string {
	root := t.TempDir()
	for _, f := range []string{
		"AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/b.json.gz",
		"AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/a.json.gz",
		"AWSLogs/123456789012/CloudTrail/eu-west-1/2022/02/01/c.json.gz",
		"AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2022/01/31/d.json.gz",
		"AWSLogs/.hidden/x.json",
		"AWSLogs/.DS_Store",
		"s3/2019-02-06-00-00-38-ABC",
		"s3/2019-02-06-00-00-39-DEF",
		"notes.txt",
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestExpandInputs(t *testing.T) {
	root := inputTree(t)
	j := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	tests := []struct {
		name    string
		args    []string
		want    []string // Names; "-" is stdin
		wantErr string
	}{
		{name: "directory, recursive and sorted", args: []string{j("AWSLogs")}, want: []string{
			j("AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2022/01/31/d.json.gz"),
			j("AWSLogs/123456789012/CloudTrail/eu-west-1/2022/02/01/c.json.gz"),
			j("AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/a.json.gz"),
			j("AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/b.json.gz"),
		}},
		{name: "stdin and a file, in order", args: []string{j("notes.txt"), "-"}, want: []string{j("notes.txt"), "-"}},
		{name: "glob", args: []string{j("s3/2019-*")}, want: []string{j("s3/2019-02-06-00-00-38-ABC"), j("s3/2019-02-06-00-00-39-DEF")}},
		{name: "glob matching a directory", args: []string{j("s*")}, want: []string{j("s3/2019-02-06-00-00-38-ABC"), j("s3/2019-02-06-00-00-39-DEF")}},
		{name: "duplicates removed", args: []string{j("s3"), j("s3/2019-02-06-00-00-38-ABC"), j("s3/../s3/2019-02-06-00-00-39-DEF"), "-", "-"},
			want: []string{j("s3/2019-02-06-00-00-38-ABC"), j("s3/2019-02-06-00-00-39-DEF"), "-"}},
		{name: "missing file", args: []string{j("nope.log")}, wantErr: "nope.log"},
		{name: "glob without a match", args: []string{j("*.csv")}, wantErr: `"` + j("*.csv") + `" matches no file`},
		{name: "bad glob", args: []string{j("[")}, wantErr: "syntax error in pattern"},
		{name: "path through a dot-directory", args: []string{j("AWSLogs/.hidden/..")}, want: []string{
			j("AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2022/01/31/d.json.gz"),
			j("AWSLogs/123456789012/CloudTrail/eu-west-1/2022/02/01/c.json.gz"),
			j("AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/a.json.gz"),
			j("AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/b.json.gz"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins, err := ExpandInputs(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, in := range ins {
				got = append(got, in.Name)
				if (in.Name == "-") != (in.Path == "") {
					t.Errorf("input %+v: stdin must have no path", in)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
	t.Run("empty directory", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := ExpandInputs([]string{dir}); err == nil || !strings.Contains(err.Error(), "holds no file") {
			t.Errorf("err = %v, want holds no file", err)
		}
	})
}

func TestInputOpen(t *testing.T) {
	root := inputTree(t)
	in := Input{Name: "notes.txt", Path: filepath.Join(root, "notes.txt")}
	rc, err := in.Open()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "notes.txt" {
		t.Errorf("read %q", b)
	}
	if _, err := (Input{Name: "x", Path: filepath.Join(root, "missing")}).Open(); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("open missing: %v", err)
	}
	rc, err = Input{Name: "-"}.Open()
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if _, err := os.Stdin.Stat(); err != nil {
		t.Errorf("stdin closed: %v", err)
	}
}

// unlistable is a file system where one directory cannot be listed, as
// an unreadable directory is for a user other than root.
type unlistable struct {
	fs.FS
	dir string
}

func (u unlistable) ReadDir(name string) ([]fs.DirEntry, error) {
	if name == u.dir {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return fs.ReadDir(u.FS, name)
}

// TestUnreadableDirectory: a directory that cannot be listed does not stop
// the run; it becomes an input of its own, whose reading fails with a
// diagnostic, as an unreadable file's does.
func TestUnreadableDirectory(t *testing.T) {
	root := inputTree(t)
	files, err := walkFS(unlistable{os.DirFS(root), "AWSLogs/123456789012/CloudTrail"}, root)
	if err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	want := []string{
		j("AWSLogs/123456789012/CloudTrail"),
		j("AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2022/01/31/d.json.gz"),
		j("notes.txt"), j("s3/2019-02-06-00-00-38-ABC"), j("s3/2019-02-06-00-00-39-DEF"),
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files = %q, want %q", files, want)
	}
	if _, err := walkFS(unlistable{os.DirFS(root), "."}, root); err != nil {
		t.Errorf("unlistable root: %v", err)
	}

	if os.Geteuid() == 0 {
		return // root lists any directory
	}
	// For real, where permissions apply.
	sub := j("s3")
	if err := os.Chmod(sub, 0); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(sub, 0o755)
	ins, err := ExpandInputs([]string{root})
	if err != nil {
		t.Fatalf("an unreadable directory stops the run: %v", err)
	}
	stats := ReadInputs(t.Context(), ins, ReadOptions{Workers: 1}, func(int, *Event) {})
	for _, st := range stats {
		if st.File == sub && st.Err == nil {
			t.Errorf("%s read without an error", sub)
		}
	}
}

// TestExpandInputsFound: only files found by walking a directory are
// marked Found; a file named, or matched by a pattern, is not.
func TestExpandInputsFound(t *testing.T) {
	root := inputTree(t)
	j := func(p string) string { return filepath.Join(root, filepath.FromSlash(p)) }
	ins, err := ExpandInputs([]string{j("notes.txt"), j("s3/2019-*-ABC"), j("AWSLogs"), "-"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, in := range ins {
		got = append(got, fmt.Sprintf("%s %v", strings.TrimPrefix(in.Name, root), in.Found))
	}
	want := []string{
		"/notes.txt false", "/s3/2019-02-06-00-00-38-ABC false",
		"/AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2022/01/31/d.json.gz true",
		"/AWSLogs/123456789012/CloudTrail/eu-west-1/2022/02/01/c.json.gz true",
		"/AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/a.json.gz true",
		"/AWSLogs/123456789012/CloudTrail/us-east-1/2022/01/31/b.json.gz true",
		"- false",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
