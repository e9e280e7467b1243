package ingest

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestParseSource(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for not an address
	}{
		{"8.8.8.8", "8.8.8.8"},
		{"::ffff:8.8.8.8", "8.8.8.8"},
		{"::FFFF:8.8.8.8", "8.8.8.8"},
		{"[::ffff:8.8.8.8]", "8.8.8.8"},
		{"[::ffff:8.8.8.8]:443", "8.8.8.8"},
		{"8.8.8.8:80", "8.8.8.8"},
		{"2001:db8::1", "2001:db8::1"},
		{"2001:DB8:0:0::1", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"fe80::1%eth0", "fe80::1"},
		{"[fe80::1%eth0]:22", "fe80::1"},
		{"::ffff:0:8.8.8.8", "::ffff:0:808:808"}, // IPv4-translated, not mapped: kept
		{"08.8.8.8", ""},                         // leading zero: ambiguous (octal?), netip refuses it too
		{"8.8.8", ""},
		{"256.1.1.1", ""},
		{"s3.amazonaws.com", ""},
		{"AWS Internal", ""},
		{"[]", ""},
		{"[8.8.8.8", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var in interner
			a, ok := parseSource([]byte(tt.in), &in)
			got := ""
			if ok {
				got = a.String()
			}
			if got != tt.want {
				t.Errorf("parseSource(%q) = %q, want %q", tt.in, got, tt.want)
			}
			// The IPv4 fast path and netip agree on every dotted quad.
			if fast, ok := parseIPv4([]byte(tt.in)); ok {
				if slow, err := netip.ParseAddr(tt.in); err != nil || slow != fast {
					t.Errorf("parseIPv4(%q) = %v, netip says %v, %v", tt.in, fast, slow, err)
				}
			}
		})
	}
}

// sameEventIn writes one request, from source ip, in each input format.
func sameEventIn(ip string) map[Format]string {
	return map[Format]string{
		FormatBreachInsider: "Alert #7 – 2022-01-31T18:21:55Z\nEvent ID: e-7\nEvent DateTime\n2022-01-31T14:38:27Z\nSource IP\n" + ip +
			"\nRequest User Agent\ncurl/7.68.0\nRepeated Attempts\n1\nAWS Request Details\nEvent Type\nAwsApiCall\nEvent Name\nGetObject\n" +
			"Request ID\nR7\nRequest User Agent\ncurl/7.68.0\nUser ID\n{'type': 'AWSAccount', 'principalId': '', 'accountId': 'ANONYMOUS_PRINCIPAL'}\n" +
			"Request Parameters\n{'bucketName': 'honey', 'Host': 'honey.s3.amazonaws.com', 'key': 'a.txt'}\n",
		FormatBreachCSV: "Event Type,Event Name,Request ID,User ID,Request Parameters,Alert,Event ID,Event DateTime,Alarm DateTime,Source IP,Request User Agent,Repeated Attempts\r\n" +
			`AwsApiCall,GetObject,R7,"{'type': 'AWSAccount', 'principalId': '', 'accountId': 'ANONYMOUS_PRINCIPAL'}","{'bucketName': 'honey', 'Host': 'honey.s3.amazonaws.com', 'key': 'a.txt'}", 7-2022-01-31T18:21:55Z,e-7,2022-01-31T14:38:27Z,2022-01-31T14:39:09.605190+00:00,` + ip + ",curl/7.68.0,1\r\n",
		FormatCloudTrail: `{"Records":[{"eventVersion":"1.08","eventTime":"2022-01-31T14:38:27Z","eventSource":"s3.amazonaws.com","eventName":"GetObject",` +
			`"sourceIPAddress":"` + ip + `","userAgent":"curl/7.68.0","requestParameters":{"bucketName":"honey","Host":"honey.s3.amazonaws.com","key":"a.txt"},` +
			`"userIdentity":{"type":"AWSAccount","principalId":"","accountId":"ANONYMOUS_PRINCIPAL"},"requestID":"R7","eventID":"e-7","eventType":"AwsApiCall"}]}`,
		FormatS3Access: `79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be honey [31/Jan/2022:14:38:27 +0000] ` + ip +
			` - R7 REST.GET.OBJECT a.txt "GET /honey/a.txt HTTP/1.1" 200 - 3 3 7 6 "-" "curl/7.68.0" - hostid SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader honey.s3.amazonaws.com TLSv1.2` + "\n",
	}
}

// The same request, written in the four input formats with its source
// in plain and IPv4-mapped form, reads as one canonical event: one
// address for every count, table, lookup and export.
func TestSameEventEveryFormat(t *testing.T) {
	var want string
	for _, ip := range []string{"8.8.8.8", "::ffff:8.8.8.8"} {
		for format, text := range sameEventIn(ip) {
			evs, st := readFormat(t, []byte(text), "in", format)
			if len(evs) != 1 {
				t.Fatalf("%s, %s: %d events: %v", format, ip, len(evs), st.Errors)
			}
			ev := evs[0]
			got := fmt.Sprintf("time=%s source=%q text=%q ua=%q op=%s bucket=%q key=%q",
				ev.Time.Format("2006-01-02T15:04:05Z07:00"), ev.Source, ev.SourceText, ev.UserAgent, ev.Op, ev.Bucket, ev.Key)
			if want == "" {
				want = got
				if !strings.Contains(want, `source="8.8.8.8"`) {
					t.Fatalf("%s, %s: %s", format, ip, got)
				}
			}
			if got != want {
				t.Errorf("%s, %s:\n got %s\nwant %s", format, ip, got, want)
			}
		}
	}
}
