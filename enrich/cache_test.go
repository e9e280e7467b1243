package enrich

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
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
	// A locked cache is not mistaken for a damaged one and moved aside.
	if _, ok := c2.Get("greynoise", a, 0); !ok {
		t.Error("entries lost after a locked open")
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

// cacheFixture returns the bytes of a closed cache holding n entries in
// each of three sources, with one answer large enough to need overflow
// pages: a file with branch, leaf, freelist and overflow pages to damage.
func cacheFixture(t testing.TB, n int) []byte {
	t.Helper()
	dir := t.TempDir()
	c, err := OpenCache(dir, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fetched := time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC)
	err = c.db.Update(func(tx *bolt.Tx) error {
		for _, src := range []string{"otx", "whois", "abuseipdb"} {
			b, err := tx.CreateBucketIfNotExists([]byte(src))
			if err != nil {
				return err
			}
			for i := range n {
				a := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
				raw := []byte(fmt.Sprintf(`{"ip":%q,"pad":%q}`, a, strings.Repeat("x", 200)))
				if i == 7 {
					raw = bytes.Repeat([]byte("y"), 20000)
				}
				v, _ := json.Marshal(cacheEntry{V: cacheVersion, Fetched: fetched, Found: true, Raw: raw})
				if err := b.Put(cacheKey(a), v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second transaction frees pages, so that the freelist has entries.
	err = c.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("otx")).Delete(cacheKey(netip.AddrFrom4([4]byte{198, 51, 0, 3})))
	})
	if err != nil {
		t.Fatal(err)
	}
	path := c.db.Path()
	c.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openDamaged writes data as the cache file and opens it: a damaged file
// must give a *CacheDamagedError and be moved aside, an intact one must
// work. Neither may crash.
func openDamaged(t testing.TB, data []byte) (damaged bool) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, CacheFile)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := OpenCache(dir, 100*time.Millisecond)
	var de *CacheDamagedError
	if errors.As(err, &de) {
		if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
			t.Errorf("damaged cache left in place: %v", err)
		}
		if moved, rerr := os.ReadFile(de.MovedTo); rerr != nil || !bytes.Equal(moved, data) {
			t.Errorf("damaged cache not kept as %q: %v", de.MovedTo, rerr)
		}
		return true
	}
	if err != nil {
		t.Fatalf("OpenCache: %v, want a *CacheDamagedError or success", err)
	}
	defer c.Close()
	a := netip.AddrFrom4([4]byte{198, 51, 0, 9})
	c.Get("otx", a, 0)
	if err := c.Put("otx", a, Finding{Found: true, Raw: []byte(`{}`)}); err != nil {
		t.Errorf("Put on a cache that opened: %v", err)
	}
	c.Prune(time.Hour)
	return false
}

// TestCacheDamaged: truncated files and pages overwritten with random
// bytes (each page in turn, at its start and in its middle) never crash
// the open; they are reported as damaged and moved aside.
func TestCacheDamaged(t *testing.T) {
	good := cacheFixture(t, 100)
	const ps = 4096
	if openDamaged(t, good) {
		t.Fatal("intact cache reported as damaged")
	}
	meta, ok := parseBoltMeta(good[ps:])
	if m0, ok0 := parseBoltMeta(good); !ok || ok0 && m0.txid > meta.txid {
		meta = m0
	}
	inUse := int(meta.pgid) * ps
	tests := []struct {
		name string
		data []byte
	}{
		{"truncated to 8192", good[:8192]},
		{"truncated to half", good[:len(good)/2]},
		{"truncated mid-page", good[:inUse-100]},
		{"last page in use cut off", good[:inUse-ps]},
		{"one page", good[:ps]},
		{"short", good[:100]},
		{"not a cache", []byte("hello, world\n")},
		{"zero meta pages", append(make([]byte, 2*ps), good[2*ps:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !openDamaged(t, tt.data) {
				t.Error("damaged cache opened")
			}
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	damaged := 0
	for page := 0; page < inUse/ps; page++ {
		for _, at := range []int{0, 24, ps / 2} {
			data := bytes.Clone(good)
			for i := range 64 {
				data[page*ps+at+i] = byte(rng.Uint32())
			}
			if openDamaged(t, data) {
				damaged++
			}
		}
	}
	// Free pages may take any bytes; most pages are in use.
	if damaged < inUse/ps {
		t.Errorf("%d of %d damaged files detected", damaged, 3*inUse/ps)
	}
	t.Logf("%d of %d damaged files detected", damaged, 3*inUse/ps)
}

// FuzzCacheOpen opens arbitrary bytes as the cache file: it must open and
// work, or be reported as damaged and moved aside, never crash.
func FuzzCacheOpen(f *testing.F) {
	good := cacheFixture(f, 40)
	f.Add(good)
	f.Add(good[:8192])
	f.Add(good[:len(good)/2])
	f.Add([]byte{})
	f.Add([]byte("\x00\x00\x00\x00"))
	flipped := bytes.Clone(good)
	copy(flipped[3*4096:], bytes.Repeat([]byte{0xff}, 32))
	f.Add(flipped)
	f.Fuzz(func(t *testing.T, data []byte) {
		openDamaged(t, data)
	})
}

// Get returns source's answer for addr when one younger than ttl is
// stored: the question the runner asks, for tests to ask directly.
func (c *Cache) Get(source string, addr netip.Addr, ttl time.Duration) (Finding, bool) {
	f, fetched, ok := c.get(source, addr)
	if !ok || (ttl > 0 && c.now().Sub(fetched) > ttl) {
		return Finding{}, false
	}
	return f, true
}
