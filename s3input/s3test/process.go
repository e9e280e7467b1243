package s3test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serveEnv, in a test binary's environment, names the directory whose
// tree the binary serves instead of running tests (Spawn).
const serveEnv = "HONEYREPORT_S3TEST_SERVE"

// cpuPath answers the server process's CPU time in nanoseconds. No
// bucket is named "-", so it hides no object.
const cpuPath = "/-/cpu"

// ServeIfChild makes a test binary that Spawn started serve the tree it
// was given, and exit when its parent closes its standard input (or
// dies). Call it first in TestMain; in any other process it does nothing.
func ServeIfChild() {
	dir := os.Getenv(serveEnv)
	if dir == "" {
		return
	}
	if err := serveChild(dir); err != nil {
		fmt.Fprintln(os.Stderr, "s3test server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func serveChild(dir string) error {
	s := newServer()
	if _, err := s.putDir(dir); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	h := s.handler()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == cpuPath {
			fmt.Fprint(w, CPUTime().Nanoseconds())
			return
		}
		h.ServeHTTP(w, r)
	})}
	go srv.Serve(ln)
	fmt.Printf("http://%s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// Process is an S3 server in a process of its own: its CPU time and
// memory are not the test's, as a real S3 endpoint's are not the
// client's. It cannot fail or stall objects, nor count requests.
type Process struct {
	URL string
}

// Spawn starts this test binary again as an S3 server holding dir's tree
// (as PutDir loads it), stopped when the test ends. The binary's TestMain
// must call ServeIfChild.
func Spawn(t testing.TB, dir string) *Process {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if !strings.HasPrefix(line, "http://") {
		t.Fatalf("s3test server process gave no URL (does TestMain call s3test.ServeIfChild?): %q, %v", line, err)
	}
	return &Process{URL: strings.TrimSpace(line)}
}

// CPU returns the CPU time (user and system) the server process has
// used so far; zero where the system does not say.
func (p *Process) CPU() (time.Duration, error) {
	resp, err := http.Get(p.URL + cpuPath)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	ns, err := strconv.ParseInt(string(b), 10, 64)
	return time.Duration(ns), err
}
