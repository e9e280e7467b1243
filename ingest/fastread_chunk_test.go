package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"sync/atomic"
	"testing"
	"time"
)

// TestChunkedReadMatchesWhole splits large files between workers and checks
// that every event, line number and problem comes out as from one reader.
func TestChunkedReadMatchesWhole(t *testing.T) {
	dir := t.TempDir()
	var s3, dump bytes.Buffer
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; s3.Len() < 3*minChunk; i++ {
		ts := t0.Add(time.Duration(i) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
		fmt.Fprintf(&s3, `owner honey [%s] 192.0.2.%d - REQ%d REST.HEAD.BUCKET - "HEAD /honey HTTP/1.1" 200 - - - 10 - "-" "ua-%d" - hostid SigV4 - - honey.s3.amazonaws.com TLSv1.2 - -`+"\n", ts, i%250, i, i%7)
		if i%100000 == 5 {
			s3.WriteString("a broken line\n")
		}
	}
	fmt.Fprintf(&dump, "BreachInsider\nHoney Buckets\n\n")
	for i := 90000; dump.Len() < 3*minChunk; i-- {
		ts := t0.Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
		fmt.Fprintf(&dump, "Alert #%d – %s\nEvent ID: e-%d\nEvent DateTime\n%s\nAlarm DateTime\n%s\nSource IP\n198.51.100.%d\nRequest User Agent\nGo-http-client/1.1\nRepeated Attempts\n1\nAWS Request Details\nEvent Type\nAwsApiCall\nEvent Name\nHeadBucket\nRequest ID\nR%d\n", i, ts, i, ts, ts, i%200, i)
	}
	for name, data := range map[string][]byte{"s3.log": s3.Bytes(), "dump.txt": dump.Bytes()} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if chunks := planChunks(path, FormatAuto, 3); len(chunks) != 3 {
				t.Fatalf("planned %d chunks, want 3", len(chunks))
			}
			read := func(workers int) ([]Event, *Stats) {
				var per = make([][]Event, workers)
				var counted atomic.Int64
				st := ReadInputs(context.Background(), []Input{{Name: name, Path: path}}, ReadOptions{Workers: workers, EventsRead: &counted}, func(w int, ev *Event) {
					per[w] = append(per[w], *ev)
				})
				if counted.Load() != st[0].Events {
					t.Errorf("%d workers: EventsRead counted %d of %d events", workers, counted.Load(), st[0].Events)
				}
				var all []Event
				for _, p := range per {
					all = append(all, p...)
				}
				sort.Slice(all, func(i, j int) bool { return all[i].Pos.Line < all[j].Pos.Line })
				return all, st[0]
			}
			whole, ws := read(1)
			split, ss := read(3)
			if len(whole) == 0 || !reflect.DeepEqual(whole, split) {
				t.Errorf("split read gave %d events, whole %d, or different events", len(split), len(whole))
			}
			if ws.Events != ss.Events || ws.Skipped != ss.Skipped || ws.SHA256 != ss.SHA256 || ws.Bytes != ss.Bytes || !reflect.DeepEqual(ws.Errors, ss.Errors) {
				t.Errorf("stats differ:\nwhole %+v\nsplit %+v", ws, ss)
			}
		})
	}
}
