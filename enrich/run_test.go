package enrich

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
)

// askedSource answers every address with a warning and remembers what it
// was asked.
type askedSource struct {
	mu    sync.Mutex
	asked []netip.Addr
}

func (s *askedSource) Name() string { return "fake" }

func (s *askedSource) Lookup(_ context.Context, addr netip.Addr) (Finding, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, addr)
	return Finding{Found: true, Verdict: &Verdict{Provider: "fake", Severity: SeverityWarning}}, nil
}

// TestRun: one call runs the offline data, the online sources (public
// addresses only) and the feeds; an interrupt stops only the online part;
// OfflineOnly addresses get the offline data alone.
func TestRun(t *testing.T) {
	listed := netip.MustParseAddr("1.10.16.1") // in testdata/feeds/drop.txt
	private := netip.MustParseAddr("10.0.0.1")
	earlier := netip.MustParseAddr("1.10.16.2") // listed too, but OfflineOnly
	tests := []struct {
		name        string
		cancel      bool
		asked       int
		threat      []string // providers of listed's verdicts
		interrupted bool
	}{
		{name: "complete", asked: 1, threat: []string{"fake", "feed:drop"}},
		{name: "interrupted", cancel: true, asked: 0, threat: []string{"feed:drop"}, interrupted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				cancel()
			}
			src := &askedSource{}
			en := Run(ctx, []netip.Addr{listed, private}, Plan{
				Offline:     NewOffline(testEmbedded(t)),
				OfflineOnly: []netip.Addr{earlier, listed},
				Online:      []Online{{Source: src, Limits: onFastLimits()}},
				ThreatIntel: []string{"fake"},
				Feeds: []FeedConfig{
					{Name: "drop", Path: "testdata/feeds/drop.txt", Severity: "high"},
					{Name: "missing", Path: "testdata/feeds/nope.txt"},
				},
			})
			if len(src.asked) != tt.asked || (tt.asked > 0 && src.asked[0] != listed) {
				t.Errorf("online source asked %v, want only the public address", src.asked)
			}
			priv, ok := en.Profiles.Lookup(private)
			if en.Profiles.Len() != 3 || !ok || priv.Class != ClassPrivate {
				t.Fatalf("%d profiles, private %+v, want both addresses looked up offline", en.Profiles.Len(), priv)
			}
			if old, ok := en.Profiles.Lookup(earlier); !ok || old.Class != ClassPublic || len(old.Threat) != 0 {
				t.Errorf("OfflineOnly profile %+v (found %v), want the offline data alone", old, ok)
			}
			pub, _ := en.Profiles.Lookup(listed)
			var got []string
			for _, v := range pub.Threat {
				got = append(got, v.Provider)
			}
			if !slices.Equal(got, tt.threat) {
				t.Errorf("verdicts from %v, want %v", got, tt.threat)
			}
			if want := []string{"fake", "feed:drop"}; !slices.Equal(en.ThreatIntel, want) {
				t.Errorf("ThreatIntel = %v, want %v", en.ThreatIntel, want)
			}
			if len(en.Statuses) != 2 || en.Statuses[0].Source != "fake" || en.Statuses[0].Interrupted != tt.interrupted {
				t.Fatalf("statuses %+v, want the online source's then the feed's", en.Statuses)
			}
			if feed := en.Statuses[1]; feed.Source != "feed:drop" || feed.Queried != 2 || feed.Succeeded != 2 {
				t.Errorf("feed status %+v", feed)
			}
			if en.FeedErr == nil || !strings.Contains(en.FeedErr.Error(), `feed "missing"`) {
				t.Errorf("FeedErr = %v, want the missing feed named", en.FeedErr)
			}
			if len(en.Sources) == 0 {
				t.Error("no offline sources listed")
			}
		})
	}
}
