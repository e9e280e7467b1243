package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		done, total, events int64
		elapsed             time.Duration
		want                string
	}{
		{12 << 20, 48 << 20, 120000, 400 * time.Millisecond, "reading 12.0 MiB / 48.0 MiB (25%), 30.0 MiB/s, 120.0k events (300.0k/s), 1s left"},
		{0, 0, 0, 0, "reading 0 B, 0 B/s"},
		{5 << 30, 0, 2500000, 10 * time.Second, "reading 5.0 GiB, 512.0 MiB/s, 2.5M events (250.0k/s)"},
		{48 << 20, 48 << 20, 999, time.Second, "reading 48.0 MiB / 48.0 MiB (100%), 48.0 MiB/s, 999 events (999/s)"},
	}
	for _, tt := range tests {
		if got := progressLine("reading", tt.done, tt.total, tt.events, tt.elapsed); got != tt.want {
			t.Errorf("progressLine(%d, %d, %d, %v) =\n%q, want\n%q", tt.done, tt.total, tt.events, tt.elapsed, got, tt.want)
		}
	}
}

// TestPrintDiagnosticsNamesTheFile: every error line starts with the
// input's name, once.
func TestPrintDiagnosticsNamesTheFile(t *testing.T) {
	var b strings.Builder
	printDiagnostics(&b, []*ingest.Stats{
		{File: "a.txt", Err: errors.New("read: unexpected EOF (truncated input?)")},
		{File: "b.json", Err: errors.New("b.json:4: invalid JSON")},
	})
	want := "a.txt: read: unexpected EOF (truncated input?)\nb.json:4: invalid JSON\n"
	if b.String() != want {
		t.Errorf("printDiagnostics wrote\n%q, want\n%q", b.String(), want)
	}
}
