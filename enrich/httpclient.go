package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxHTTPAnswer caps one provider answer; the largest documented IP answers
// (VirusTotal with full analysis results) are a few hundred KiB.
const maxHTTPAnswer = 4 << 20

// HTTPError is a non-success answer from a provider's HTTP API. Its message
// holds the status and a short, sanitised reason; never a URL query string
// or a request header, so never an API key.
type HTTPError struct {
	StatusCode int
	// RetryAfter is the server's Retry-After (seconds or HTTP-date), zero
	// when absent or unparseable.
	RetryAfter time.Duration
	// Reason is the provider's own error message when it sent a
	// recognisable one, else the HTTP status text.
	Reason string
	// Quota is PeriodDay or PeriodMonth when the answer says that
	// allowance is spent (see longWait, spentQuota), else empty; QuotaLimit
	// is the allowance the provider stated, 0 when none.
	Quota      string
	QuotaLimit int
	// QuotaWindow is set when the answer says some allowance is spent
	// without saying which (VirusTotal's QuotaExceededError: the minute's,
	// the day's or the month's): the shortest one lasts this long. The
	// request is asked again once it has passed; refused again, the
	// allowance is taken to be the day's (see sourceRun.attempt).
	QuotaWindow time.Duration
}

func (e *HTTPError) Error() string {
	switch e.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Sprintf("HTTP %d: authentication failed: check the API key", e.StatusCode)
	case http.StatusTooManyRequests:
		if e.Quota != "" {
			return fmt.Sprintf("HTTP 429: %s quota exceeded", e.Quota)
		}
		if e.RetryAfter > 0 {
			return fmt.Sprintf("HTTP 429: rate limit or quota exceeded (retry after %s)", e.RetryAfter.Round(time.Second))
		}
		return "HTTP 429: rate limit or quota exceeded"
	}
	if e.Reason != "" {
		return fmt.Sprintf("HTTP %d: %s", e.StatusCode, e.Reason)
	}
	return fmt.Sprintf("HTTP %d", e.StatusCode)
}

// errTimeout marks a lookup that ran out of its per-request time.
var errTimeout = errors.New("timeout")

// httpFetch performs req with client and returns the body of a 2xx answer,
// or of an answer whose status is in okStatus (providers that answer "not
// found" with 404 and a JSON body). Any other status is an *HTTPError.
// Transport errors are rewritten so that they never carry the request URL's
// query string.
//
// secrets (the source's API key and password) are blanked out of any
// provider message copied into an error.
func httpFetch(ctx context.Context, client *http.Client, req *http.Request, secrets []string, okStatus ...int) (body []byte, status int, err error) {
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, 0, sanitiseTransportError(ctx, req, err)
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxHTTPAnswer+1))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("read answer: %w", sanitiseTransportError(ctx, req, err))
	}
	if len(body) > maxHTTPAnswer {
		return nil, resp.StatusCode, fmt.Errorf("answer larger than %d bytes", maxHTTPAnswer)
	}
	if resp.StatusCode/100 == 2 {
		return body, resp.StatusCode, nil
	}
	for _, s := range okStatus {
		if resp.StatusCode == s {
			return body, resp.StatusCode, nil
		}
	}
	now := time.Now()
	ra, _ := parseRetryAfter(resp.Header.Get("Retry-After"), now)
	reason := providerMessage(body, secrets)
	if reason == "" {
		reason = http.StatusText(resp.StatusCode)
	}
	return nil, resp.StatusCode, &HTTPError{StatusCode: resp.StatusCode, RetryAfter: ra, Reason: reason,
		Quota: longWait(resp.StatusCode, resp.Header, now), QuotaLimit: quotaLimit(resp.Header)}
}

// providerMessage extracts the human message from the documented error
// shapes: AbuseIPDB {"errors":[{"detail":...}]}, VirusTotal
// {"error":{"code":...,"message":...}}, X-Force {"error":"..."} and
// GreyNoise {"message":"..."}. It is shortened, stripped of control
// characters and of the source's secrets.
func providerMessage(body []byte, secrets []string) string {
	var e struct {
		Errors []struct {
			Detail string `json:"detail"`
		} `json:"errors"`
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	msg := e.Message
	if len(e.Errors) > 0 && e.Errors[0].Detail != "" {
		msg = e.Errors[0].Detail
	}
	if len(e.Error) > 0 {
		var s string
		var o struct{ Code, Message string }
		if json.Unmarshal(e.Error, &s) == nil && s != "" {
			msg = s
		} else if json.Unmarshal(e.Error, &o) == nil && (o.Code != "" || o.Message != "") {
			msg = strings.TrimSpace(o.Code + ": " + o.Message)
		}
	}
	return sanitiseMessage(msg, secrets)
}

func sanitiseMessage(msg string, secrets []string) string {
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	msg = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, msg)
	msg = strings.TrimSpace(msg)
	if len(msg) > 160 {
		msg = msg[:160] + "..."
	}
	return strings.ToValidUTF8(msg, "")
}

