package output

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// Stdout is the path that stands for standard output.
const Stdout = "-"

// Plan is the set of files one run reads and writes, checked before the
// run reads anything. The zero Plan is empty and ready to use. A Plan is
// not safe for concurrent use.
type Plan struct {
	inputs  []file
	outputs []file
	stdout  string // the flag writing to standard output, "" when none
}

type file struct {
	name string // an input's name, or the flag that named an output
	path string
	// key is an output's absolute path with its directory's links
	// resolved: two spellings of one file that does not exist yet share it.
	key  string
	info fs.FileInfo // what the path names, links followed; nil when absent
}

// AddInput records a file the run will read, so that no output may be it.
// Links are followed, as reading does. A path that cannot be examined is
// left out: reading it will fail and say why.
func (p *Plan) AddInput(path string) {
	if fi, err := os.Stat(path); err == nil {
		p.AddInputInfo(path, fi)
	}
}

// AddInputInfo records an input known only by its FileInfo, such as
// standard input when the shell connected it to a file.
func (p *Plan) AddInputInfo(name string, fi fs.FileInfo) {
	p.inputs = append(p.inputs, file{name: name, info: fi})
}

// AddOutput checks the output at path, named by flag (for messages, as
// "-o" or "--json"), against the inputs and outputs added so far, and
// records it. Add the inputs first. The error says which rule the path
// breaks (see the package documentation).
func (p *Plan) AddOutput(flag, path string) error {
	if path == "" {
		return fmt.Errorf("%s: empty file name", flag)
	}
	if path == Stdout {
		if p.stdout != "" {
			return fmt.Errorf("%s -: %s already writes to standard output; only one output can", flag, p.stdout)
		}
		p.stdout = flag
		return nil
	}
	fi, err := inspect(path)
	if err == nil && fi == nil {
		err = checkParent(path)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	key := resolve(path)
	for _, in := range p.inputs {
		if fi != nil && os.SameFile(fi, in.info) {
			what := "is an input"
			if in.name != path {
				what = "is the input " + in.name
			}
			return fmt.Errorf("%s %s: %s; writing it would destroy it", flag, path, what)
		}
	}
	for _, out := range p.outputs {
		if key == out.key || (fi != nil && out.info != nil && os.SameFile(fi, out.info)) {
			return fmt.Errorf("%s %s: same file as %s %s; each output needs its own", flag, path, out.name, out.path)
		}
	}
	p.outputs = append(p.outputs, file{name: flag, path: path, key: key, info: fi})
	return nil
}

// inspect returns what path names, links followed, or nil when nothing
// (or a dangling link, which writing replaces) is there. Anything but a
// regular file is an error: a directory, a device, a FIFO or a socket
// would be destroyed by the rename that writes an output, or would be
// written through when reached by a link.
func inspect(path string) (fs.FileInfo, error) {
	if os.IsPathSeparator(path[len(path)-1]) {
		return nil, errors.New("names a directory; an output is a file")
	}
	lfi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		// Most often a file where a folder should be: say which.
		if perr := checkParent(path); perr != nil {
			return nil, perr
		}
		return nil, err
	}
	fi := lfi
	if lfi.Mode()&fs.ModeSymlink != 0 {
		if fi, err = os.Stat(path); err != nil {
			return nil, nil
		}
	}
	switch m := fi.Mode(); {
	case m.IsRegular():
		return fi, nil
	case m.IsDir():
		return nil, errors.New("is a directory; an output is a file")
	case m&fs.ModeDevice != 0:
		return nil, errors.New("is a device; an output must be a regular file (use - for standard output)")
	case m&fs.ModeNamedPipe != 0:
		return nil, errors.New("is a FIFO (named pipe); an output must be a regular file (use - for standard output)")
	case m&fs.ModeSocket != 0:
		return nil, errors.New("is a socket; an output must be a regular file")
	}
	return nil, errors.New("is not a regular file")
}

// checkParent finds the nearest existing ancestor of a path that does not
// exist yet: it must be a directory, or writing would fail after the
// whole input was read.
func checkParent(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	for dir := filepath.Dir(abs); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s is not a directory", dir)
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return err
		}
		if filepath.Dir(dir) == dir {
			return nil
		}
	}
}

// resolve returns path made absolute with its directory's links
// resolved, or as clean as it gets when the directory does not exist.
func resolve(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	dir, base := filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(real, base)
	}
	return abs
}

// Write is WriteFile, except that path "-" writes to stdout.
func Write(path string, stdout io.Writer, write func(io.Writer) error) error {
	if path == Stdout {
		return write(stdout)
	}
	return WriteFile(path, write)
}

// WriteFile writes the file at path with write, atomically: write fills a
// temporary file in path's directory (created, with its parents, when
// missing), which is synced and renamed over path only when write
// succeeds. It refuses the paths Plan refuses for what they are (a
// directory, device, FIFO or socket, directly or through a link), checked
// again just before the rename. A link at path is replaced, not followed.
// A replaced regular file's permission bits are kept; a new file gets
// 0666 less the umask.
func WriteFile(path string, write func(io.Writer) error) (err error) {
	if path == "" {
		return errors.New("write: empty file name")
	}
	if _, err := inspect(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// Keeping a mode: create the temporary file private and set the mode
	// once it is written, so a private file's content is never readable
	// under a looser mode. Otherwise let the kernel apply the umask.
	var keep fs.FileMode
	perm := fs.FileMode(0o666)
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() {
		keep, perm = fi.Mode().Perm(), 0o600
	}
	tmp, err := createTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				tmp.Close()
			}
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if keep != 0 {
		if err = tmp.Chmod(keep); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	closed = true
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The path may have changed while the output was written.
	if _, err = inspect(path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// createTemp creates a new file beside the target, hidden and named after
// it, with perm before the umask (os.CreateTemp always uses 0600).
func createTemp(dir, base string, perm fs.FileMode) (*os.File, error) {
	if len(base) > 64 {
		base = base[:64] // leave room in a 255-byte file name for the suffix
	}
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("create a temporary file in %s: too many collisions", dir)
}
