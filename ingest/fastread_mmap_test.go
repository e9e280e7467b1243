package ingest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// decodeMapped reads b as newMappedReader does a chunk of a mapped file,
// returning the events, the stats and the bytes counted as progress.
func decodeMapped(b []byte, format Format) ([]Event, *Stats, int64) {
	var progress atomic.Int64
	r := newMappedReader(context.Background(), b, false, "in", format, &progress)
	var evs []Event
	for r.Scan() {
		evs = append(evs, *r.Event())
	}
	r.Close()
	return evs, r.Stats(), progress.Load()
}

// checkMappedMatchesStream fails when decoding b in place gives anything
// other than decoding it as a stream.
func checkMappedMatchesStream(t testing.TB, b []byte, format Format) {
	t.Helper()
	want, wst := readFormat(t, b, "in", format)
	got, gst, progress := decodeMapped(b, format)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("in place: %d events, as a stream: %d, or different events", len(got), len(want))
	}
	if gst.Events != wst.Events || gst.Skipped != wst.Skipped || gst.Filtered != wst.Filtered ||
		!reflect.DeepEqual(gst.Errors, wst.Errors) || !reflect.DeepEqual(gst.Reasons, wst.Reasons) || (gst.Err == nil) != (wst.Err == nil) {
		t.Fatalf("stats differ:\nin place %+v\nstream   %+v", gst, wst)
	}
	if progress != int64(len(b)) {
		t.Fatalf("progress counted %d bytes of %d", progress, len(b))
	}
}

// TestMappedMatchesStream decodes every dump and S3 access log fixture,
// and lines at the length limits, both ways.
func TestMappedMatchesStream(t *testing.T) {
	type input struct {
		name   string
		data   []byte
		format Format
	}
	var inputs []input
	for _, g := range []struct {
		glob   string
		format Format
	}{{"testdata/breachinsider/*.txt", FormatBreachInsider}, {"testdata/s3access/*.log", FormatS3Access}} {
		files, _ := filepath.Glob(g.glob)
		if len(files) == 0 {
			t.Fatalf("no fixtures match %s", g.glob)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, input{f, b, g.format})
		}
	}
	s3Line := `owner honey [06/Feb/2022:00:00:38 +0000] 192.0.2.1 - REQ REST.HEAD.BUCKET - "HEAD /honey HTTP/1.1" 200 - - - 10 - "-" "`
	for _, n := range []int{maxRecord - 1, maxRecord, maxRecord + 1} {
		line := s3Line + strings.Repeat("u", n-len(s3Line)-1) + `"`
		good := s3Line + `ua" -` + "\n"
		inputs = append(inputs,
			input{"s3 line of " + strconv.Itoa(n), []byte(good + line + "\n" + good), FormatS3Access},
			input{"s3 last line of " + strconv.Itoa(n), []byte(good + line), FormatS3Access})
	}
	alert := "Alert #1 – x\nEvent ID: e\nEvent DateTime\n2022-02-06T00:00:38Z\nSource IP\n192.0.2.1\nRequest User Agent\n"
	for _, n := range []int{maxLineBytes - 1, maxLineBytes, maxLineBytes + 1} {
		ua := strings.Repeat("u", n)
		inputs = append(inputs,
			input{"dump line of " + strconv.Itoa(n), []byte(alert + ua + "\n" + alert), FormatBreachInsider},
			input{"dump last line of " + strconv.Itoa(n), []byte(alert + ua), FormatBreachInsider})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) { checkMappedMatchesStream(t, in.data, in.format) })
	}
}

// FuzzMappedMatchesStream checks that decoding in place, as for a mapped
// file, and as a stream agree on any input.
func FuzzMappedMatchesStream(f *testing.F) {
	for _, glob := range []string{"testdata/breachinsider/*.txt", "testdata/s3access/*.log"} {
		files, _ := filepath.Glob(glob)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b, strings.HasSuffix(file, ".log"))
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, s3 bool) {
		// Mapped files are never empty or compressed (those are read as
		// streams).
		if len(b) == 0 || bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			return
		}
		format := FormatBreachInsider
		if s3 {
			format = FormatS3Access
		}
		checkMappedMatchesStream(t, b, format)
	})
}

// TestMappedFileShrinks truncates a file while it is mapped: reading the
// lost pages must end the input with an error, not the program.
func TestMappedFileShrinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dump.txt")
	alert := "Alert #1 – x\nEvent ID: e\nEvent DateTime\n2022-02-06T00:00:38Z\nSource IP\n192.0.2.1\n"
	if err := os.WriteFile(path, bytes.Repeat([]byte(alert), 1<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	data := mapInput(path)
	if data == nil {
		t.Skip("files cannot be mapped here")
	}
	defer unmapFile(data)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	r := newMappedReader(context.Background(), data, true, "dump.txt", FormatBreachInsider, nil)
	n := 0
	for r.Scan() {
		n++
	}
	if !errors.Is(r.Stats().Err, errFileChanged) || n != 0 {
		t.Fatalf("read %d events, err %v; want none and errFileChanged", n, r.Stats().Err)
	}
	if r.Scan() {
		t.Fatal("Scan after a fault returned an event")
	}
	if sum := <-hashBytes(t.Context(), data); sum != "" {
		t.Fatalf("checksum of a shrunk file: %q, want none", sum)
	}
}

// TestMappedReaderStops: decoding in memory never waits on a read, so it
// looks at its context every readStep instead: a cancelled one stops a
// chunk of lines that are all skipped (no event to return between) within
// a step, where it used to run to the chunk's end.
func TestMappedReaderStops(t *testing.T) {
	junk := bytes.Repeat([]byte("not a log line at all\n"), 3*readStep/22)
	for _, format := range []Format{FormatS3Access, FormatBreachInsider} {
		t.Run(string(format), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			var progress atomic.Int64
			r := newMappedReader(ctx, junk, false, "in", format, &progress)
			if r.Scan() {
				t.Fatal("an event from junk")
			}
			if !errors.Is(r.Stats().Err, context.Canceled) || progress.Load() >= readStep {
				t.Errorf("err %v after %d of %d bytes", r.Stats().Err, progress.Load(), len(junk))
			}

			progress.Store(0)
			r = newMappedReader(t.Context(), junk, false, "in", format, &progress)
			for r.Scan() {
			}
			if r.Stats().Err != nil || progress.Load() != int64(len(junk)) {
				t.Errorf("not cancelled: err %v after %d of %d bytes", r.Stats().Err, progress.Load(), len(junk))
			}
		})
	}
}
