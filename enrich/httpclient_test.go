package enrich

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 3, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{"0", 0, true},
		{"Fri, 03 May 2024 10:00:30 GMT", 30 * time.Second, true},
		{"Fri, 03 May 2024 09:00:00 GMT", 0, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{Retries: 3, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond, MaxRetryAfter: time.Minute}
	for _, tt := range []struct {
		name     string
		err      error
		attempt  int
		min, max time.Duration
		again    bool
	}{
		{"503 backoff", &HTTPError{StatusCode: 503}, 0, 50 * time.Millisecond, 100 * time.Millisecond, true},
		{"503 capped", &HTTPError{StatusCode: 503}, 2, 150 * time.Millisecond, 300 * time.Millisecond, true},
		{"retry-after", &HTTPError{StatusCode: 429, RetryAfter: 7 * time.Second}, 0, 7 * time.Second, 7 * time.Second, true},
		{"quota", &HTTPError{StatusCode: 429, RetryAfter: time.Hour}, 0, 0, 0, false},
		{"auth", &HTTPError{StatusCode: 401}, 0, 0, 0, false},
		{"timeout", errTimeout, 0, 0, 0, false},
		{"exhausted", &HTTPError{StatusCode: 503}, 3, 0, 0, false},
		{"truncated", &badAnswerError{"x", errors.New("unexpected EOF")}, 0, 50 * time.Millisecond, 100 * time.Millisecond, true},
	} {
		d, again := p.retryDelay(tt.err, tt.attempt)
		if again != tt.again || d < tt.min || d > tt.max {
			t.Errorf("%s: %v %v, want %v in [%v, %v]", tt.name, d, again, tt.again, tt.min, tt.max)
		}
	}
}

// TestTransportErrorHidesQuery: *url.Error prints the URL; ours must not
// print its query string.
func TestTransportErrorHidesQuery(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/api/v2/check?key="+onSecret, nil)
	_, _, err := httpFetch(context.Background(), &http.Client{}, req, nil)
	if err == nil || strings.Contains(err.Error(), onSecret) || !strings.Contains(err.Error(), "127.0.0.1:1/api/v2/check") {
		t.Errorf("err = %v", err)
	}
}

// TestRetryDelayBounded: whatever the configuration says, an address is
// retried at most MaxRetries times, at most retryDelayBound apart.
func TestRetryDelayBounded(t *testing.T) {
	p := RetryPolicy{Retries: 100000, BaseDelay: time.Hour, MaxDelay: 24 * time.Hour}
	n := 0
	for attempt := 0; ; attempt++ {
		d, again := p.retryDelay(&HTTPError{StatusCode: 503}, attempt)
		if !again {
			break
		}
		if d > retryDelayBound {
			t.Errorf("attempt %d waits %v, more than %v", attempt, d, retryDelayBound)
		}
		if n++; n > MaxRetries {
			t.Fatalf("more than %d retries", MaxRetries)
		}
	}
	if n != MaxRetries {
		t.Errorf("%d retries, want %d", n, MaxRetries)
	}
	if _, again := (RetryPolicy{Retries: 3}).retryDelay(&HTTPError{StatusCode: 429, RetryAfter: time.Hour}, 0); again {
		t.Error("an hour's Retry-After honoured without a configured maximum")
	}
}
