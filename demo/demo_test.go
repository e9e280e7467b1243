package demo

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/synth"
)

// TestSampleUpToDate fails when the generator changed but the embedded
// sample was not regenerated (go generate ./demo).
func TestSampleUpToDate(t *testing.T) {
	_, r := Sample()
	zr, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	g, err := synth.New(synth.DemoConfig())
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := synth.WriteBreachInsider(&want, g.Descending()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("embedded sample differs from what synth.DemoConfig generates: run go generate ./demo")
	}
}

// TestSampleParses reads the sample the way `honeyreport demo` does.
func TestSampleParses(t *testing.T) {
	g, err := synth.New(synth.DemoConfig())
	if err != nil {
		t.Fatal(err)
	}
	exp := g.Expected()
	name, data := Sample()
	r, err := ingest.NewReader(data, name, ingest.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	var events, weight int64
	for r.Scan() {
		events++
		weight += int64(r.Event().Weight)
	}
	st := r.Stats()
	if st.Err != nil || st.Skipped != 0 || r.Stats().Format != ingest.FormatBreachInsider {
		t.Fatalf("format %s, skipped %d, err %v", r.Stats().Format, st.Skipped, st.Err)
	}
	if events != exp.Events || weight != exp.Attempts {
		t.Errorf("%d alerts, %d attempts; want %d, %d", events, weight, exp.Events, exp.Attempts)
	}
	// Two calls must not share a reader.
	_, a := Sample()
	_, b := Sample()
	io.ReadAll(a)
	if n, _ := io.Copy(io.Discard, b); n != int64(len(sample)) {
		t.Errorf("second reader gave %d bytes, want %d", n, len(sample))
	}
}
