package s3input

import (
	"context"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// get opens an object's body. Every object goes through the SDK's
// GetObject, with its endpoint rules, signing, clock-skew correction and
// retryer: its CPU cost per object (about 145 µs against a loopback
// server, a third of it the request itself) is what a real S3 round trip
// of tens of milliseconds hides behind --s3-concurrency. A leaner GET
// built beside the SDK measured faster only against loopback, and would
// have to track the SDK's behaviour on real AWS by hand (BENCHMARKS.md).
func (c *Client) get(ctx context.Context, o Object) (io.ReadCloser, error) {
	out, err := c.bucketClient(ctx, o.Bucket).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.Bucket), Key: aws.String(o.Key)})
	if err != nil {
		return nil, requestError("get", o.Bucket, o.Key, err)
	}
	c.opened.Add(1)
	return &body{rc: out.Body, o: o}, nil
}
