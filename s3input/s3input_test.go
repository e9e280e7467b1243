package s3input

import (
	"context"
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/s3input/s3test"
)

var treeStart = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// The trees are generated once per test binary: 60 days, two accounts,
// two regions.
var (
	treesDir string
	trees    = sync.OnceValues(func() (string, error) {
		dir, err := os.MkdirTemp("", "s3input-trees-")
		if err != nil {
			return "", err
		}
		treesDir = dir
		return dir, s3test.WriteTrees(dir, s3test.TreeConfig{Start: treeStart, Days: 60, Events: 2000, Seed: 7})
	})
)

func TestMain(m *testing.M) {
	s3test.ServeIfChild()
	code := m.Run()
	if treesDir != "" {
		os.RemoveAll(treesDir)
	}
	os.Exit(code)
}

func newTestClient(t *testing.T, srv *s3test.Server) *Client {
	t.Helper()
	s3test.SetEnv(t)
	c, err := New(context.Background(), Options{Endpoint: srv.URL, Concurrency: 4, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func treeServer(t *testing.T) (*s3test.Server, string) {
	t.Helper()
	dir, err := trees()
	if err != nil {
		t.Fatal(err)
	}
	srv := s3test.NewServer(t)
	srv.PutDir(t, dir)
	return srv, dir
}

// smallTrail serves two days of trees and returns the trail bucket's
// keys, at least four.
func smallTrail(t *testing.T) (*s3test.Server, []string) {
	t.Helper()
	srv := s3test.NewServer(t)
	dir := t.TempDir()
	if err := s3test.WriteTrees(dir, s3test.TreeConfig{Start: treeStart, Days: 2, Events: 40, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	srv.PutDir(t, dir)
	keys := localKeys(t, dir, s3test.TrailBucket, "")
	if len(keys) < 4 {
		t.Fatalf("only %d objects", len(keys))
	}
	return srv, keys
}

// localKeys lists the keys of a bucket's tree on disk under prefix.
func localKeys(t *testing.T, dir, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	root := filepath.Join(dir, bucket)
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			if k := filepath.ToSlash(rel); strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		return nil
	})
	slices.Sort(keys)
	return keys
}

func TestListPruned(t *testing.T) {
	srv, dir := treeServer(t)
	c := newTestClient(t, srv)
	week := Span{Since: treeStart.AddDate(0, 0, 50), Until: treeStart.AddDate(0, 0, 57)}
	// The days listed: the one before the week (early margin), the week,
	// the one after (late margin).
	var days []string
	for d := week.Since.AddDate(0, 0, -1); !d.After(week.Until); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format("2006/01/02/"))
	}
	trailDirs := func() (dirs []string) {
		for i, acct := range s3test.Accounts {
			org := ""
			if i == 0 {
				org = s3test.OrgPrefix
			}
			for _, region := range s3test.Regions {
				dirs = append(dirs, "AWSLogs/"+org+acct+"/CloudTrail/"+region+"/")
			}
		}
		return dirs
	}()
	partDirs := func() (dirs []string) {
		for _, acct := range s3test.Accounts {
			for _, region := range s3test.Regions {
				dirs = append(dirs, "partitioned/"+acct+"/"+region+"/"+s3test.HoneyBucket+"/")
			}
		}
		return dirs
	}()
	walked := func(bucket string, folders []string) []string {
		var reqs []string
		for _, f := range folders {
			reqs = append(reqs, "GET "+bucket+"?prefix="+f+"&delimiter=/")
		}
		return reqs
	}
	dayLists := func(bucket string, dirs []string) []string {
		var reqs []string
		for _, d := range dirs {
			for _, day := range days {
				reqs = append(reqs, "GET "+bucket+"?prefix="+d+day)
			}
		}
		return reqs
	}
	a0, a1 := s3test.Accounts[0], s3test.Accounts[1]
	tests := []struct {
		name, bucket, prefix string
		lists                []string
	}{
		{
			name: "cloudtrail", bucket: s3test.TrailBucket, prefix: "AWSLogs/",
			lists: slices.Concat(
				walked(s3test.TrailBucket, []string{"AWSLogs/", "AWSLogs/" + s3test.OrgPrefix, "AWSLogs/" + s3test.OrgPrefix + a0 + "/",
					"AWSLogs/" + s3test.OrgPrefix + a0 + "/CloudTrail/", "AWSLogs/" + a1 + "/", "AWSLogs/" + a1 + "/CloudTrail/"}),
				walked(s3test.TrailBucket, trailDirs),
				dayLists(s3test.TrailBucket, trailDirs)),
		},
		{
			// The first page lists from the oldest key; the listing then
			// skips to the window's start and stops after its end.
			name: "access logs", bucket: s3test.LogBucket, prefix: "access/",
			lists: []string{"GET logs?prefix=access/&delimiter=/",
				"GET logs?prefix=access/&delimiter=/&start-after=access/" + week.Since.Add(-earlyMargin).Format("2006-01-02-15-04-05")},
		},
		{
			name: "partitioned access logs", bucket: s3test.LogBucket, prefix: "partitioned/",
			lists: slices.Concat(
				walked(s3test.LogBucket, []string{"partitioned/", "partitioned/" + a0 + "/", "partitioned/" + a1 + "/"}),
				walked(s3test.LogBucket, []string{"partitioned/" + a0 + "/" + s3test.Regions[0] + "/", "partitioned/" + a0 + "/" + s3test.Regions[1] + "/",
					"partitioned/" + a1 + "/" + s3test.Regions[0] + "/", "partitioned/" + a1 + "/" + s3test.Regions[1] + "/"}),
				walked(s3test.LogBucket, partDirs),
				dayLists(s3test.LogBucket, partDirs)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Reset()
			objs, err := c.List(context.Background(), "s3://"+tt.bucket+"/"+tt.prefix, week)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range srv.Requests() {
				if r.Method != "HEAD" {
					got = append(got, r.String())
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.lists)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("requests:\n got %d %q\nwant %d %q", len(got), got, len(want), want)
			}
			// What was listed is exactly the tree's objects dated in the
			// week with its margins, worked out here from the key names
			// alone.
			var wantKeys []string
			all := localKeys(t, dir, tt.bucket, tt.prefix)
			for _, k := range all {
				at, late, ok := keyTime(path.Base(k))
				if !ok {
					t.Fatalf("%s: no time in the key", k)
				}
				if !at.Before(week.Since.Add(-time.Hour)) && at.Before(week.Until.Add(late)) {
					wantKeys = append(wantKeys, k)
				}
			}
			var gotKeys []string
			for _, o := range objs {
				gotKeys = append(gotKeys, o.Key)
			}
			if !slices.Equal(gotKeys, wantKeys) {
				t.Errorf("listed %d objects, want %d of %d", len(gotKeys), len(wantKeys), len(all))
			}
			if len(wantKeys) == 0 || len(wantKeys)*3 > len(all) {
				t.Errorf("%d of %d objects in the week: the tree does not test pruning", len(wantKeys), len(all))
			}
		})
	}
}

func TestListUnbounded(t *testing.T) {
	srv, dir := treeServer(t)
	c := newTestClient(t, srv)
	objs, err := c.List(context.Background(), "s3://"+s3test.TrailBucket, Span{})
	if err != nil {
		t.Fatal(err)
	}
	want := localKeys(t, dir, s3test.TrailBucket, "")
	if len(objs) != len(want) {
		t.Fatalf("listed %d objects, want %d", len(objs), len(want))
	}
	for _, o := range objs {
		if o.Size <= 0 {
			t.Fatalf("%s: size %d", o.Key, o.Size)
		}
	}
	lists := 0
	for _, r := range srv.Requests() {
		if r.Method == "GET" && r.Key == "" {
			lists++
		}
	}
	if wantLists := (len(want) + 999) / 1000; lists != wantLists {
		t.Errorf("%d list requests, want %d (pages of 1000)", lists, wantLists)
	}
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, bucket, prefix string
		err                bool
	}{
		{in: "s3://trail/AWSLogs/", bucket: "trail", prefix: "AWSLogs/"},
		{in: "s3://trail", bucket: "trail"},
		{in: "s3://logs/access-", bucket: "logs", prefix: "access-"},
		{in: "s3:///x", err: true},
		{in: "logs/x", err: true},
	}
	for _, tt := range tests {
		b, p, err := ParseURL(tt.in)
		if (err != nil) != tt.err || b != tt.bucket || p != tt.prefix {
			t.Errorf("ParseURL(%q) = %q, %q, %v", tt.in, b, p, err)
		}
	}
}

