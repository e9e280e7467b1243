package s3input

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/httpbinding"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The SDK's GetObject costs about three times the CPU of the request it
// sends (a middleware stack of some forty steps built, run and thrown
// away per call: 31 KB and 460 allocations), more than decoding a small
// CloudTrail object. So only a bucket's first objects are fetched through
// GetObject; from the request the SDK made for one of them, a template
// is kept (the URL its endpoint rules chose, its headers, the signing
// region and service), and later objects of the bucket are GETs built
// from it, signed by the client's own SigV4 signer with credentials from
// its own provider, sent by its own HTTP client. A template is used only
// once re-signing the SDK's request with it gave the SDK's signature
// byte for byte. Any failure of such a GET that the client's retryer
// would retry goes back to GetObject, with the attempts left.
// Buckets the template cannot describe (S3 Express sessions, access
// point ARNs, other signing schemes) and unusual keys always use
// GetObject.

// template is how the SDK sent a GetObject for a bucket.
type template struct {
	url         url.URL // scheme, host, query; the path is prefix + escaped key
	prefix      string  // escaped path before the key
	header      http.Header
	payloadHash string
	service     string
	region      string
	signer      s3.HTTPSignerV4
	creds       aws.CredentialsProvider
	http        s3.HTTPClient
	retryer     aws.Retryer
	maxAttempts int
}

// Headers the SDK sets per call or per signature, left out of a
// template.
var perRequestHeaders = []string{"Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Amz-Sdk-Invocation-Id", "Amz-Sdk-Request"}

// get opens an object's body.
func (c *Client) get(ctx context.Context, o Object) (io.ReadCloser, error) {
	cl := c.bucketClient(ctx, o.Bucket)
	var optFns []func(*s3.Options)
	if plainKey(o.Key) {
		c.mu.Lock()
		t, known := c.templates[o.Bucket]
		c.mu.Unlock()
		switch {
		case t != nil:
			rc, err, attempts := t.get(ctx, o)
			if attempts == t.maxAttempts {
				// The signature was refused: this bucket goes back
				// to GetObject, which corrects the clock's skew.
				c.mu.Lock()
				c.templates[o.Bucket] = nil
				c.mu.Unlock()
			}
			if attempts == 0 {
				if err != nil {
					return nil, requestError("get", o.Bucket, o.Key, err)
				}
				c.opened.Add(1)
				return &body{rc: rc, o: o}, nil
			}
			optFns = append(optFns, func(opt *s3.Options) { opt.RetryMaxAttempts = attempts })
		case !known:
			optFns = append(optFns, c.learn(cl, o))
		}
	}
	out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)}, optFns...)
	if err != nil {
		return nil, requestError("get", o.Bucket, o.Key, err)
	}
	c.opened.Add(1)
	return &body{rc: out.Body, o: o}, nil
}

// plainKey reports whether key is one whose path the template can make:
// no empty, "." or ".." segment, which URL handling may fold.
func plainKey(key string) bool {
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// learn returns an option for o's GetObject that keeps a template for
// o's bucket from the request the SDK signs, once the request succeeded
// and the template reproduced its signature; a bucket whose request the
// template cannot describe gets none, and never asks again.
func (c *Client) learn(cl *s3.Client, o Object) func(*s3.Options) {
	return func(opt *s3.Options) {
		capture := middleware.DeserializeMiddlewareFunc("honeyreportTemplate", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			req, _ := in.Request.(*smithyhttp.Request)
			out, md, err := next.HandleDeserialize(ctx, in)
			if err != nil || req == nil {
				return out, md, err
			}
			t := newTemplate(ctx, req.Request, o, cl.Options())
			if resp, ok := out.RawResponse.(*smithyhttp.Response); !ok || skewed(resp.Header.Get("Date")) {
				t = nil
			}
			c.mu.Lock()
			if _, ok := c.templates[o.Bucket]; !ok || t != nil {
				c.templates[o.Bucket] = t
			}
			c.mu.Unlock()
			return out, md, err
		})
		opt.APIOptions = append(opt.APIOptions, func(st *middleware.Stack) error {
			// First in the deserialize step: it sees the request as
			// sent, and the answer before it becomes an output.
			return st.Deserialize.Add(capture, middleware.Before)
		})
	}
}

