//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestMainProcess is not a test: run by the tests below as a child process
// (the test binary itself, with HONEYREPORT_MAIN set), it is the command,
// so that they can send it real signals.
func TestMainProcess(t *testing.T) {
	if os.Getenv("HONEYREPORT_MAIN") != "1" {
		t.Skip("the command, run as a child process by other tests")
	}
	os.Args = append([]string{"honeyreport"}, strings.Fields(os.Getenv("HONEYREPORT_ARGS"))...)
	main()
}

// command returns the command as a child process running args.
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	for _, a := range args {
		if strings.ContainsAny(a, " \t\n") {
			t.Fatalf("argument %q: no spaces, please", a)
		}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainProcess$")
	cmd.Env = append(os.Environ(), "HONEYREPORT_MAIN=1", "HONEYREPORT_ARGS="+strings.Join(args, " "), "SOURCE_DATE_EPOCH=1700000000")
	return cmd
}

// signalAfter starts cmd, sends it sig once ready says so, and returns its
// exit status and standard error. It fails the test if the command takes
// more than a few seconds to end after the signal.
func signalAfter(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, ready func() bool) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !ready() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("never ready; stderr: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	sent := time.Now()
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if took := time.Since(sent); took > 5*time.Second {
			t.Errorf("took %v to end after %v", took, sig)
		}
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stderr.String()
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("still running 20 s after %v; stderr: %s", sig, stderr.String())
	}
	return 0, ""
}

