package enrich

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"go4.org/netipx"
)

// CacheFile is the cache's file name inside the cache directory.
const CacheFile = "online.bbolt"

// cacheVersion changes when the stored entry's layout changes, or what may
// be stored in it; entries of another version are treated as missing and
// pruned. Version 1 entries may hold a malformed answer kept as "not found"
// or a key a provider echoed.
const cacheVersion = 2

// ErrCacheLocked is returned by OpenCache when another honeyreport run holds
// the cache for longer than the lock timeout.
var ErrCacheLocked = errors.New("cache is in use by another honeyreport run")

// CacheDamagedError is returned by OpenCache when the cache file failed
// verification. The file has been renamed to MovedTo (empty when the rename
// failed), so the next run starts a new cache; this one runs without.
type CacheDamagedError struct {
	Path    string
	MovedTo string
	Err     error // what is wrong with the file
	MoveErr error // why the rename failed
}

func (e *CacheDamagedError) Error() string {
	if e.MovedTo == "" {
		return fmt.Sprintf("cache %s is damaged (%v) and could not be moved aside: %v", e.Path, e.Err, e.MoveErr)
	}
	return fmt.Sprintf("cache %s is damaged (%v); moved it to %s", e.Path, e.Err, e.MovedTo)
}

func (e *CacheDamagedError) Unwrap() error { return e.Err }

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
	// broken is set when a read hit damage after the open-time checks
	// (the file changed under the run): the cache is then left alone.
	broken atomic.Bool
}

// OpenCache opens (creating if needed) the cache in dir. If another process
// holds it for longer than lockTimeout, it returns an error wrapping
// ErrCacheLocked; the caller can carry on without a cache and say so.
//
// The file is verified before bbolt maps it and checked by bbolt after
// (see verifyBolt): a damaged file is renamed to online.bbolt.damaged-TIME
// and a *CacheDamagedError returned, never a crash.
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
	db, err := openVerified(path, lockTimeout)
	var damage *cacheDamage
	switch {
	case errors.As(err, &damage):
		if damage.moveErr != nil {
			// Where an open file cannot be renamed: again, now closed.
			damage.movedTo, damage.moveErr = moveAside(path, time.Now())
		}
		return nil, &CacheDamagedError{Path: path, MovedTo: damage.movedTo, Err: damage.err, MoveErr: damage.moveErr}
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("open cache %s: %w", path, ErrCacheLocked)
	case err != nil:
		return nil, fmt.Errorf("open cache %s: %w", path, err)
	}
	return &Cache{db: db, now: time.Now}, nil
}

// cacheDamage is a failed verification inside openVerified, and where the
// file was moved.
type cacheDamage struct {
	err     error
	movedTo string
	moveErr error
}

func (e *cacheDamage) Error() string { return e.err.Error() }

// openVerified locks the file, verifies its structure with plain reads,
// then lets bbolt open it and run its own consistency check. A damaged
// file is moved aside while the lock is still held, so that no other run
// opens it meanwhile.
func openVerified(path string, lockTimeout time.Duration) (db *bolt.DB, err error) {
	aside := func(err error) *cacheDamage {
		moved, merr := moveAside(path, time.Now())
		return &cacheDamage{err: err, movedTo: moved, moveErr: merr}
	}
	var file *os.File
	opts := &bolt.Options{
		Timeout: lockTimeout,
		OpenFile: func(name string, flag int, mode os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, mode)
			if err != nil {
				return nil, err
			}
			if err := lockFile(f, lockTimeout); err != nil {
				f.Close()
				return nil, err
			}
			fi, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, err
			}
			if !fi.Mode().IsRegular() {
				err = fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
			} else {
				err = verifyBolt(f, fi.Size())
			}
			if err != nil {
				d := aside(err)
				f.Close()
				return nil, d
			}
			file = f
			return f, nil
		},
	}
	// The checks above leave bbolt nothing that should fault or panic;
	// should they have missed something, a fault in this goroutine becomes
	// a panic, and a panic a damaged cache rather than a dead run.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			d := aside(fmt.Errorf("bbolt: %v", r))
			if file != nil {
				file.Close() // releases the lock; bbolt's mapping is lost
			}
			db, err = nil, d
		}
	}()
	db, err = bolt.Open(path, 0o600, opts)
	if err != nil {
		var damage *cacheDamage
		if !errors.As(err, &damage) && (errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch)) {
			err = aside(err)
		}
		return nil, err
	}
	if err := checkBolt(db); err != nil {
		d := aside(err)
		db.Close()
		return nil, d
	}
	return db, nil
}