// TestReadFailures reads a few good objects and one of each failure
// through ingest.ReadInputs with read-ahead: each failure is a Stats
// error naming s3://bucket/key, the 503 is retried, and the others are
// read in full.
func TestReadFailures(t *testing.T) {
	srv, keys := smallTrail(t)
	denied, cut, slow := keys[0], keys[1], keys[2]
	srv.Truncate(t, s3test.TrailBucket, cut)
	srv.Fail(s3test.TrailBucket, denied, 403, 403, 403, 403)
	srv.Fail(s3test.TrailBucket, slow, 503)
	c := newTestClient(t, srv)
	objs, err := c.List(context.Background(), "s3://"+s3test.TrailBucket+"/", Span{})
	if err != nil {
		t.Fatal(err)
	}
	ins, done := c.ReadAhead(context.Background(), c.Inputs(context.Background(), objs))
	var mu sync.Mutex
	events := 0
	stats := ingest.ReadInputs(context.Background(), ins, ingest.ReadOptions{Workers: 2}, func(int, *ingest.Event) {
		mu.Lock()
		events++
		mu.Unlock()
	})
	done()
	if events == 0 {
		t.Fatal("no events")
	}
	for _, st := range stats {
		name := strings.TrimPrefix(st.File, "s3://"+s3test.TrailBucket+"/")
		switch name {
		case denied:
			if st.Err == nil || !strings.Contains(st.Err.Error(), "get "+st.File+": AccessDenied") {
				t.Errorf("403: err %v", st.Err)
			}
		case cut:
			if st.Err == nil || !errors.Is(st.Err, io.ErrUnexpectedEOF) {
				t.Errorf("truncated gzip: err %v", st.Err)
			}
		default:
			if st.Err != nil || st.Events == 0 {
				t.Errorf("%s: %d events, err %v", st.File, st.Events, st.Err)
			}
		}
	}
	gets := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Method == "GET" && r.Key != "" {
			gets[r.Key]++
		}
	}
	if gets[slow] != 2 {
		t.Errorf("503 then 200: %d requests, want 2", gets[slow])
	}
	if gets[denied] != 1 {
		t.Errorf("403: %d requests, want 1 (not retried)", gets[denied])
	}
	for _, k := range keys[3:] {
		if gets[k] != 1 {
			t.Errorf("%s: %d requests, want 1", k, gets[k])
		}
	}
}

// TestReadInterrupted: cancelling the context stops a run whose objects
// hang on the server at once, every unread object marked as interrupted,
// and ends every request.
func TestReadInterrupted(t *testing.T) {
	srv := s3test.NewServer(t)
	keys := []string{"a.json", "b.json", "c.json", "d.json"}
	for _, k := range keys {
		srv.Put(t, "b", k, []byte(`{"Records":[]}`))
		srv.Stall("b", k)
	}
	c := newTestClient(t, srv)
	objs, err := c.List(context.Background(), "s3://b/", Span{})
	if err != nil || len(objs) != len(keys) {
		t.Fatalf("listed %d objects, err %v", len(objs), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	ins, done := c.ReadAhead(ctx, c.Inputs(ctx, objs))
	stats := ingest.ReadInputs(ctx, ins, ingest.ReadOptions{Workers: 2}, func(int, *ingest.Event) {})
	done()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopped after %v", d)
	}
	for _, st := range stats {
		if !errors.Is(st.Err, context.Canceled) {
			t.Errorf("%s: err %v, want an interruption", st.File, st.Err)
		}
	}
}
