package enrich

import (
	"context"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFeed(t *testing.T) {
	tests := []struct {
		file             string
		entries, skipped int
		in, out          []string
	}{
		{"plain.txt", 3, 1, []string{"203.0.113.7", "198.51.100.77", "2001:db8::1"}, []string{"203.0.113.8"}},
		{"firehol_level1.netset", 4, 0, []string{"10.1.2.3", "192.0.2.9", "203.0.113.7"}, []string{"203.0.113.200"}},
		{"drop.txt", 2, 0, []string{"1.10.16.1", "203.0.113.200"}, []string{"1.10.32.0"}},
		{"iplist.csv", 2, 1, []string{"203.0.113.7", "192.0.2.10"}, []string{"192.0.2.11"}},
		{"noheader.csv", 2, 0, []string{"198.51.100.20", "198.51.100.21"}, []string{"198.51.100.22"}},
		{"ranges.ipset", 1, 0, []string{"192.0.2.100", "192.0.2.110"}, []string{"192.0.2.111"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := LoadFeed("x", filepath.Join("testdata", "feeds", tt.file), SeverityHigh)
			if err != nil {
				t.Fatal(err)
			}
			if f.Entries != tt.entries || f.Skipped != tt.skipped {
				t.Errorf("entries %d skipped %d, want %d %d", f.Entries, f.Skipped, tt.entries, tt.skipped)
			}
			for _, a := range tt.in {
				if !f.Contains(netip.MustParseAddr(a)) {
					t.Errorf("%s not matched", a)
				}
			}
			for _, a := range tt.out {
				if f.Contains(netip.MustParseAddr(a)) {
					t.Errorf("%s matched", a)
				}
			}
		})
	}
	if _, err := ParseFeed("empty", strings.NewReader("# only comments\n\n")); err == nil {
		t.Error("empty feed accepted")
	}
}

func TestFeedsMatch(t *testing.T) {
	fs, err := LoadFeeds([]FeedConfig{
		{Name: "drop", Path: "testdata/feeds/drop.txt", Severity: "high"},
		{Name: "level1", Path: "testdata/feeds/firehol_level1.netset"},
		{Name: "missing", Path: "testdata/feeds/nope.txt"},
	})
	if err == nil || !strings.Contains(err.Error(), `feed "missing"`) {
		t.Errorf("err = %v, want the missing feed named", err)
	}
	p := &Profile{Addr: netip.MustParseAddr("203.0.113.7")}
	fs.Apply([]*Profile{p})
	if len(p.Threat) != 2 || p.Threat[0].Provider != "feed:drop" || p.Threat[0].Severity != SeverityHigh || p.Threat[1].Severity != SeverityWarning {
		t.Errorf("verdicts %+v", p.Threat)
	}
}

func TestUpdateFeeds(t *testing.T) {
	good, _ := os.ReadFile("testdata/feeds/drop.txt")
	srv := newOnFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.Write([]byte("<html>not a list</html>"))
			return
		}
		w.Write(good)
	})
	dir := t.TempDir()
	old := []byte("192.0.2.1\n")
	os.WriteFile(filepath.Join(dir, "bad.txt"), old, 0o644)
	ups, err := UpdateFeeds(context.Background(), []FeedConfig{
		{Name: "drop", Path: filepath.Join(dir, "sub", "drop.txt"), URL: srv.URL + "/drop.txt?token=" + onSecret},
		{Name: "bad", Path: filepath.Join(dir, "bad.txt"), URL: srv.URL + "/bad"},
		{Name: "local", Path: "x"},
	}, nil)
	if len(ups) != 2 || ups[0].Err != nil || ups[0].Entries != 2 {
		t.Fatalf("updates %+v", ups)
	}
	if err == nil || ups[1].Err == nil {
		t.Error("a download that is not a feed was accepted")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "bad.txt")); string(b) != string(old) {
		t.Error("failed update replaced the old file")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "sub", "drop.txt")); string(b) != string(good) {
		t.Error("feed not written")
	}
	if strings.Contains(err.Error(), onSecret) {
		t.Error("error shows the URL's token")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

func FuzzParseFeed(f *testing.F) {
	for _, n := range []string{"plain.txt", "drop.txt", "iplist.csv", "ranges.ipset"} {
		b, _ := os.ReadFile(filepath.Join("testdata", "feeds", n))
		f.Add(string(b))
	}
	f.Add("a,b\n\"x")
	f.Fuzz(func(t *testing.T, s string) {
		fd, err := ParseFeed("fuzz", strings.NewReader(s))
		if err == nil && fd.Entries == 0 {
			t.Error("feed with no entries accepted")
		}
	})
}
