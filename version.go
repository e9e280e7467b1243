package main

import (
	"os"
	"runtime/debug"

	"golang.org/x/term"
)

// toolVersion is the version shown by "honeyreport version" and in reports.
func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
