package s3input

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/s3input/s3test"
)

// sdkHeader is sent on every request the SDK's GetObject makes, and on
// none that a template makes.
const sdkHeader = "Amz-Sdk-Invocation-Id"

// readAll reads every object under url through ReadAhead and returns the
// stats by key.
func readAll(t *testing.T, c *Client, url string) map[string]*ingest.Stats {
	t.Helper()
	ctx := context.Background()
	objs, err := c.List(ctx, url, Span{})
	if err != nil {
		t.Fatal(err)
	}
	ins, done := c.ReadAhead(ctx, c.Inputs(ctx, objs))
	defer done()
	bucket, _, _ := ParseURL(url)
	out := map[string]*ingest.Stats{}
	for _, st := range ingest.ReadInputs(ctx, ins, ingest.ReadOptions{Workers: 2}, func(int, *ingest.Event) {}) {
		out[strings.TrimPrefix(st.File, "s3://"+bucket+"/")] = st
	}
	return out
}

// TestTemplateGets: after a bucket's first objects, GETs come from the
// template, signed for the bucket's region, and read the same events as
// the files on disk.
func TestTemplateGets(t *testing.T) {
	srv, dir := treeServer(t)
	c := newTestClient(t, srv)
	got := readAll(t, c, "s3://"+s3test.TrailBucket+"/")
	keys := localKeys(t, dir, s3test.TrailBucket, "")
	for _, k := range keys {
		ins, err := ingest.ExpandInputs([]string{filepath.Join(dir, s3test.TrailBucket, k)})
		if err != nil {
			t.Fatal(err)
		}
		want := ingest.ReadInputs(context.Background(), ins, ingest.ReadOptions{Workers: 1}, func(int, *ingest.Event) {})[0]
		if st := got[k]; st == nil || st.Err != nil || st.Events != want.Events || st.SHA256 != want.SHA256 {
			t.Errorf("%s: got %+v, want %d events, sha256 %s", k, st, want.Events, want.SHA256)
		}
	}
	sdk, fast := 0, 0
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet || r.Key == "" {
			continue
		}
		if r.Header.Get(sdkHeader) != "" {
			sdk++
			continue
		}
		fast++
		auth := r.Header.Get("Authorization")
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential="+s3test.AccessKeyID+"/") || !strings.Contains(auth, "/us-east-1/s3/aws4_request") ||
			r.Header.Get("X-Amz-Date") == "" || r.Header.Get("X-Amz-Content-Sha256") == "" || r.Header.Get("Accept-Encoding") != "identity" {
			t.Errorf("%s: headers %v", r, r.Header)
		}
	}
	// Only the requests sent before the first answer came go through
	// GetObject: at most the concurrency (4), and a few more sent while
	// the first bodies were read.
	if sdk > 8 || sdk+fast != len(keys) {
		t.Errorf("%d GetObject and %d template GETs for %d objects", sdk, fast, len(keys))
	}
}

// TestTemplateFailures: failures of template GETs are reported and
// retried as GetObject's are: a 403 once, with S3's code; a 503 retried
// once (by GetObject, with the attempts left); a truncated gzip as a read
// error.
func TestTemplateFailures(t *testing.T) {
	srv, keys := smallTrail(t)
	c := newTestClient(t, srv)
	url := "s3://" + s3test.TrailBucket + "/"
	readAll(t, c, url) // learns the template
	c.mu.Lock()
	learned := c.templates[s3test.TrailBucket] != nil
	c.mu.Unlock()
	if !learned {
		t.Fatal("no template after reading the bucket")
	}
	denied, cut, slow, gone := keys[0], keys[1], keys[2], keys[3]
	srv.Truncate(t, s3test.TrailBucket, cut)
	srv.Fail(s3test.TrailBucket, denied, 403, 403, 403)
	srv.Fail(s3test.TrailBucket, slow, 503)
	srv.Fail(s3test.TrailBucket, gone, 503, 503, 503)
	srv.Reset()
	got := readAll(t, c, url)
	reqs := map[string][]bool{} // key → per request: sent by GetObject
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet && r.Key != "" {
			reqs[r.Key] = append(reqs[r.Key], r.Header.Get(sdkHeader) != "")
		}
	}
	for _, k := range keys {
		st, name := got[k], "s3://"+s3test.TrailBucket+"/"+k
		var want []bool
		switch k {
		case denied:
			if st.Err == nil || !strings.Contains(st.Err.Error(), "get "+name+": AccessDenied: Forbidden") {
				t.Errorf("403: err %v", st.Err)
			}
			want = []bool{false}
		case cut:
			if st.Err == nil || !strings.Contains(st.Err.Error(), "unexpected EOF") {
				t.Errorf("truncated gzip: err %v", st.Err)
			}
			want = []bool{false}
		case slow:
			if st.Err != nil || st.Events == 0 {
				t.Errorf("503 then 200: %d events, err %v", st.Events, st.Err)
			}
			want = []bool{false, true}
		case gone:
			// Three attempts in all, as GetObject alone makes.
			if st.Err == nil || !strings.Contains(st.Err.Error(), "get "+name+": SlowDown") {
				t.Errorf("503 three times: err %v", st.Err)
			}
			want = []bool{false, true, true}
		default:
			want = []bool{false}
		}
		if !equalBools(reqs[k], want) {
			t.Errorf("%s: requests by GetObject %v, want %v", k, reqs[k], want)
		}
	}
}

