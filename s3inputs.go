package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/honeyreport/honeyreport/ingest"
	"github.com/honeyreport/honeyreport/s3input"
)

// s3Flags are the flags of s3:// inputs.
type s3Flags struct {
	profile, region string
	concurrency     int
	// client is set by listS3 when an input is an s3:// URL.
	client *s3input.Client
}

func (s *s3Flags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.profile, "aws-profile", "", "AWS shared config `PROFILE` for s3:// inputs (default: $AWS_PROFILE, then the default credential chain)")
	fs.StringVar(&s.region, "aws-region", "", "AWS `REGION` of the s3:// buckets (default: looked up per bucket)")
	fs.IntVar(&s.concurrency, "s3-concurrency", s3input.DefaultConcurrency, "send up to `N` S3 requests at once for s3:// inputs")
}

// splitS3 separates s3:// arguments from paths, keeping each one's order.
func splitS3(args []string) (paths, urls []string) {
	for _, a := range args {
		if s3input.IsURL(a) {
			urls = append(urls, a)
		} else {
			paths = append(paths, a)
		}
	}
	return paths, urls
}

// listS3 lists the objects of the s3:// inputs, pruned to the report's
// window (parsed by plan before this is called) and, when the report
// compares with the window before it, to that one too. The endpoint
// variables are read here, not by the SDK alone, so that path-style
// addressing goes with them.
func (f *reportFlags) listS3(ctx context.Context, urls []string, e *env) ([]ingest.Input, error) {
	if len(urls) == 0 {
		return nil, nil
	}
	if f.s3.concurrency < 1 {
		return nil, usagef("--s3-concurrency must be at least 1")
	}
	for _, u := range urls {
		if _, _, err := s3input.ParseURL(u); err != nil {
			return nil, usagef("input %v", err)
		}
	}
	endpoint := e.getenv("AWS_ENDPOINT_URL_S3")
	if endpoint == "" {
		endpoint = e.getenv("AWS_ENDPOINT_URL")
	}
	cl, err := s3input.New(ctx, s3input.Options{Profile: f.s3.profile, Region: f.s3.region, Endpoint: endpoint, Concurrency: f.s3.concurrency})
	if err != nil {
		return nil, err
	}
	span := s3input.Span{Since: f.timeWindow.Since, Until: f.timeWindow.Until}
	if prev := f.timeWindow.Previous(); f.baselinePath == "" && !prev.IsZero() {
		span.Since = prev.Since
	}
	var objs []s3input.Object
	// Overlapping prefixes (s3://b/AWSLogs/ and s3://b/AWSLogs/1234/) name
	// some objects twice: each is read once, as a file named twice is.
	seen := map[s3input.Object]bool{}
	for _, u := range urls {
		before, _ := cl.Progress()
		stop := startTicker(e, f.quiet, func() string {
			listed, _ := cl.Progress()
			return fmt.Sprintf("listing %s: %s objects", printable(u), humanCount(listed-before))
		})
		got, err := cl.List(ctx, u, span)
		stop()
		if err != nil {
			return nil, err
		}
		if len(got) == 0 && !f.quiet {
			what := "no object"
			if span != (s3input.Span{}) {
				what = "no object dated in the window"
			}
			fmt.Fprintf(e.stderr, "honeyreport: %s: %s\n", printable(u), what)
		}
		for _, o := range got {
			if !seen[o] {
				seen[o] = true
				objs = append(objs, o)
			}
		}
	}
	f.s3.client = cl
	return cl.Inputs(ctx, objs), nil
}

// readAhead opens the s3:// inputs ahead of the readers for one pass over
// ins; done ends the pass.
func (s *s3Flags) readAhead(ctx context.Context, ins []ingest.Input) (out []ingest.Input, done func()) {
	if s == nil || s.client == nil {
		return ins, func() {}
	}
	return s.client.ReadAhead(ctx, ins)
}

// s3Progress returns the progress line's label: "reading", and with
// s3:// inputs how many of the objects listed were opened.
func (s *s3Flags) s3Progress() func() string {
	if s.client == nil {
		return func() string { return "reading" }
	}
	return func() string {
		listed, opened := s.client.Progress()
		return fmt.Sprintf("reading %s/%s objects,", humanCount(opened), humanCount(listed))
	}
}