// checkBolt runs bbolt's consistency check and returns its first finding.
func checkBolt(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		var first error
		n := 0
		// The channel must be drained for the check's goroutine to end.
		for err := range tx.Check() {
			if first == nil {
				first = err
			}
			n++
		}
		if n > 1 {
			return fmt.Errorf("%w (and %d more problems)", first, n-1)
		}
		return first
	})
}

// moveAside renames a damaged cache file to PATH.damaged-TIME (with a
// counter when that exists), keeping it for a post-mortem.
func moveAside(path string, now time.Time) (string, error) {
	base := path + ".damaged-" + now.UTC().Format("20060102T150405Z")
	to := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(to); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if i > 100 {
			return "", fmt.Errorf("no free name beside %s", path)
		}
		to = fmt.Sprintf("%s.%d", base, i)
	}
	if err := os.Rename(path, to); err != nil {
		return "", err
	}
	return to, nil
}

// Close releases the cache file and its lock.
func (c *Cache) Close() error {
	if c == nil {
		return nil
	}
	return c.db.Close()
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

// get returns source's stored answer for addr, however old, and when it
// was fetched.
func (c *Cache) get(source string, addr netip.Addr) (Finding, time.Time, bool) {
	if c == nil {
		return Finding{}, time.Time{}, false
	}
	var e cacheEntry
	found := false
	_ = c.guarded(func() error {
		return c.db.View(func(tx *bolt.Tx) error {
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
	})
	if !found {
		return Finding{}, time.Time{}, false
	}
	f := Finding{Found: e.Found, Whois: e.Whois, ASN: e.ASN, Verdict: e.Verdict, Raw: e.Raw}
	if f.Verdict != nil {
		f.Verdict.Raw = e.Raw
	}
	return f, e.Fetched, true
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
	err = c.guarded(func() error {
		return c.db.Batch(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte(source))
			if err != nil {
				return err
			}
			return b.Put(cacheKey(addr), v)
		})
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
	err := c.guarded(func() error {
		return c.db.Update(func(tx *bolt.Tx) error {
			return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
				if bytes.Equal(name, quotaBucket) {
					return nil // counters, not answers
				}
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
	})
	if err != nil {
		return removed, fmt.Errorf("prune cache: %w", err)
	}
	return removed, nil
}

// errCacheBroken is returned by every call after one hit damage.
var errCacheBroken = errors.New("cache left alone after damage found during the run")

// guarded runs fn, a bbolt call made in this goroutine, with a memory fault
// turned into a panic and a panic into an error: the file was verified at
// open, but another process may still truncate or overwrite it under the
// run. After that, the cache is left alone.
func (c *Cache) guarded(fn func() error) (err error) {
	if c.broken.Load() {
		return errCacheBroken
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			c.broken.Store(true)
			err = fmt.Errorf("cache %s damaged during the run: %v", c.db.Path(), r)
		}
	}()
	return fn()
}

func cacheKey(addr netip.Addr) []byte {
	return []byte(addr.Unmap().String())
}

// quotaBucket holds the requests spent per source and period, keyed
// "SOURCE day/2006-01-02" or "SOURCE month/2006-01"; a key ending in
// " spent" marks a period the provider said was used up.
var quotaBucket = []byte("_quota")

// Spent returns the requests counted for source in period (see quota).
func (c *Cache) Spent(source, period string) int {
	if c == nil {
		return 0
	}
	n := 0
	_ = c.guarded(func() error {
		return c.db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(quotaBucket); b != nil {
				n, _ = strconv.Atoi(string(b.Get([]byte(source + " " + period))))
			}
			return nil
		})
	})
	return n
}

// Spend adds n requests (n < 0 gives them back) to each of source's
// periods.
func (c *Cache) Spend(source string, n int, periods ...string) error {
	if c == nil {
		return nil
	}
	err := c.guarded(func() error {
		return c.db.Batch(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(quotaBucket)
			if err != nil {
				return err
			}
			for _, p := range periods {
				k := []byte(source + " " + p)
				had, _ := strconv.Atoi(string(b.Get(k)))
				if err := b.Put(k, []byte(strconv.Itoa(max(had+n, 0)))); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("cache quota %s: %w", source, err)
	}
	return nil
}

// MarkExhausted records that source's provider refused for the rest of
// period, with the allowance it stated (0 when none).
func (c *Cache) MarkExhausted(source, period string, limit int) error {
	if c == nil {
		return nil
	}
	return c.guarded(func() error {
		return c.db.Batch(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(quotaBucket)
			if err != nil {
				return err
			}
			return b.Put([]byte(source+" "+period+" spent"), []byte(strconv.Itoa(max(limit, 0))))
		})
	})
}

// Exhausted reports whether MarkExhausted was called for source and
// period, and the allowance it was given.
func (c *Cache) Exhausted(source, period string) (limit int, ok bool) {
	if c == nil {
		return 0, false
	}
	_ = c.guarded(func() error {
		return c.db.View(func(tx *bolt.Tx) error {
			if b := tx.Bucket(quotaBucket); b != nil {
				v := b.Get([]byte(source + " " + period + " spent"))
				ok = v != nil
				limit, _ = strconv.Atoi(string(v))
			}
			return nil
		})
	})
	return limit, ok
}

// rangeBucket is the bucket of source's answers by registered range.
func rangeBucket(source string) []byte { return []byte(source + " ranges") }

// PutRange stores source's answer for a whole registered range, so that a
// later run answers any address in it without asking (see RunOnline).
func (c *Cache) PutRange(source string, r netipx.IPRange, f Finding) error {
	if c == nil {
		return nil
	}
	e := cacheEntry{V: cacheVersion, Fetched: c.now().UTC(), Found: f.Found, Whois: f.Whois, ASN: f.ASN, Verdict: f.Verdict, Raw: f.Raw}
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("cache %s %s: %w", source, r, err)
	}
	err = c.guarded(func() error {
		return c.db.Batch(func(tx *bolt.Tx) error {
			b, err := tx.CreateBucketIfNotExists(rangeBucket(source))
			if err != nil {
				return err
			}
			return b.Put([]byte(r.String()), v)
		})
	})
	if err != nil {
		return fmt.Errorf("cache %s %s: %w", source, r, err)
	}
	return nil
}

// rangeFinding is an answer covering a registered range.
type rangeFinding struct {
	r netipx.IPRange
	f Finding
}

// Ranges returns source's range answers younger than ttl.
func (c *Cache) Ranges(source string, ttl time.Duration) []rangeFinding {
	if c == nil {
		return nil
	}
	var out []rangeFinding
	_ = c.guarded(func() error {
		return c.db.View(func(tx *bolt.Tx) error {
			b := tx.Bucket(rangeBucket(source))
			if b == nil {
				return nil
			}
			return b.ForEach(func(k, v []byte) error {
				r, err := netipx.ParseIPRange(string(k))
				var e cacheEntry
				if err != nil || json.Unmarshal(v, &e) != nil || e.V != cacheVersion || (ttl > 0 && c.now().Sub(e.Fetched) > ttl) {
					return nil
				}
				out = append(out, rangeFinding{r: r, f: Finding{Found: e.Found, Whois: e.Whois, ASN: e.ASN, Verdict: e.Verdict, Raw: e.Raw}})
				return nil
			})
		})
	})
	return out
}
