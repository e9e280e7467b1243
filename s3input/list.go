package s3input

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Object is one object to read.
type Object struct {
	Bucket, Key string
	Size        int64
}

// Name is the object as shown to the user: s3://bucket/key.
func (o Object) Name() string { return "s3://" + o.Bucket + "/" + o.Key }

// IsURL reports whether arg names an S3 location rather than a file.
func IsURL(arg string) bool { return strings.HasPrefix(arg, "s3://") }

// ParseURL splits s3://BUCKET/PREFIX. The prefix may be empty (the whole
// bucket) and is kept as given: "logs/access-" selects keys starting with
// it, as S3's own prefixes do.
func ParseURL(arg string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(arg, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%q: not an s3:// URL", arg)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%q: no bucket name", arg)
	}
	return bucket, prefix, nil
}

// Span is the time the listing must cover: the report's window (and the
// window before it, when the report compares with it). A zero bound is
// open; the zero Span lists everything.
type Span struct{ Since, Until time.Time }

// Margins around a Span for keys dated by delivery time, which follows
// the events a file holds. CloudTrail delivers a file about every five
// minutes ("typically within 5 minutes" of the call; one hour is twelve
// times that); S3 server access logging is best effort, "most records
// within a few hours", so a day. A file dated before Since-earlyMargin
// holds no event of the span; one dated at or after Until+lateMargin is
// not read. The filter then drops the events outside the window that
// the edge files bring.
const (
	earlyMargin           = time.Hour
	cloudTrailLateMargin  = time.Hour
	accessLogLateMargin   = 24 * time.Hour
	maxListDepth          = 12
	maxKeysPerListRequest = 1000
)

var (
	// 111122223333_CloudTrail_us-east-1_20261123T0005Z_Ab12Cd34Ef56Gh78.json.gz
	cloudTrailName = regexp.MustCompile(`_CloudTrail_[a-z0-9-]+_(\d{8}T\d{4}Z)_[^/]*$`)
	// 2026-11-23-00-05-12-0A1B2C3D4E5F6A7B, after the target prefix
	accessLogName = regexp.MustCompile(`^(\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)-[^/]*$`)
	yearDir       = regexp.MustCompile(`^(19|20)\d\d/$`)
)

// keyTime is the delivery time in an object's name, with the margin
// after it that events may precede it by; ok is false for names in no
// known layout.
func keyTime(name string) (t time.Time, late time.Duration, ok bool) {
	if m := cloudTrailName.FindStringSubmatch(name); m != nil {
		if t, err := time.Parse("20060102T1504Z", m[1]); err == nil {
			return t, cloudTrailLateMargin, true
		}
	}
	if m := accessLogName.FindStringSubmatch(name); m != nil {
		if t, err := time.Parse("2006-01-02-15-04-05", m[1]); err == nil {
			return t, accessLogLateMargin, true
		}
	}
	return time.Time{}, 0, false
}

// keep reports whether an object named name (the part after its
// directory, or after the prefix for access logs) may hold events of s.
func (s Span) keep(name string) bool {
	t, late, ok := keyTime(name)
	if !ok {
		return true
	}
	if !s.Since.IsZero() && t.Before(s.Since.Add(-earlyMargin)) {
		return false
	}
	return s.Until.IsZero() || t.Before(s.Until.Add(late))
}

