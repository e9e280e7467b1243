//go:build !linux

package site

import "errors"

// exchange is not available: replaceDir moves the old folder aside.
func exchange(a, b string) error { return errors.New("no atomic exchange on this system") }