// getJSON fetches req and decodes a JSON answer into v. found is false when
// the status is one of notFound (the provider's documented "no such
// indicator" answer, which must still be a JSON object: a proxy's HTML
// error page is a failure, not "not found"); raw is the body either way.
//
// Every answer is redacted before anything reads it: the source's secrets
// and the values of the request's own headers (see redactAnswer) never
// reach raw, v or the cache, even from a provider that echoes its request.
func getJSON(ctx context.Context, client *http.Client, req *http.Request, provider string, secrets []string, v any, notFound ...int) (raw []byte, found bool, err error) {
	secrets = append(requestSecrets(req), secrets...)
	body, status, err := httpFetch(ctx, client, req, secrets, notFound...)
	if err != nil {
		return nil, false, err
	}
	body = redactAnswer(body, secrets)
	if status/100 != 2 {
		if !isJSONObject(body) {
			return nil, false, &badAnswerError{provider: provider, err: fmt.Errorf("HTTP %d answer is not a JSON object", status)}
		}
		return body, false, nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, false, &badAnswerError{provider: provider, err: err}
	}
	return body, true, nil
}

func isJSONObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// requestSecrets lists what a request carries that a provider could echo
// back: the value of every header we set other than Accept and User-Agent
// (API keys, the X-Force "Basic base64(key:password)" string), and an
// Authorization header's credentials on their own.
func requestSecrets(req *http.Request) []string {
	var out []string
	for name, vals := range req.Header {
		if name == "Accept" || name == "User-Agent" {
			continue
		}
		for _, v := range vals {
			out = append(out, v)
			if _, cred, ok := strings.Cut(v, " "); ok && name == "Authorization" {
				out = append(out, cred)
			}
		}
	}
	if user, pass, ok := req.BasicAuth(); ok {
		out = append(out, user, pass, user+":"+pass)
	}
	return out
}

