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
