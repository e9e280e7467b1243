package site

import (
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// replaceDir puts the folder tmp at final, replacing a folder there: with
// one atomic exchange where the system has it (exchange), else by moving
// the old folder aside first, which leaves final missing for a moment
// and, if interrupted then, the old folder beside it (Add removes it
// next time). tmp is gone afterwards either way.
func replaceDir(tmp, final string) error {
	err := os.Rename(tmp, final)
	if err == nil {
		return nil
	}
	if _, serr := os.Lstat(final); errors.Is(serr, fs.ErrNotExist) {
		return err
	}
	if exchange(tmp, final) == nil {
		return os.RemoveAll(tmp) // now the old folder
	}
	old := filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+".old-"+rand.Text())
	if err := os.Mkdir(old, 0o700); err != nil {
		return err
	}
	// The empty folder is there to reserve the name; a folder renamed
	// over an empty one replaces it.
	if err := os.Rename(final, old); err != nil {
		os.Remove(old)
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		os.Rename(old, final)
		return err
	}
	return os.RemoveAll(old)
}