// redactAnswer replaces every secret in an answer with "***". A JSON
// answer is decoded and each string (keys too) is checked as decoded, so
// that an echo written with \u escapes is caught; only an answer that held
// a secret is re-encoded, the others are kept byte for byte. Anything else
// is redacted as bytes.
func redactAnswer(body []byte, secrets []string) []byte {
	var needles []string
	for _, s := range secrets {
		if s != "" {
			needles = append(needles, s)
		}
	}
	if len(needles) == 0 {
		return body
	}
	// Longest first, so that "Basic xyz" goes before its "xyz".
	sort.Slice(needles, func(i, j int) bool { return len(needles[i]) > len(needles[j]) })
	redact := func(s string) (string, bool) {
		changed := false
		for _, n := range needles {
			if strings.Contains(s, n) {
				s, changed = strings.ReplaceAll(s, n, "***"), true
			}
		}
		return s, changed
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil || dec.InputOffset() != int64(len(bytes.TrimRight(body, " \t\r\n"))) {
		s, _ := redact(string(body))
		return []byte(s)
	}
	var walk func(any) (any, bool)
	walk = func(v any) (any, bool) {
		switch x := v.(type) {
		case string:
			return redact(x)
		case json.Number:
			// A key of digits echoed as a number.
			if s, c := redact(string(x)); c {
				return s, true
			}
			return x, false
		case []any:
			changed := false
			for i := range x {
				var c bool
				x[i], c = walk(x[i])
				changed = changed || c
			}
			return x, changed
		case map[string]any:
			changed := false
			for k, val := range x {
				nv, c := walk(val)
				nk, ck := redact(k)
				if ck {
					delete(x, k)
				}
				x[nk] = nv
				changed = changed || c || ck
			}
			return x, changed
		}
		return v, false
	}
	tree, changed := walk(tree)
	if !changed {
		return body
	}
	out, err := json.Marshal(tree)
	if err != nil {
		s, _ := redact(string(body))
		return []byte(s)
	}
	return out
}

// sanitiseTransportError turns a client error into one naming only the host
// and path: *url.Error prints the full URL, query string included.
func sanitiseTransportError(ctx context.Context, req *http.Request, err error) error {
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return errTimeout
		}
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errTimeout
	}
	u := *req.URL
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return fmt.Errorf("GET %s: %w", u.String(), err)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (RFC 9110 section 10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

// RetryPolicy is how often and how long to wait before asking again after a
// transient failure (HTTP 429 and 5xx, connection resets, truncated answers).
// Authentication failures, "bad request" and timeouts are not retried: a
// slow provider is not faster the second time and each timeout costs the
// whole per-request budget.
type RetryPolicy struct {
	Retries   int           // extra attempts after the first
	BaseDelay time.Duration // first backoff; doubles each attempt
	MaxDelay  time.Duration // cap on one backoff
	// MaxRetryAfter is the longest server-requested wait honoured; a longer
	// Retry-After (a daily quota) fails the lookup at once.
	MaxRetryAfter time.Duration
}

// MaxRetries and retryDelayBound bound any RetryPolicy, however it was
// made (the config file is checked against MaxRetries when it is loaded):
// one address must not be asked for minutes.
const (
	retryDelayBound = 30 * time.Second
	// maxRetryAfter is the longest server-requested wait ever honoured.
	maxRetryAfter = 2 * time.Minute
)

// retryDelay reports whether err is worth another attempt and how long to
// wait first: the server's Retry-After when given, else exponential backoff
// with full jitter.
func (p RetryPolicy) retryDelay(err error, attempt int) (time.Duration, bool) {
	if attempt >= min(p.Retries, MaxRetries) || !retryable(err) {
		return 0, false
	}
	var he *HTTPError
	if errors.As(err, &he) && (he.RetryAfter > 0 || he.QuotaWindow > 0) {
		wait := he.RetryAfter
		if wait <= 0 {
			wait = he.QuotaWindow
		}
		limit := maxRetryAfter
		if p.MaxRetryAfter > 0 {
			limit = min(p.MaxRetryAfter, maxRetryAfter)
		}
		if wait > limit {
			return 0, false
		}
		return wait, true
	}
	base := min(p.BaseDelay, retryDelayBound)
	if base <= 0 {
		base = 200 * time.Millisecond
	}
	maxDelay := retryDelayBound
	if p.MaxDelay > 0 {
		maxDelay = min(p.MaxDelay, retryDelayBound)
	}
	d := min(base<<attempt, maxDelay)
	// Full jitter (half fixed, half random) spreads concurrent workers that
	// all saw the same 429 so they do not come back in lockstep.
	return d/2 + rand.N(d/2+1), true
}

func retryable(err error) bool {
	if err == nil || errors.Is(err, errTimeout) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var he *HTTPError
	if errors.As(err, &he) {
		switch he.StatusCode {
		case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var bad *badAnswerError
	if errors.As(err, &bad) {
		// A truncated body is often a dropped connection; garbage from a
		// healthy server is not going to change, but one retry is cheap.
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return transportFailure(err)
}

// unanswered reports whether err means the provider gave no answer at all:
// nothing listened, the connection broke, the time ran out, or the server
// failed (5xx). A refusal, a 4xx or a malformed answer is an answer.
func unanswered(err error) bool {
	if errors.Is(err, errTimeout) {
		return true
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return he.StatusCode >= 500
	}
	var bad *badAnswerError
	if errors.As(err, &bad) {
		return false
	}
	return transportFailure(err)
}

// transportFailure reports whether err is the network's: a refused, reset
// or broken connection.
func transportFailure(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "connection refused")
}

// fatalForSource reports whether err means every later lookup at the same
// source will fail the same way (bad key, exhausted quota), so the runner
// stops asking.
func fatalForSource(err error) bool {
	var he *HTTPError
	if !errors.As(err, &he) {
		return false
	}
	// 402 is X-Force's "quota used up".
	return he.StatusCode == http.StatusUnauthorized || he.StatusCode == http.StatusForbidden ||
		he.StatusCode == http.StatusPaymentRequired || he.StatusCode == http.StatusTooManyRequests
}

// badAnswerError is an answer that did not decode as the provider's
// documented format.
type badAnswerError struct {
	provider string
	err      error
}

func (e *badAnswerError) Error() string {
	return fmt.Sprintf("bad answer from %s: %v", e.provider, e.err)
}

func (e *badAnswerError) Unwrap() error { return e.err }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// newGet builds a GET request for base+path with an Accept: application/json
// header. base is the provider's configured endpoint (scheme and host, maybe
// a path prefix for proxies).
func newGet(base, path string, query url.Values) (*http.Request, error) {
	u, err := url.Parse(strings.TrimRight(base, "/") + path)
	if err != nil {
		return nil, fmt.Errorf("bad base URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad base URL %q: scheme must be http or https", u.Redacted())
	}
	if query != nil {
		u.RawQuery = query.Encode()
	}
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "honeyreport")
	return req, nil
}
