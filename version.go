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
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version // go install ...@version
	}
	// A build from a checkout: name the commit, so a report can be traced
	// to the code that made it.
	v := "devel"
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			v += "+" + s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			v += "-dirty"
		}
	}
	return v
}

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