// TestTemplateSignatureRefused: a template GET whose signature S3
// refuses (as when the local clock is off) is made again by GetObject,
// which corrects the clock's skew, with all its attempts, and the bucket
// goes back to GetObject.
func TestTemplateSignatureRefused(t *testing.T) {
	srv, keys := smallTrail(t)
	c := newTestClient(t, srv)
	url := "s3://" + s3test.TrailBucket + "/"
	readAll(t, c, url)
	skewed := keys[len(keys)/2]
	srv.FailCode(s3test.TrailBucket, skewed, 403, "RequestTimeTooSkewed")
	srv.Reset()
	got := readAll(t, c, url)
	if st := got[skewed]; st.Err != nil || st.Events == 0 {
		t.Errorf("%s: %d events, err %v", skewed, st.Events, st.Err)
	}
	var byGetObject []bool
	for _, r := range srv.Requests() {
		if r.Key == skewed {
			byGetObject = append(byGetObject, r.Header.Get(sdkHeader) != "")
		}
	}
	if !equalBools(byGetObject, []bool{false, true}) {
		t.Errorf("requests by GetObject %v, want [false true]", byGetObject)
	}
	c.mu.Lock()
	tpl, known := c.templates[s3test.TrailBucket]
	c.mu.Unlock()
	if tpl != nil || !known {
		t.Errorf("template %v (known %v) after a refused signature, want none", tpl, known)
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNewTemplateRejects: a request the template would not reproduce
// gives no template, so its bucket stays with GetObject.
func TestNewTemplateRejects(t *testing.T) {
	srv := s3test.NewServer(t)
	c := newTestClient(t, srv)
	opts := c.clientFor("us-east-1").Options()
	o := Object{Bucket: "b", Key: "AWSLogs/x.json.gz"}
	base := func() *http.Request {
		u, _ := url.Parse(srv.URL + "/b/AWSLogs/x.json.gz?x-id=GetObject")
		r := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}
		r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		r.Header.Set("X-Amz-Date", "20261130T120000Z")
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s3test.AccessKeyID+"/20261130/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00")
		return r
	}
	for _, tc := range []struct {
		name string
		edit func(*http.Request, *Object)
	}{
		{"signature not reproduced", func(*http.Request, *Object) {}},
		{"another scheme", func(r *http.Request, _ *Object) { r.Header.Set("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=x") }},
		{"access point ARN", func(_ *http.Request, o *Object) { o.Bucket = "arn:aws:s3:us-east-1:111111111111:accesspoint/ap" }},
		{"S3 Express", func(_ *http.Request, o *Object) { o.Bucket = "b--use1-az4--x-s3" }},
		{"session token", func(r *http.Request, _ *Object) { r.Header.Set("X-Amz-S3session-Token", "t") }},
		{"key not at the end of the path", func(_ *http.Request, o *Object) { o.Key = "other.json.gz" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, obj := base(), o
			tc.edit(r, &obj)
			if tpl := newTemplate(context.Background(), r, obj, opts); tpl != nil {
				t.Errorf("template %+v", tpl)
			}
		})
	}
}

func TestSkewed(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		date string
		want bool
	}{
		{now.UTC().Format(http.TimeFormat), false},
		{now.Add(-3 * time.Minute).UTC().Format(http.TimeFormat), false},
		{now.Add(5 * time.Minute).UTC().Format(http.TimeFormat), true},
		{now.Add(-time.Hour).UTC().Format(http.TimeFormat), true},
		{"", true},
		{"yesterday", true},
	} {
		if got := skewed(tc.date); got != tc.want {
			t.Errorf("skewed(%q) = %v, want %v", tc.date, got, tc.want)
		}
	}
}
