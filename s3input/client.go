package s3input

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Options configure a Client. The zero value uses the default
// credential chain and finds each bucket's region.
type Options struct {
	// Profile is a shared config profile (--aws-profile); "" is the
	// default chain's choice (AWS_PROFILE, then "default").
	Profile string
	// Region is the region of every bucket (--aws-region); "" looks each
	// bucket's region up.
	Region string
	// Endpoint is an S3-compatible endpoint (AWS_ENDPOINT_URL_S3 or
	// AWS_ENDPOINT_URL); when set, requests use path-style addressing.
	Endpoint string
	// Concurrency bounds the requests in flight; below 1 means 16.
	Concurrency int
	// MaxAttempts is how often a throttled or failed (5xx) request is
	// tried; below 1 keeps the SDK's default (3).
	MaxAttempts int
	// HTTPClient replaces the SDK's HTTP client (tests).
	HTTPClient *http.Client
}

// DefaultConcurrency is the number of requests in flight when Options
// does not say.
const DefaultConcurrency = 16

// fallbackRegion signs requests when neither the flags, the config nor
// the bucket say where a bucket is: S3 answers a request signed for
// us-east-1 with the bucket's real region.
const fallbackRegion = "us-east-1"

// Client lists and opens objects. It is safe for concurrent use.
type Client struct {
	cfg  aws.Config
	opts Options

	mu      sync.Mutex
	regions map[string]string     // bucket → region
	clients map[string]*s3.Client // region → client

	listed, opened atomic.Int64
}

// New loads the AWS configuration (environment, shared config and
// credentials files, SSO, web identity, container and instance roles).
// Credentials are resolved lazily, at the first request.
func New(ctx context.Context, opts Options) (*Client, error) {
	if opts.Concurrency < 1 {
		opts.Concurrency = DefaultConcurrency
	}
	var load []func(*config.LoadOptions) error
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Region != "" {
		load = append(load, config.WithRegion(opts.Region))
	}
	if opts.HTTPClient != nil {
		load = append(load, config.WithHTTPClient(opts.HTTPClient))
	} else {
		// The default keeps 10 idle connections a host: with more
		// requests in flight, every object past the tenth would open a
		// new connection (and TLS session).
		load = append(load, config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConns = max(tr.MaxIdleConns, 2*opts.Concurrency)
			tr.MaxIdleConnsPerHost = max(tr.MaxIdleConnsPerHost, 2*opts.Concurrency)
		})))
	}
	if opts.MaxAttempts > 0 {
		load = append(load, config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = opts.MaxAttempts })
		}))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, fmt.Errorf("aws config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = fallbackRegion
	}
	return &Client{cfg: cfg, opts: opts, regions: map[string]string{}, clients: map[string]*s3.Client{}}, nil
}

// Progress returns how many objects the listings found and how many were
// opened so far.
func (c *Client) Progress() (listed, opened int64) { return c.listed.Load(), c.opened.Load() }

// clientFor returns the client for region, made once.
func (c *Client) clientFor(region string) *s3.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.clients[region]; ok {
		return cl
	}
	cl := s3.NewFromConfig(c.cfg, func(o *s3.Options) {
		o.Region = region
		if c.opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.opts.Endpoint)
			o.UsePathStyle = true
		}
		// Stores other than S3 send no checksums; not validating is
		// normal there and not worth a warning on every object.
		o.DisableLogOutputChecksumValidationSkipped = true
		// Logs are read over TLS, which already checks every byte; a
		// CRC of every object on top is CPU the reading needs.
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	c.clients[region] = cl
	return cl
}

// bucketClient returns the client for bucket's region: --aws-region when
// given, else the region S3 names in HeadBucket's answer (even a refusal
// or a redirect carries it), else the configured one.
func (c *Client) bucketClient(ctx context.Context, bucket string) *s3.Client {
	if c.opts.Region != "" {
		return c.clientFor(c.opts.Region)
	}
	c.mu.Lock()
	region, ok := c.regions[bucket]
	c.mu.Unlock()
	if ok {
		return c.clientFor(region)
	}
	region = c.lookupRegion(ctx, bucket)
	if region == "" {
		region = c.cfg.Region
	}
	c.mu.Lock()
	c.regions[bucket] = region
	c.mu.Unlock()
	return c.clientFor(region)
}

func (c *Client) lookupRegion(ctx context.Context, bucket string) string {
	var region string
	capture := middleware.DeserializeMiddlewareFunc("honeyreportBucketRegion", func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
		out, md, err := next.HandleDeserialize(ctx, in)
		if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
			region = resp.Header.Get("X-Amz-Bucket-Region")
		}
		return out, md, err
	})
	// Whatever the answer, the region header is all that is wanted: a
	// failure here shows again, with its reason, in the listing.
	c.clientFor(c.cfg.Region).HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)}, func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Deserialize.Add(capture, middleware.After)
		})
		o.Retryer = aws.NopRetryer{}
	})
	return region
}

// requestError says what a failed request was for, keeping S3's error
// code and message ("AccessDenied: Access Denied") and leaving out the
// SDK's request IDs.
func requestError(op, bucket, key string, err error) error {
	name := "s3://" + bucket + "/" + key
	var api smithy.APIError
	if errors.As(err, &api) {
		msg := api.ErrorCode()
		if m := api.ErrorMessage(); m != "" && m != msg {
			msg += ": " + m
		}
		if msg == "" {
			msg = strings.TrimSpace(err.Error())
		}
		return fmt.Errorf("%s %s: %s", op, name, msg)
	}
	return fmt.Errorf("%s %s: %w", op, name, err)
}
