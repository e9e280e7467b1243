package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	var stderr bytes.Buffer
	if err := run([]string{"-events", "3000", "-ips", "150", "-seed", "4", "-out", dir}, &stderr); err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	for _, name := range []string{"breachinsider.txt", "breachinsider.csv", "s3access.log", "expected.json"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
	var gz int
	filepath.WalkDir(filepath.Join(dir, "cloudtrail", "AWSLogs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".json.gz") {
			gz++
		}
		return nil
	})
	if gz < 3 {
		t.Errorf("%d CloudTrail files, want at least 3", gz)
	}
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Events    int `json:"events"`
		UniqueIPs int `json:"unique_ips"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	if exp.Events != 3000 || exp.UniqueIPs != 150 {
		t.Errorf("expected.json: %s", b)
	}
	lines := strings.Count(string(mustRead(t, filepath.Join(dir, "s3access.log"))), "\n")
	if lines != 3000 {
		t.Errorf("s3access.log has %d lines, want 3000", lines)
	}
}

func TestRunFormats(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-events", "100", "-out", dir, "-formats", "csv"}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "breachinsider.csv expected.json" {
		t.Errorf("wrote %s, want breachinsider.csv expected.json", got)
	}
}

func TestRunDemo(t *testing.T) {
	dir := t.TempDir()
	if err := run([]string{"-demo", "-out", dir}, new(bytes.Buffer)); err != nil {
		t.Fatal(err)
	}
	got := mustRead(t, filepath.Join(dir, DemoFile))
	want := mustRead(t, filepath.Join("..", "..", "demo", DemoFile))
	if !bytes.Equal(got, want) {
		t.Error("-demo output differs from demo/" + DemoFile + ": run go generate ./demo")
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no out", []string{"-events", "10"}},
		{"bad format", []string{"-out", "x", "-formats", "json"}},
		{"bad start", []string{"-out", "x", "-start", "yesterday"}},
		{"end before start", []string{"-out", "x", "-start", "2024-02-01", "-end", "2024-01-01"}},
		{"extra args", []string{"-out", "x", "y"}},
		{"unknown flag", []string{"-nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(tt.args, new(bytes.Buffer))
			if _, ok := err.(usageError); !ok {
				t.Errorf("run(%q) = %v, want a usage error", tt.args, err)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
