package enrich

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CacheFile is the cache's file name inside the cache directory.
const CacheFile = "online.bbolt"

// cacheVersion changes when the stored entry's layout changes; entries of
// another version are treated as missing.
const cacheVersion = 1

// ErrCacheLocked is returned by OpenCache when another honeyreport run holds
// the cache for longer than the lock timeout.
var ErrCacheLocked = errors.New("cache is in use by another honeyreport run")

// Cache stores online answers on disk in a bbolt database, one bucket per
// source, keyed by the address (never by anything derived from an API key).
// Not-found answers are stored too, so they are not asked again either.
//
// bbolt's file lock makes a second run wait for the first (up to the lock
// timeout given to OpenCache), and its copy-on-write pages with a single
// meta-page switch mean a run killed mid-write leaves the previous state.
// A nil *Cache is valid and caches nothing. Methods are safe for
// concurrent use.
type Cache struct {
	db  *bolt.DB
	now func() time.Time
}

// OpenCache opens (creating if needed) the cache in dir. If another process
// holds it for longer than lockTimeout, it returns an error wrapping
// ErrCacheLocked; the caller can carry on without a cache and say so.
func OpenCache(dir string, lockTimeout time.Duration) (*Cache, error) {
	if dir == "" {
		return nil, errors.New("open cache: no cache directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open cache: %w", err)
	}
	if lockTimeout <= 0 {
		lockTimeout = 5 * time.Second
	}
	path := filepath.Join(dir, CacheFile)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			return nil, fmt.Errorf("open cache %s: %w", path, ErrCacheLocked)
		}
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	return &Cache{db: db, now: time.Now}, nil
}

// Close releases the cache file and its lock.
func (c *Cache) Close() error {
	if c == nil {
		return nil
	}
	return c.db.Close()
}

// Path is the cache file's path.
func (c *Cache) Path() string {
	if c == nil {
		return ""
	}
	return c.db.Path()
}

type cacheEntry struct {
	V       int       `json:"v"`
	Fetched time.Time `json:"fetched"`
	Found   bool      `json:"found"`
	Whois   *Whois    `json:"whois,omitempty"`
	ASN     *ASN      `json:"asn,omitempty"`
	Verdict *Verdict  `json:"verdict,omitempty"`
	Raw     []byte    `json:"raw,omitempty"`
}

// Get returns source's answer for addr when one younger than ttl is stored.
func (c *Cache) Get(source string, addr netip.Addr, ttl time.Duration) (Finding, bool) {
	if c == nil {
		return Finding{}, false
	}
	var e cacheEntry
	found := false
	_ = c.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(source))
		if b == nil {
			return nil
		}
		v := b.Get(cacheKey(addr))
		if v == nil {
			return nil
		}
		// A corrupt or old-layout entry is a miss; the next Put replaces it.
		if json.Unmarshal(v, &e) == nil && e.V == cacheVersion {
			found = true
		}
		return nil
	})
	if !found || (ttl > 0 && c.now().Sub(e.Fetched) > ttl) {
		return Finding{}, false
	}
	f := Finding{Found: e.Found, Whois: e.Whois, ASN: e.ASN, Verdict: e.Verdict, Raw: e.Raw}
	if f.Verdict != nil {
		f.Verdict.Raw = e.Raw
	}
	return f, true
}

// Put stores source's answer for addr, stamped now.
func (c *Cache) Put(source string, addr netip.Addr, f Finding) error {
	if c == nil {
		return nil
	}
	e := cacheEntry{V: cacheVersion, Fetched: c.now().UTC(), Found: f.Found, Whois: f.Whois, ASN: f.ASN, Verdict: f.Verdict, Raw: f.Raw}
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("cache %s %s: %w", source, addr, err)
	}
	// Batch coalesces the many concurrent small writes of a run into few
	// fsyncs.
	err = c.db.Batch(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists([]byte(source))
		if err != nil {
			return err
		}
		return b.Put(cacheKey(addr), v)
	})
	if err != nil {
		return fmt.Errorf("cache %s %s: %w", source, addr, err)
	}
	return nil
}

// Prune deletes the entries fetched more than maxAge ago, and entries of
// an old layout, so that the cache does not grow without end over years of
// scheduled runs. It returns how many it deleted.
func (c *Cache) Prune(maxAge time.Duration) (int, error) {
	if c == nil {
		return 0, nil
	}
	cutoff := c.now().Add(-maxAge)
	removed := 0
	err := c.db.Update(func(tx *bolt.Tx) error {
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			var stale [][]byte
			err := b.ForEach(func(k, v []byte) error {
				var e cacheEntry
				if json.Unmarshal(v, &e) != nil || e.V != cacheVersion || e.Fetched.Before(cutoff) {
					stale = append(stale, append([]byte(nil), k...))
				}
				return nil
			})
			if err != nil {
				return err
			}
			// Deleting while iterating a bbolt cursor skips keys: delete after.
			for _, k := range stale {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			removed += len(stale)
			return nil
		})
	})
	if err != nil {
		return removed, fmt.Errorf("prune cache: %w", err)
	}
	return removed, nil
}

func cacheKey(addr netip.Addr) []byte {
	return []byte(addr.Unmap().String())
}
