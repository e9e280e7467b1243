package ingest

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Input is one input to read: a file, or standard input.
type Input struct {
	Name string // as shown to the user: the path as given or found, "-" for stdin
	Path string // file to open; "" for standard input
	// Opener, when set, opens the input instead of Path: embedded samples,
	// or a standard input other than the process's (tests).
	Opener func() (io.ReadCloser, error)
	// Size is the input's size in bytes when Opener opens something of a
	// known size (an S3 object), for progress; 0 when unknown.
	Size int64
	// Interruptible is true when a read from what Opener returns ends by
	// itself once the run is cancelled (an HTTP body bound to the run's
	// context): it needs no goroutine of its own to be abandoned.
	Interruptible bool
	// Found is true for a file found in a directory the user named, rather
	// than named itself (or matched by a pattern).
	Found bool
}

// Open opens the input. Closing standard input's ReadCloser leaves the real
// standard input open.
func (in Input) Open() (io.ReadCloser, error) {
	if in.Opener != nil {
		return in.Opener()
	}
	if in.Path == "" {
		return io.NopCloser(os.Stdin), nil
	}
	f, err := os.Open(in.Path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	return f, nil
}

// ExpandInputs turns the command line's input arguments into the inputs to
// read, in order: "-" is standard input; a directory stands for every
// regular file below it, recursively and sorted, leaving out dot-files and
// dot-directories (.git, .DS_Store); a pattern with * ? or [ is expanded with
// filepath.Glob, sorted, directories among its matches expanded in turn. A
// path that does not exist, or a pattern that matches nothing, is an error
// naming it. An input named twice (same cleaned path) is read once.
func ExpandInputs(args []string) ([]Input, error) {
	var out []Input
	seen := make(map[string]bool)
	add := func(path string, found bool) {
		clean := filepath.Clean(path)
		if seen[clean] {
			return
		}
		seen[clean] = true
		out = append(out, Input{Name: path, Path: path, Found: found})
	}
	stdin := false
	for _, arg := range args {
		if arg == "-" {
			if !stdin {
				stdin = true
				out = append(out, Input{Name: "-"})
			}
			continue
		}
		paths := []string{arg}
		if strings.ContainsAny(arg, "*?[") {
			m, err := filepath.Glob(arg)
			if err != nil {
				return nil, fmt.Errorf("input pattern %q: %w", arg, err)
			}
			if len(m) == 0 {
				return nil, fmt.Errorf("input pattern %q matches no file", arg)
			}
			sort.Strings(m)
			paths = m
		}
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				return nil, fmt.Errorf("input %w", err)
			}
			if !fi.IsDir() {
				add(p, false)
				continue
			}
			files, err := walkDir(p)
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("input directory %s holds no file", p)
			}
			for _, f := range files {
				add(f, true)
			}
		}
	}
	return out, nil
}

// walkDir lists the regular files below dir, sorted, without dot-files and
// dot-directories. Symbolic links to files are followed; links to
// directories are not, so a link cycle cannot loop. A directory that
// cannot be listed is returned among the files: opening it fails, and
// that is reported as for an unreadable file, without stopping the run.
func walkDir(dir string) ([]string, error) {
	return walkFS(os.DirFS(dir), dir)
}

// walkFS is walkDir on fsys, whose root is named dir.
func walkFS(fsys fs.FS, dir string) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(rel string, de fs.DirEntry, err error) error {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err != nil {
			if rel == "." && de == nil {
				return fmt.Errorf("input directory: %w", err)
			}
			files = append(files, path)
			return nil
		}
		name := de.Name()
		if rel != "." && strings.HasPrefix(name, ".") {
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		switch {
		case de.Type().IsRegular():
			files = append(files, path)
		case de.Type()&fs.ModeSymlink != 0:
			if fi, err := fs.Stat(fsys, rel); err == nil && fi.Mode().IsRegular() {
				files = append(files, path)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	return files, nil
}
