package enrich

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Quota periods, as QuotaError.Period and the cache's counters name them.
const (
	PeriodDay   = "daily"
	PeriodMonth = "monthly"
)

// QuotaError stops a source whose daily or monthly allowance is used up:
// by our own count of the requests spent (kept in the cache per UTC day and
// month), or because the provider said so (see longWait, spentQuota).
type QuotaError struct {
	Period string // PeriodDay or PeriodMonth
	Spent  int    // requests counted in the period
	Limit  int    // the allowance; 0 when unknown (the provider said it was spent)
	// Reset is when the period ends: 00:00 UTC the next day or on the
	// first of the next month.
	Reset time.Time
}

func (e *QuotaError) Error() string {
	n := fmt.Sprintf("%d of %d", e.Spent, e.Limit)
	if e.Limit <= 0 {
		n = fmt.Sprintf("the provider says so; %d sent", e.Spent)
	}
	if e.Period == PeriodMonth {
		return fmt.Sprintf("monthly quota reached (%s), resumes after 00:00 UTC on %s", n, e.Reset.Format(time.DateOnly))
	}
	return fmt.Sprintf("daily quota reached (%s), resumes after 00:00 UTC", n)
}

// longWait recognises, for any provider, a refusal that asks to wait an
// hour or more (Retry-After, or the common X-RateLimit-Remaining: 0 with an
// X-RateLimit-Reset epoch), which no per-second or per-minute limit does:
// a daily allowance is spent. Each provider's own wording is recognised by
// its source (see spentQuota). It returns "" for anything else.
func longWait(status int, h http.Header, now time.Time) string {
	if status != http.StatusTooManyRequests {
		return ""
	}
	if ra, ok := parseRetryAfter(h.Get("Retry-After"), now); ok && ra >= time.Hour {
		return PeriodDay
	}
	if h.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64); err == nil && time.Unix(reset, 0).Sub(now) >= time.Hour {
			return PeriodDay
		}
	}
	return ""
}

// spentQuota marks err, when it is an *HTTPError with status and a
// provider message matching msg (any message when msg is nil), as a spent
// allowance of period; the allowance is msg's first submatch when the
// answer's headers stated none. Sources pass their errors through it with
// their provider's documented answer.
func spentQuota(err error, status int, msg *regexp.Regexp, period string) error {
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != status || he.Quota != "" {
		return err
	}
	var m []string
	if msg != nil {
		if m = msg.FindStringSubmatch(he.Reason); m == nil {
			return err
		}
	}
	he.Quota = period
	if len(m) > 1 && he.QuotaLimit == 0 {
		he.QuotaLimit, _ = strconv.Atoi(m[1])
	}
	return err
}

// quotaLimit reads the allowance a provider states (X-RateLimit-Limit);
// 0 when it states none.
func quotaLimit(h http.Header) int {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit")))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// quota counts one source's requests against its daily and monthly
// allowances for a run, starting from what earlier runs spent (the cache)
// and writing each request back when the source has an allowance, so that
// an interrupted or killed run still counts what it sent.
type quota struct {
	cache    *Cache
	source   string
	perDay   int
	perMonth int
	day      string // "2006-01-02", UTC
	month    string // "2006-01"
	now      time.Time

	mu         sync.Mutex
	spentDay   int
	spentMonth int
	// over is set once a period is known to be spent; every later take
	// fails with it.
	over *QuotaError
}

func newQuota(c *Cache, source string, l Limits, now time.Time) *quota {
	now = now.UTC()
	q := &quota{cache: c, source: source, perDay: l.PerDay, perMonth: l.PerMonth,
		day: now.Format(time.DateOnly), month: now.Format("2006-01"), now: now}
	q.spentDay, q.spentMonth = c.Spent(source, q.dayKey()), c.Spent(source, q.monthKey())
	if limit, ok := c.Exhausted(source, q.dayKey()); ok {
		q.over = q.errFor(PeriodDay, limit)
	} else if limit, ok := c.Exhausted(source, q.monthKey()); ok {
		q.over = q.errFor(PeriodMonth, limit)
	}
	return q
}

func (q *quota) dayKey() string   { return "day/" + q.day }
func (q *quota) monthKey() string { return "month/" + q.month }

func (q *quota) errFor(period string, limit int) *QuotaError {
	y, m, d := q.now.Date()
	if period == PeriodMonth {
		if limit <= 0 {
			limit = q.perMonth
		}
		return &QuotaError{Period: period, Spent: q.spentMonth, Limit: limit, Reset: time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)}
	}
	if limit <= 0 {
		limit = q.perDay
	}
	return &QuotaError{Period: period, Spent: q.spentDay, Limit: limit, Reset: time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)}
}

// take counts one request about to be sent, or returns the *QuotaError
// that forbids it.
func (q *quota) take() error {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.over != nil:
		return q.over
	case q.perDay > 0 && q.spentDay >= q.perDay:
		q.over = q.errFor(PeriodDay, 0)
		return q.over
	case q.perMonth > 0 && q.spentMonth >= q.perMonth:
		q.over = q.errFor(PeriodMonth, 0)
		return q.over
	}
	q.spend(1)
	return nil
}

// giveBack returns the request take counted when it was not sent after
// all: the run ended while the count was being written (a cache write
// takes milliseconds, long enough for a budget to run out in).
func (q *quota) giveBack() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.spend(-1)
}

func (q *quota) spend(n int) {
	q.spentDay += n
	q.spentMonth += n
	if q.perDay > 0 || q.perMonth > 0 {
		// A failed write costs only the count of this request next run.
		_ = q.cache.Spend(q.source, n, q.dayKey(), q.monthKey())
	}
}

// refused turns a provider's "quota spent" answer into the *QuotaError
// that stops the source, and remembers it in the cache until the period
// ends, so that the next run today does not ask again.
func (q *quota) refused(err error) error {
	var he *HTTPError
	if !errors.As(err, &he) || he.Quota == "" {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.over == nil {
		q.over = q.errFor(he.Quota, he.QuotaLimit)
		key := q.dayKey()
		if he.Quota == PeriodMonth {
			key = q.monthKey()
		}
		_ = q.cache.MarkExhausted(q.source, key, he.QuotaLimit)
	}
	return q.over
}
