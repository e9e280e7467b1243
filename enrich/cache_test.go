package enrich

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestCacheTTLAndLock(t *testing.T) {
	dir := t.TempDir()
	c, err := OpenCache(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	a := netip.MustParseAddr("203.0.113.7")
	v := &Verdict{Provider: "otx", Severity: SeverityHigh, Score: 3, Raw: []byte(`{"x":1}`)}
	if err := c.Put("otx", a, Finding{Found: true, Verdict: v, Raw: v.Raw}); err != nil {
		t.Fatal(err)
	}
	if err := c.Put("greynoise", a, Finding{}); err != nil {
		t.Fatal(err)
	}
	f, ok := c.Get("otx", a, time.Hour)
	if !ok || !f.Found || f.Verdict.Score != 3 || string(f.Verdict.Raw) != `{"x":1}` {
		t.Errorf("Get = %+v %v", f, ok)
	}
	if f, ok := c.Get("greynoise", a, time.Hour); !ok || f.Found {
		t.Errorf("negative answer not cached: %+v %v", f, ok)
	}
	now = now.Add(2 * time.Hour)
	if _, ok := c.Get("otx", a, time.Hour); ok {
		t.Error("expired entry returned")
	}

	// A second run waits for the lock, then gives up with ErrCacheLocked.
	start := time.Now()
	_, err = OpenCache(dir, 100*time.Millisecond)
	if !errors.Is(err, ErrCacheLocked) || time.Since(start) > 2*time.Second {
		t.Errorf("second open: %v after %v", err, time.Since(start))
	}
	c.Close()
	c2, err := OpenCache(dir, 100*time.Millisecond)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	c2.Close()

	var nilCache *Cache
	if _, ok := nilCache.Get("otx", a, 0); ok || nilCache.Put("otx", a, Finding{}) != nil || nilCache.Close() != nil {
		t.Error("nil cache is not a no-op")
	}
}

func TestCachePrune(t *testing.T) {
	c, err := OpenCache(t.TempDir(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	// Put batches writes (10 ms apart when sequential): keep it small.
	for i := 1; i <= 20; i++ {
		c.Put("otx", netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}), Finding{})
		c.Put("whois", netip.AddrFrom4([4]byte{203, 0, 0, byte(i)}), Finding{})
	}
	now = now.Add(100 * 24 * time.Hour)
	fresh := netip.MustParseAddr("192.0.2.1")
	c.Put("otx", fresh, Finding{Found: true})
	removed, err := c.Prune(90 * 24 * time.Hour)
	if err != nil || removed != 40 {
		t.Fatalf("Prune = %d, %v; want 40 removed", removed, err)
	}
	if _, ok := c.Get("otx", fresh, 0); !ok {
		t.Error("a fresh entry was pruned")
	}
	if _, ok := c.Get("whois", netip.MustParseAddr("203.0.0.5"), 0); ok {
		t.Error("a stale entry survived")
	}
}