// endless writes copies of line to w until it fails (the reader is gone),
// counting what was written.
func endless(w io.WriteCloser, line []byte, written *atomic.Int64) {
	defer w.Close()
	buf := bytes.Repeat(line, max(1, 64<<10/len(line)))
	for {
		n, err := w.Write(buf)
		written.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// TestInterruptEndlessStdin pipes an endless S3 access log into the
// command: SIGINT stops it within seconds with status 130, and the report
// summary and Markdown are written from what was read, saying where
// reading stopped.
func TestInterruptEndlessStdin(t *testing.T) {
	dir := t.TempDir()
	line := firstLine(t, "testdata/access.log")
	cmd := command(t, "report", "-", "-o", filepath.Join(dir, "r.html"), "--json", filepath.Join(dir, "s.json"),
		"--md", filepath.Join(dir, "r.md"), "--export", filepath.Join(dir, "e.csv"), "--no-system-geoip")
	pw, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var written atomic.Int64
	go endless(pw, line, &written)
	code, stderr := signalAfter(t, cmd, syscall.SIGINT, func() bool { return written.Load() > 4<<20 })
	if code != 130 {
		t.Errorf("exit %d, want 130; stderr: %s", code, stderr)
	}
	if !strings.Contains(stderr, "interrupted by SIGINT") || !strings.Contains(stderr, "events export not written") {
		t.Errorf("stderr does not say it was interrupted and what is missing: %s", stderr)
	}
	s := readSummaryJSON(t, filepath.Join(dir, "s.json"))
	if s.Totals.Events == 0 || len(s.Inputs) != 1 || !strings.Contains(s.Inputs[0].Error, "interrupted by SIGINT") {
		t.Errorf("summary: %d events, inputs %+v", s.Totals.Events, s.Inputs)
	}
	if html := mustRead(t, filepath.Join(dir, "r.html")); !bytes.Contains(html, []byte("reading stopped after")) {
		t.Error("the report does not say that reading was interrupted")
	} else if !bytes.Contains(html, []byte("run stopped early (interrupted by SIGINT)")) {
		t.Error("the report's data quality does not say that the run was interrupted")
	}
	if md := mustRead(t, filepath.Join(dir, "r.md")); !bytes.Contains(md, []byte("**Incomplete:** the run stopped early (interrupted by SIGINT)")) {
		t.Errorf("the Markdown summary does not say that the run was interrupted:\n%.600s", md)
	}
	if _, err := os.Stat(filepath.Join(dir, "e.csv")); err == nil {
		t.Error("an export was written from a second, different read")
	}
}

// TestInterruptBlockedReads sends SIGTERM to commands stuck where a read
// blocks: a FIFO no one opens for writing, and a standard input that
// never sends anything.
func TestInterruptBlockedReads(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, export := range []bool{false, true} {
		t.Run(fmt.Sprintf("fifo, export %v", export), func(t *testing.T) {
			args := []string{"report", fifo, "-o", filepath.Join(dir, "r.html"), "--no-system-geoip"}
			if export {
				args = append(args, "--export", filepath.Join(dir, "e.csv"))
			}
			cmd := command(t, args...)
			start := time.Now()
			code, stderr := signalAfter(t, cmd, syscall.SIGTERM, func() bool { return time.Since(start) > 500*time.Millisecond })
			if code != 143 || !strings.Contains(stderr, "interrupted by SIGTERM") {
				t.Errorf("exit %d, want 143; stderr: %s", code, stderr)
			}
		})
	}
	t.Run("stdin", func(t *testing.T) {
		cmd := command(t, "report", "-", "-o", filepath.Join(dir, "r.html"), "--no-system-geoip")
		pw, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		defer pw.Close()
		start := time.Now()
		code, stderr := signalAfter(t, cmd, syscall.SIGTERM, func() bool { return time.Since(start) > 500*time.Millisecond })
		if code != 143 {
			t.Errorf("exit %d, want 143; stderr: %s", code, stderr)
		}
	})
}

// TestFIFOInput reads a log through a FIFO: read once (a second open, to
// checksum it or to export its events, would take half its lines or wait
// for a writer that never comes), whatever the number of workers.
func TestFIFOInput(t *testing.T) {
	log := mustRead(t, "testdata/access.log")
	for _, workers := range []string{"1", "4"} {
		t.Run("workers="+workers, func(t *testing.T) {
			dir := t.TempDir()
			fifo := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skip("no FIFOs here:", err)
			}
			go func() {
				f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
				if err != nil {
					return
				}
				f.Write(log)
				f.Close()
			}()
			code, stderr := runWithin(t, 20*time.Second, "report", fifo, "-o", filepath.Join(dir, "r.html"),
				"--json", filepath.Join(dir, "s.json"), "--export", filepath.Join(dir, "e.csv"), "--workers", workers, "--no-system-geoip", "-q")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			want, _ := runWithin(t, 20*time.Second, "report", "testdata/access.log", "-o", filepath.Join(dir, "w.html"),
				"--json", filepath.Join(dir, "w.json"), "--no-system-geoip", "-q")
			if want != 0 {
				t.Fatal("the same log as a file failed")
			}
			got, exp := readSummaryJSON(t, filepath.Join(dir, "s.json")), readSummaryJSON(t, filepath.Join(dir, "w.json"))
			if got.Totals.Events != exp.Totals.Events || got.Inputs[0].Bytes != int64(len(log)) || got.Inputs[0].SHA256 != exp.Inputs[0].SHA256 {
				t.Errorf("FIFO: %d events, input %+v; file: %d events, input %+v", got.Totals.Events, got.Inputs[0], exp.Totals.Events, exp.Inputs[0])
			}
			// The export, a second pass, reads the copy kept of the FIFO; it
			// has every event read, S3's own lifecycle work included.
			rows, err := csv.NewReader(bytes.NewReader(mustRead(t, filepath.Join(dir, "e.csv")))).ReadAll()
			if err != nil || int64(len(rows)-1) != exp.Inputs[0].Events {
				t.Errorf("export: %d rows, %v; want %d", len(rows)-1, err, exp.Inputs[0].Events)
			}
		})
	}
}

// TestRejectedStreamNotReadToTheEnd names /dev/zero as input: detection
// rejects it as binary after its first bytes, and reading stops there.
func TestRejectedStreamNotReadToTheEnd(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	dir := t.TempDir()
	code, stderr := runWithin(t, 20*time.Second, "report", "/dev/zero", "-o", filepath.Join(dir, "r.html"), "--no-system-geoip")
	if code != 1 || !strings.Contains(stderr, "/dev/zero: binary data") {
		t.Errorf("exit %d; stderr: %s", code, stderr)
	}
}

// runWithin runs the command in-process and fails the test when it does
// not end in time (a hang, the bug these tests are about).
func runWithin(t *testing.T, limit time.Duration, args ...string) (code int, stderr string) {
	t.Helper()
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		var out, errb bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return fixedEpoch[k] }}
		err := run(ctx, args, e)
		done <- result{exitCode(err, &errb), errb.String()}
	}()
	select {
	case r := <-done:
		return r.code, r.stderr
	case <-time.After(limit):
		t.Fatalf("%v: still running after %v", args, limit)
	}
	return 0, ""
}

func firstLine(t *testing.T, path string) []byte {
	t.Helper()
	b := mustRead(t, path)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i+1]
	}
	return append(b, '\n')
}

// TestStdinSpoolLimit: standard input is copied for the export's second
// pass while it is read, and only up to the limit; past it the second
// pass fails with a message saying why, and the copy is gone.
func TestStdinSpoolLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int64
		ok    bool
	}{
		{"under the limit", 1 << 20, true},
		{"over the limit", 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := mustRead(t, "testdata/access.log")
			sp := &spool{name: "-", src: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(in)), nil }, limit: tc.limit}
			defer sp.drop()
			first, err := sp.open()
			if err != nil {
				t.Fatal(err)
			}
			name := sp.f.Name()
			if got, err := io.ReadAll(first); err != nil || !bytes.Equal(got, in) {
				t.Fatalf("first read: %d bytes, %v", len(got), err)
			}
			second, err := sp.open()
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "too much to keep") {
					t.Errorf("second open: %v", err)
				}
				if _, serr := os.Stat(name); serr == nil {
					t.Error("the partial copy is left behind")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			if got, err := io.ReadAll(second); err != nil || !bytes.Equal(got, in) {
				t.Errorf("second read: %d bytes, %v", len(got), err)
			}
		})
	}
}