// newTemplate makes a template from req, the SDK's signed GetObject of
// o, or returns nil when the template would not reproduce it.
func newTemplate(ctx context.Context, req *http.Request, o Object, opts s3.Options) *template {
	if strings.HasPrefix(o.Bucket, "arn:") || strings.HasSuffix(o.Bucket, "--x-s3") || req.Method != http.MethodGet ||
		req.Header.Get("X-Amz-S3session-Token") != "" || opts.HTTPSignerV4 == nil || opts.Credentials == nil || opts.HTTPClient == nil || opts.Retryer == nil {
		return nil
	}
	auth := req.Header.Get("Authorization")
	// AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/s3/aws4_request, SignedHeaders=..., Signature=...
	scope, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 Credential=")
	if !ok {
		return nil
	}
	scope, _, _ = strings.Cut(scope, ",")
	parts := strings.Split(scope, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" {
		return nil
	}
	key := "/" + httpbinding.EscapePath(o.Key, false)
	path := req.URL.EscapedPath()
	prefix, ok := strings.CutSuffix(path, key)
	if !ok {
		return nil
	}
	t := &template{
		url: url.URL{Scheme: req.URL.Scheme, Host: req.URL.Host, RawQuery: req.URL.RawQuery}, prefix: prefix,
		header: req.Header.Clone(), payloadHash: req.Header.Get("X-Amz-Content-Sha256"),
		region: parts[2], service: parts[3],
		signer: opts.HTTPSignerV4, creds: opts.Credentials, http: opts.HTTPClient,
		retryer: opts.Retryer, maxAttempts: opts.Retryer.MaxAttempts(),
	}
	if opts.RetryMaxAttempts > 0 {
		t.maxAttempts = opts.RetryMaxAttempts
	}
	if req.Host != "" && req.Host != req.URL.Host || t.payloadHash == "" || t.maxAttempts < 1 {
		return nil
	}
	// The check: the SDK's own request, signed again at its own time
	// with the template's method, must carry the SDK's signature.
	signed, err := time.Parse("20060102T150405Z", req.Header.Get("X-Amz-Date"))
	if err != nil {
		return nil
	}
	again, err := t.request(ctx, o.Key, req.Header, signed)
	if err != nil || again.Header.Get("Authorization") != auth {
		return nil
	}
	for _, h := range perRequestHeaders {
		t.header.Del(h)
	}
	return t
}

// request builds and signs the GET of key with header's headers.
func (t *template) request(ctx context.Context, key string, header http.Header, at time.Time) (*http.Request, error) {
	u := t.url
	u.RawPath = t.prefix + "/" + httpbinding.EscapePath(key, false)
	var err error
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return nil, err
	}
	req := (&http.Request{Method: http.MethodGet, URL: &u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: header.Clone(), Host: u.Host}).WithContext(ctx)
	for _, h := range perRequestHeaders {
		if h != "Amz-Sdk-Invocation-Id" && h != "Amz-Sdk-Request" {
			req.Header.Del(h)
		}
	}
	creds, err := t.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.signer.SignHTTP(ctx, creds, req, t.payloadHash, t.service, t.region, at); err != nil {
		return nil, err
	}
	return req, nil
}

// maxSkew is the difference between the local clock and S3's beyond
// which the SDK corrects the time it signs with (aws/retry's
// skewThreshold); the template signs with the local time, so a bucket
// whose answer shows more stays with GetObject.
const maxSkew = 4 * time.Minute

// skewed reports whether an answer's Date is further than maxSkew from
// the local clock, or missing.
func skewed(date string) bool {
	t, err := http.ParseTime(date)
	if err != nil {
		return true
	}
	d := time.Since(t)
	return d > maxSkew || d < -maxSkew
}

// signatureRefused lists the error codes with which S3 refuses a
// signature, as when the clock is off (aws/retry's clockSkewCodes).
var signatureRefused = map[string]bool{"RequestTimeTooSkewed": true, "SignatureDoesNotMatch": true, "AuthFailure": true, "InvalidSignatureException": true}

// get sends o's GET once. When it failed in a way the retryer retries,
// and attempts are left, attempts is how many GetObject may make (after
// the retryer's delay); when S3 refused the signature, GetObject makes
// all t.maxAttempts; otherwise attempts is 0 and rc or err is the
// answer.
func (t *template) get(ctx context.Context, o Object) (rc io.ReadCloser, err error, attempts int) {
	req, err := t.request(ctx, o.Key, t.header, time.Now().UTC())
	if err != nil {
		return nil, err, 0
	}
	resp, err := t.http.Do(req)
	if err == nil {
		if resp.StatusCode == http.StatusOK {
			return resp.Body, nil, 0
		}
		err = responseError(resp)
	} else {
		// As the SDK wraps it, for the retryer to judge alike.
		err = &smithyhttp.RequestSendError{Err: err}
	}
	if se, ok := err.(*statusError); ok && signatureRefused[se.Code] && ctx.Err() == nil {
		return nil, nil, t.maxAttempts
	}
	if ctx.Err() != nil || t.maxAttempts < 2 || !t.retryer.IsErrorRetryable(err) {
		return nil, err, 0
	}
	delay, derr := t.retryer.RetryDelay(1, err)
	if derr != nil {
		return nil, err, 0
	}
	select {
	case <-time.After(delay):
	case <-ctx.Done():
		return nil, ctx.Err(), 0
	}
	return nil, nil, t.maxAttempts - 1
}

// statusError is an S3 error answer: its code and message, and its HTTP
// status, which the retryer reads as it does the SDK's errors.
type statusError struct {
	smithy.GenericAPIError
	status int
}

func (e *statusError) HTTPStatusCode() int { return e.status }

// responseError reads S3's XML error document from a failed answer
// (HEAD-like answers have none: the status stands for it) and closes it.
func responseError(resp *http.Response) error {
	defer resp.Body.Close()
	e := &statusError{status: resp.StatusCode}
	e.Fault = smithy.FaultServer
	if resp.StatusCode < 500 {
		e.Fault = smithy.FaultClient
	}
	var doc struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	if err := xml.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&doc); err == nil || errors.Is(err, io.EOF) {
		e.Code, e.Message = doc.Code, doc.Message
	}
	if e.Code == "" {
		e.Code = http.StatusText(resp.StatusCode)
		if e.Code == "" {
			e.Code = resp.Status
		}
	}
	return e
}
