// Command honeyreport turns the access logs of a honeypot S3 bucket into one
// self-contained, offline HTML report.
//
// Usage:
//
//	honeyreport report [flags] INPUT...   read logs, write a report
//	honeyreport demo [flags]              the same, on an embedded sample log
//	honeyreport lookup [--json] IP...     enrich single addresses
//	honeyreport feeds update              download the configured blocklist feeds
//	honeyreport athena-sql --bucket NAME  print the Athena query for a large trail
//	honeyreport version                   print the version
//
// Run "honeyreport COMMAND --help" for a command's flags. README.md is the
// manual.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; a
// plain build reports the module version from the build info.
var version = ""

// usageError marks a command-line mistake: exit status 2, like flag.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// exitTIFailed is the exit status of a report for which every
// threat-intelligence provider asked for failed; the outputs were written
// and say so.
const exitTIFailed = 3

// exitError ends the run with status code after printing err.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// env is what a command may read from the process, passed in so that tests
// run commands without touching the real environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// stderrTTY is true when stderr is a terminal: progress bars are drawn
	// only then.
	stderrTTY bool
}

const mainUsage = `honeyreport turns honeypot S3 bucket access logs into one offline HTML report.

Usage:
  honeyreport report [flags] INPUT...   read logs, write the report and summaries
  honeyreport demo [flags]              render a report from the embedded sample log
  honeyreport lookup [--json] IP...     show what honeyreport knows about addresses
  honeyreport feeds update              download the blocklist feeds named in the config
  honeyreport athena-sql --bucket NAME  print the Athena SQL that selects a bucket's events
  honeyreport version                   print the version

Inputs are files, directories (read recursively), glob patterns, s3://
prefixes, or - for standard input; .gz anywhere. Formats (BreachInsider dump
or CSV, CloudTrail, S3 server access logs, Athena result CSV) are detected
from content.

Run 'honeyreport COMMAND --help' for the flags of a command.
`

func main() {
	ctx, stop := notifySignals(context.Background())
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, stderrTTY: isTerminal(os.Stderr)}
	err := run(ctx, os.Args[1:], e)
	stop()
	code := exitCode(err, e.stderr)
	var se *signalError
	if errors.As(context.Cause(ctx), &se) {
		if err == nil {
			fmt.Fprintf(e.stderr, "honeyreport: %v\n", se)
		}
		code = 128 + int(se.sig)
	}
	os.Exit(code)
}

// signalError is the cause of a run's cancellation by SIGINT or SIGTERM:
// the run stops reading, writes what it can, and exits 128+signal (130,
// 143), as a shell reports a process the signal killed.
type signalError struct{ sig syscall.Signal }

func (e *signalError) Error() string { return "interrupted by " + signalName(e.sig) }

// Unwrap makes errors.Is(err, context.Canceled) hold, as for any
// cancellation.
func (e *signalError) Unwrap() error { return context.Canceled }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// notifySignals returns a context cancelled, with a *signalError as its
// cause, at the first SIGINT or SIGTERM. Only the first is caught: a
// second one ends the process at once, the way it would without
// honeyreport's handling, for a user who does not want to wait for the
// outputs.
func notifySignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			sig, _ := s.(syscall.Signal)
			cancel(&signalError{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
	}
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "honeyreport: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return 1
}

func run(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, mainUsage)
		return usagef("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "report":
		return cmdReport(ctx, rest, e)
	case "demo":
		return cmdDemo(ctx, rest, e)
	case "lookup":
		return cmdLookup(ctx, rest, e)
	case "feeds":
		return cmdFeeds(ctx, rest, e)
	case "athena-sql":
		return cmdAthenaSQL(ctx, rest, e)
	case "version", "--version", "-version":
		fmt.Fprintln(e.stdout, "honeyreport", toolVersion())
		return nil
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return run(ctx, []string{rest[0], "--help"}, e)
		}
		fmt.Fprint(e.stdout, mainUsage)
		return nil
	}
	fmt.Fprint(e.stderr, mainUsage)
	return usagef("unknown command %q", cmd)
}

// parseFlags parses args allowing flags after positional arguments
// ("report logs/ -o r.html"), which the flag package alone stops at. A
// lone "--" ends flag parsing.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a command's flag set. Help the user asked for
// (--help) goes to stdout; usage printed because of a mistake goes to stderr.
func newFlagSet(name, usage string, args []string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
		}
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	return fs
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}