// days lists the UTC days whose date directories may hold objects of s,
// or nil when a bound is open.
func (s Span) days() []time.Time {
	if s.Since.IsZero() || s.Until.IsZero() {
		return nil
	}
	first := s.Since.Add(-earlyMargin).UTC().Truncate(24 * time.Hour)
	last := s.Until.Add(accessLogLateMargin - time.Nanosecond).UTC()
	var out []time.Time
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// List returns the objects under url (s3://BUCKET/PREFIX), sorted by key,
// leaving out those whose key dates them outside span:
//
//   - a folder whose subfolders are years (YYYY/, as in CloudTrail's
//     AWSLogs/[o-ORG/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ and access
//     logs' partitioned PREFIXACCOUNT/REGION/SOURCEBUCKET/YYYY/MM/DD/) is
//     read one day folder at a time, only the span's days;
//   - a folder of access logs named PREFIXYYYY-MM-DD-hh-mm-ss-UNIQUE is
//     listed from the span's start (StartAfter) to its end;
//   - any other folder is listed in full, and its subfolders walked.
//
// Every other account, region or source bucket found on the way is read
// too. With a zero span, everything under the prefix is listed in one
// listing. Listing requests run up to Options.Concurrency at a time. A
// failed listing fails the whole list: an unreadable part of the tree
// would make the report silently incomplete.
func (c *Client) List(ctx context.Context, url string, span Span) ([]Object, error) {
	bucket, prefix, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	w := &walker{c: c, cl: c.bucketClient(ctx, bucket), bucket: bucket, span: span, sem: make(chan struct{}, c.opts.Concurrency)}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w.cancel = cancel
	if span == (Span{}) {
		w.wg.Add(1)
		go w.listAll(ctx, prefix)
	} else {
		w.wg.Add(1)
		go w.walk(ctx, prefix, 0)
	}
	w.wg.Wait()
	if w.err != nil {
		return nil, w.err
	}
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	sort.Slice(w.objs, func(i, j int) bool { return w.objs[i].Key < w.objs[j].Key })
	return w.objs, nil
}

// walker is one List call's state, shared by its goroutines.
type walker struct {
	c      *Client
	cl     *s3.Client
	bucket string
	span   Span
	sem    chan struct{}
	wg     sync.WaitGroup
	cancel context.CancelCauseFunc

	mu   sync.Mutex
	objs []Object
	err  error
}

func (w *walker) fail(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.cancel(err)
}

func (w *walker) add(o Object) {
	w.mu.Lock()
	w.objs = append(w.objs, o)
	w.mu.Unlock()
	w.c.listed.Add(1)
}

// page makes one ListObjectsV2 request, holding a slot of the
// concurrency limit only while it runs.
func (w *walker) page(ctx context.Context, in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	select {
	case w.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	defer func() { <-w.sem }()
	in.Bucket = aws.String(w.bucket)
	out, err := w.cl.ListObjectsV2(ctx, in)
	if err != nil {
		return nil, requestError("list", w.bucket, aws.ToString(in.Prefix), err)
	}
	return out, nil
}

// listAll lists every object under prefix, recursively, keeping those
// the span keeps.
func (w *walker) listAll(ctx context.Context, prefix string) {
	defer w.wg.Done()
	in := &s3.ListObjectsV2Input{Prefix: aws.String(prefix)}
	for {
		out, err := w.page(ctx, in)
		if err != nil {
			w.fail(err)
			return
		}
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			if w.span.keep(path.Base(key)) {
				w.add(Object{Bucket: w.bucket, Key: key, Size: aws.ToInt64(o.Size)})
			}
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			return
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// walk lists the folder dir (a prefix ending in "/", or the prefix as
// the user gave it) one level deep and decides, from what it holds, how
// to go on.
func (w *walker) walk(ctx context.Context, dir string, depth int) {
	defer w.wg.Done()
	if depth > maxListDepth {
		w.wg.Add(1)
		w.listAll(ctx, dir)
		return
	}
	in := &s3.ListObjectsV2Input{Prefix: aws.String(dir), Delimiter: aws.String("/"), MaxKeys: aws.Int32(maxKeysPerListRequest)}
	var subdirs []string
	years := false
	for {
		out, err := w.page(ctx, in)
		if err != nil {
			w.fail(err)
			return
		}
		for _, p := range out.CommonPrefixes {
			sub := aws.ToString(p.Prefix)
			if yearDir.MatchString(strings.TrimPrefix(sub, dir)) && strings.HasSuffix(dir, "/") {
				years = true
				continue
			}
			subdirs = append(subdirs, sub)
		}
		last := ""
		stop := false
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			last = key
			name := strings.TrimPrefix(key, dir)
			if t, late, ok := keyTime(name); ok && !w.span.Until.IsZero() && !t.Before(w.span.Until.Add(late)) {
				// Access logs named by date sort by date: the rest of
				// this folder is later still.
				if accessLogName.MatchString(name) {
					stop = true
					break
				}
			}
			if w.span.keep(name) && w.span.keep(path.Base(key)) {
				w.add(Object{Bucket: w.bucket, Key: key, Size: aws.ToInt64(o.Size)})
			}
		}
		if stop || !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			break
		}
		// Date-named access logs before the span: skip to its start
		// instead of paging through months of older keys.
		if from := w.startAfter(dir); from != "" && accessLogName.MatchString(strings.TrimPrefix(last, dir)) && last < from {
			in.ContinuationToken = nil
			in.StartAfter = aws.String(from)
			continue
		}
		in.StartAfter = nil
		in.ContinuationToken = out.NextContinuationToken
	}
	if years {
		w.days(ctx, dir)
	}
	for _, sub := range subdirs {
		w.wg.Add(1)
		go w.walk(ctx, sub, depth+1)
	}
}

// startAfter is the key after which a folder's date-named access logs
// may hold events of the span, or "" when the span has no start.
func (w *walker) startAfter(dir string) string {
	if w.span.Since.IsZero() {
		return ""
	}
	// "-" sorts before every character of a unique suffix, so every key
	// of that second is listed too.
	return dir + w.span.Since.Add(-earlyMargin).UTC().Format("2006-01-02-15-04-05")
}

// days lists the span's day folders under dir (which holds YYYY/
// folders); with an open bound, everything below dir.
func (w *walker) days(ctx context.Context, dir string) {
	days := w.span.days()
	if days == nil {
		w.wg.Add(1)
		go w.listAll(ctx, dir)
		return
	}
	for _, d := range days {
		w.wg.Add(1)
		go w.listAll(ctx, dir+d.Format("2006/01/02/"))
	}
}
