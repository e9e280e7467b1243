package synth_test

import (
	"bytes"
	"io/fs"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/synth"
)

// parsed is what ingest found in one generated log.
type parsed struct {
	events, weight, filtered, skipped int64
	ops, errors                       map[string]int64
	ips                               map[netip.Addr]bool
	first, last                       time.Time
}

func (p *parsed) read(t *testing.T, name string, data []byte, want ingest.Format) {
	t.Helper()
	r, err := ingest.NewReader(bytes.NewReader(data), name, ingest.FormatAuto)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if r.Stats().Format != want {
		t.Fatalf("%s: detected as %q, want %q", name, r.Stats().Format, want)
	}
	for r.Scan() {
		ev := r.Event()
		p.events++
		p.weight += int64(ev.Weight)
		p.ops[string(ev.Op)]++
		if ev.ErrorCode != "" {
			p.errors[ev.ErrorCode]++
		}
		if !ev.Source.IsValid() {
			t.Fatalf("%s: event without a source IP: %+v", ev.Pos, ev)
		}
		p.ips[ev.Source] = true
		if p.first.IsZero() || ev.Time.Before(p.first) {
			p.first = ev.Time
		}
		if ev.Time.After(p.last) {
			p.last = ev.Time
		}
	}
	st := r.Stats()
	if st.Err != nil {
		t.Errorf("%s: %v", name, st.Err)
	}
	for _, e := range st.Errors {
		if e.Reason == "page footer" {
			continue // the dump's page text after the last alert, reported as unused
		}
		t.Errorf("%s: skipped: %v", name, e)
	}
	p.filtered += st.Filtered
	p.skipped += st.Skipped
}

// TestRoundTrip generates 2000 events in every format, parses each with
// ingest, and checks that every parser finds what the generator wrote.
func TestRoundTrip(t *testing.T) {
	g, err := synth.New(synth.Config{Events: 2000, IPs: 400, Seed: 99})
	if err != nil {
		t.Fatal(err)
	}
	exp := g.Expected()

	var bi, csv, s3 bytes.Buffer
	if err := synth.WriteBreachInsider(&bi, g.Descending()); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteBreachCSV(&csv, g.Descending()); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteS3Access(&s3, g.Ascending(), g.OwnerID()); err != nil {
		t.Fatal(err)
	}
	ctDir := t.TempDir()
	if _, err := synth.WriteCloudTrailTree(ctDir, g.Ascending()); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		read     func(t *testing.T, p *parsed)
		weight   int64 // sum of event weights
		errors   bool  // the format carries error codes
		filtered int64
	}{
		{"breachinsider", func(t *testing.T, p *parsed) {
			p.read(t, "breachinsider.txt", bi.Bytes(), ingest.FormatBreachInsider)
		}, exp.Attempts, true, 0},
		{"csv", func(t *testing.T, p *parsed) {
			p.read(t, "breachinsider.csv", csv.Bytes(), ingest.FormatBreachCSV)
		}, exp.Attempts, false, 0},
		{"s3access", func(t *testing.T, p *parsed) {
			p.read(t, "s3access.log", s3.Bytes(), ingest.FormatS3Access)
		}, exp.Events, true, 0},
		{"cloudtrail", func(t *testing.T, p *parsed) {
			err := filepath.WalkDir(ctDir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				p.read(t, path, data, ingest.FormatCloudTrail)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}, exp.Events, true, exp.CloudTrailNonS3},
	}
	// ListObjectsV2 calls are one operation for the generator; ingest may
	// name them ListObjects or ListObjectsV2, but must name them the same
	// way in every format, or one bucket's traffic reports differently
	// depending on which log the analyst had.
	opsByFormat := map[string]map[string]int64{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &parsed{ops: map[string]int64{}, errors: map[string]int64{}, ips: map[netip.Addr]bool{}}
			tt.read(t, p)
			if p.events != exp.Events || p.weight != tt.weight {
				t.Errorf("%d events weighing %d, want %d weighing %d", p.events, p.weight, exp.Events, tt.weight)
			}
			if len(p.ips) != exp.UniqueIPs {
				t.Errorf("%d unique IPs, want %d", len(p.ips), exp.UniqueIPs)
			}
			opsByFormat[tt.name] = p.ops
			folded := maps.Clone(p.ops)
			folded[synth.OpListObjects] += folded["ListObjectsV2"]
			delete(folded, "ListObjectsV2")
			for op, n := range exp.Ops {
				if folded[op] != n {
					t.Errorf("%s: %d events, want %d (all ops: %v)", op, folded[op], n, p.ops)
				}
			}
			if tt.errors {
				for code, n := range exp.Errors {
					if p.errors[code] != n {
						t.Errorf("error %s: %d events, want %d", code, p.errors[code], n)
					}
				}
			}
			if p.filtered != tt.filtered || p.skipped != 0 {
				t.Errorf("filtered %d, skipped %d; want %d, 0", p.filtered, p.skipped, tt.filtered)
			}
			if !p.first.Equal(exp.First) || !p.last.Equal(exp.Last) {
				t.Errorf("events from %s to %s, want %s to %s", p.first, p.last, exp.First, exp.Last)
			}
		})
	}

	var first string
	for _, tt := range tests {
		ops, ok := opsByFormat[tt.name]
		if !ok {
			continue
		}
		if first == "" {
			first = tt.name
			continue
		}
		if !maps.Equal(ops, opsByFormat[first]) {
			t.Errorf("the same events give different operations: %s %v, %s %v", first, opsByFormat[first], tt.name, ops)
		}
	}
}
