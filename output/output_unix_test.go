//go:build unix

package output

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSpecialFiles: devices and FIFOs are refused by Plan and WriteFile,
// directly and through links, and stay what they were; WriteFile does not
// block on a FIFO.
func TestSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	must(t, syscall.Mkfifo(fifo, 0o644))
	must(t, os.Symlink("/dev/null", filepath.Join(dir, "null-link")))
	for _, tt := range []struct {
		path, want string
		mode       os.FileMode
	}{
		{"/dev/null", "is a device", os.ModeCharDevice},
		{filepath.Join(dir, "null-link"), "is a device", os.ModeCharDevice},
		{fifo, "is a FIFO", os.ModeNamedPipe},
	} {
		var pl Plan
		if err := pl.AddOutput("-o", tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Plan %s: err = %v, want %q", tt.path, err, tt.want)
		}
		err := WriteFile(tt.path, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("WriteFile %s: err = %v, want %q", tt.path, err, tt.want)
		}
		fi, err := os.Stat(tt.path)
		if err != nil || fi.Mode()&tt.mode == 0 {
			t.Errorf("%s is no longer a %v: %v %v", tt.path, tt.mode, fi.Mode(), err)
		}
	}
}

// TestNewFileMode: a new output gets 0666 less the umask, like the
// shell's ">".
func TestNewFileMode(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	path := filepath.Join(dir, "new")
	must(t, WriteFile(path, func(w io.Writer) error { return nil }))
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 (umask 027)", fi.Mode().Perm())
	}
}
