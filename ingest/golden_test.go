package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// readAll reads every event of the named testdata file with the given format
// (FormatAuto sniffs), returning the events and the input's stats.
func readAll(t testing.TB, path string, format Format) ([]Event, *Stats) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return readFormat(t, b, filepath.ToSlash(path), format)
}

// readFormat reads every event of b, named name, in the given format.
func readFormat(t testing.TB, b []byte, name string, format Format) ([]Event, *Stats) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), name, format)
	if err != nil {
		t.Fatal(err)
	}
	var evs []Event
	for r.Scan() {
		evs = append(evs, *r.Event())
	}
	return evs, r.Stats()
}

// benchDecode reads in with the given format once per iteration and
// reports MB/s, events/s, ns/event and allocations. want is the number of
// events plus filtered records the input holds; anything skipped fails.
func benchDecode(b *testing.B, in []byte, format Format, want int64) {
	benchRead(b, in, want, func() *Reader {
		r, err := NewReader(bytes.NewReader(in), "bench", format)
		if err != nil {
			b.Fatal(err)
		}
		return r
	})
}

// benchRead times reading all of in with the Readers open returns, which
// must find want events (kept or filtered) and nothing wrong.
func benchRead(b *testing.B, in []byte, want int64, open func() *Reader) {
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	var events int64
	for b.Loop() {
		r := open()
		for r.Scan() {
		}
		st := r.Stats()
		if st.Err != nil || st.Skipped != 0 || st.Events+st.Filtered != want {
			b.Fatalf("%d events, %d filtered, %d skipped, err %v; want %d", st.Events, st.Filtered, st.Skipped, st.Err, want)
		}
		events += st.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(events), "ns/event")
}

// eventsGolden renders events one JSON object per line, and the stats'
// errors one per line, for golden comparison.
func eventsGolden(evs []Event, st *Stats) (events, diagnostics []byte) {
	var eb bytes.Buffer
	enc := json.NewEncoder(&eb)
	enc.SetEscapeHTML(false)
	for _, ev := range evs {
		enc.Encode(ev)
	}
	var db bytes.Buffer
	fmt.Fprintf(&db, "format=%s events=%d skipped=%d filtered=%d\n", st.Format, st.Events, st.Skipped, st.Filtered)
	for _, rc := range st.SortedReasons() {
		fmt.Fprintf(&db, "reason %q: %d\n", rc.Reason, rc.Count)
	}
	for _, e := range st.Errors {
		fmt.Fprintln(&db, e.Error())
	}
	if st.Err != nil {
		fmt.Fprintln(&db, "error:", st.Err)
	}
	return eb.Bytes(), db.Bytes()
}
