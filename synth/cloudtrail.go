package synth

import (
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
)

// CloudTrailFileRecords is how many records a CloudTrail file holds at most;
// AWS delivers files of a few hundred to a few thousand records.
const CloudTrailFileRecords = 1000

// WriteCloudTrailTree writes recs as CloudTrail delivers them to a log
// bucket, synced to dir:
//
//	dir/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<id>.json.gz
//
// each file a gzip-compressed {"Records":[...]} of at most
// CloudTrailFileRecords S3 data events, with about 2% management events of
// other services mixed in (Expected.CloudTrailNonS3) that parsers must
// filter. A file never spans two days. recs must come oldest first
// (Generator.Ascending). Compression runs on two goroutines beside the
// caller's, so generation and compression overlap. It returns the number
// of files written.
func WriteCloudTrailTree(dir string, recs iter.Seq[*Record]) (files int, err error) {
	jobs := make(chan ctFile, 2)
	free := make(chan []byte, 4)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	for range 2 {
		wg.Go(func() {
			zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
			for f := range jobs {
				if err := f.write(dir, zw); err != nil {
					fail(err)
				}
				select {
				case free <- f.data[:0]:
				default:
				}
			}
		})
	}
	finish := func() (int, error) {
		close(jobs)
		wg.Wait()
		return files, firstErr
	}

	var cur ctFile
	var prev time.Time
	n := 0
	flush := func() {
		if n == 0 {
			return
		}
		cur.data = append(cur.data, "]}\n"...)
		jobs <- cur
		files++
		cur, n = ctFile{}, 0
	}
	for r := range recs {
		if r.Time.Before(prev) {
			flush()
			_, _ = finish()
			return files, fmt.Errorf("cloudtrail: record for alert #%d is older than the one before it: records must be oldest first", r.Alert)
		}
		extra := r.cloudTrailExtra()
		need := 1
		if extra {
			need = 2 // the management event goes in the same file
		}
		if n > 0 && (n+need > CloudTrailFileRecords || !sameDay(prev, r.Time)) {
			flush()
		}
		prev = r.Time
		if n == 0 {
			select {
			case cur.data = <-free:
			default:
				cur.data = make([]byte, 0, 1<<20)
			}
			cur.path = ctPath(r)
			cur.data = append(cur.data, `{"Records":[`...)
		}
		if extra {
			if n > 0 {
				cur.data = append(cur.data, ',')
			}
			cur.data = appendMgmtEvent(cur.data, r)
			n++
		}
		if n > 0 {
			cur.data = append(cur.data, ',')
		}
		cur.data = appendCloudTrailEvent(cur.data, r)
		n++
	}
	flush()
	return finish()
}

type ctFile struct {
	path string // relative to the tree's root
	data []byte
}

func (f ctFile) write(dir string, zw *gzip.Writer) error {
	path := filepath.Join(dir, f.path)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cloudtrail: %w", err)
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cloudtrail: %w", err)
	}
	zw.Reset(out)
	_, err = zw.Write(f.data)
	err = errors.Join(err, zw.Close(), out.Close())
	if err != nil {
		return fmt.Errorf("cloudtrail: write %s: %w", path, err)
	}
	return nil
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// ctPath names a file after its first record: CloudTrail stamps the
// delivery, a few minutes after the events, rounded to five minutes.
func ctPath(r *Record) string {
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	stamp := r.Time.Truncate(5 * time.Minute).Add(5 * time.Minute)
	var id [16]byte
	x := r.bits(bitsFileName)
	for i := range id {
		if i == 8 {
			x = r.bits(bitsFileName + 100)
		}
		id[i] = alnum[x%uint64(len(alnum))]
		x /= uint64(len(alnum))
	}
	name := r.Owner + "_CloudTrail_" + r.Region + "_" + stamp.Format("20060102T1504Z") + "_" + string(id[:]) + ".json.gz"
	return filepath.Join("AWSLogs", r.Owner, "CloudTrail", r.Region, r.Time.Format("2006/01/02"), name)
}

func appendCloudTrailEvent(b []byte, r *Record) []byte {
	b = append(b, `{"eventVersion":"1.09","userIdentity":{"type":"AWSAccount","principalId":`...)
	b = appendJSONString(b, r.Principal.PrincipalID)
	b = append(b, `,"accountId":`...)
	b = appendJSONString(b, r.Principal.AccountID)
	b = append(b, `},"eventTime":"`...)
	b = appendEventTime(b, r.Time)
	b = append(b, `","eventSource":"s3.amazonaws.com","eventName":"`...)
	b = append(b, r.Op...)
	b = append(b, `","awsRegion":`...)
	b = appendJSONString(b, r.Region)
	b = append(b, `,"sourceIPAddress":"`...)
	b = r.Source.AppendTo(b)
	b = append(b, `","userAgent":`...)
	// CloudTrail wraps the user agent of many S3 data events in [...].
	if r.bits(bitsWrapUA)%4 == 0 {
		b = appendJSONString(b, "["+r.UserAgent+"]")
	} else {
		b = appendJSONString(b, r.UserAgent)
	}
	if r.ErrorCode != "" {
		b = append(b, `,"errorCode":`...)
		b = appendJSONString(b, r.ErrorCode)
		b = append(b, `,"errorMessage":`...)
		b = appendJSONString(b, r.ErrorMessage)
	}
	b = append(b, `,"requestParameters":{`...)
	for i, p := range r.Params {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, p.Name)
		b = append(b, ':')
		b = appendJSONString(b, p.Value)
	}
	b = append(b, `},"responseElements":null,"additionalEventData":{`...)
	cipher, version := tlsOf(r.bits(bitsTLS))
	if !r.Principal.Anonymous() {
		b = append(b, `"SignatureVersion":"SigV4","AuthenticationMethod":"AuthHeader",`...)
	}
	if cipher != "-" {
		b = append(b, `"CipherSuite":"`...)
		b = append(b, cipher...)
		b = append(b, `",`...)
	}
	sizes := r.bits(bitsSizes)
	in, out := uint64(0), uint64(0)
	switch {
	case r.ErrorCode != "":
		out = 243 + sizes%40
	case r.Op == OpListObjects:
		out = 480 + sizes%1500
	case r.Op == OpPutObject:
		in = 4 + sizes%2000
	}
	b = append(b, `"bytesTransferredIn":`...)
	b = strconv.AppendUint(b, in, 10)
	b = append(b, `,"x-amz-id-2":"`...)
	b = appendHostID(b, r.bits(bitsHostID))
	b = append(b, `","bytesTransferredOut":`...)
	b = strconv.AppendUint(b, out, 10)
	b = append(b, `},"requestID":`...)
	b = appendJSONString(b, r.RequestID)
	b = append(b, `,"eventID":`...)
	b = appendJSONString(b, r.EventID)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, r.Op != OpPutObject)
	b = append(b, `,"resources":[`...)
	arn := "arn:aws:s3:::" + r.Bucket
	switch {
	case r.Key != "":
		b = append(b, `{"type":"AWS::S3::Object","ARN":`...)
		b = appendJSONString(b, arn+"/"+r.Key)
		b = append(b, `},`...)
	case r.Op == OpListObjects:
		b = append(b, `{"type":"AWS::S3::Object","ARNPrefix":`...)
		b = appendJSONString(b, arn+"/")
		b = append(b, `},`...)
	}
	b = append(b, `{"accountId":`...)
	b = appendJSONString(b, r.Owner)
	b = append(b, `,"type":"AWS::S3::Bucket","ARN":`...)
	b = appendJSONString(b, arn)
	b = append(b, `}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":`...)
	b = appendJSONString(b, r.Owner)
	if r.Source.IsPrivate() {
		// Private sources reach S3 through a VPC endpoint.
		b = append(b, `,"vpcEndpointId":"vpce-0a1b2c3d4e5f60718"`...)
	}
	b = append(b, `,"eventCategory":"Data"`...)
	if cipher != "-" {
		b = append(b, `,"tlsDetails":{"tlsVersion":"`...)
		b = append(b, version...)
		b = append(b, `","cipherSuite":"`...)
		b = append(b, cipher...)
		b = append(b, `","clientProvidedHostHeader":`...)
		b = appendJSONString(b, r.Host)
		b = append(b, '}')
	}
	return append(b, '}')
}

// mgmtEvents are the account's own management activity that shares the
// trail with the bucket's data events.
var mgmtEvents = []struct{ source, name, ip, agent string }{
	{"sts.amazonaws.com", "GetCallerIdentity", "198.51.100.24", "aws-cli/2.15.10 Python/3.11.6 Darwin/23.2.0 exe/x86_64 prompt/off command/sts.get-caller-identity"},
	{"ec2.amazonaws.com", "DescribeInstances", "ec2.amazonaws.com", "ec2.amazonaws.com"},
	{"kms.amazonaws.com", "Decrypt", "cloudtrail.amazonaws.com", "cloudtrail.amazonaws.com"},
	{"logs.amazonaws.com", "CreateLogStream", "lambda.amazonaws.com", "lambda.amazonaws.com"},
	{"config.amazonaws.com", "PutEvaluations", "config.amazonaws.com", "config.amazonaws.com"},
	{"iam.amazonaws.com", "ListRoles", "198.51.100.24", "Boto3/1.34.34 Python/3.12.1 Darwin/23.2.0 Botocore/1.34.34"},
}

// appendMgmtEvent writes a management event of another service, stamped
// like the data event r it precedes.
func appendMgmtEvent(b []byte, r *Record) []byte {
	x := r.bits(bitsMgmt)
	m := mgmtEvents[x%uint64(len(mgmtEvents))]
	b = append(b, `{"eventVersion":"1.08","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEROLEID1234:admin","arn":"arn:aws:sts::`...)
	b = append(b, r.Owner...)
	b = append(b, `:assumed-role/OrganizationAccountAccessRole/admin","accountId":`...)
	b = appendJSONString(b, r.Owner)
	b = append(b, `},"eventTime":"`...)
	b = appendEventTime(b, r.Time)
	b = append(b, `","eventSource":"`...)
	b = append(b, m.source...)
	b = append(b, `","eventName":"`...)
	b = append(b, m.name...)
	b = append(b, `","awsRegion":`...)
	b = appendJSONString(b, r.Region)
	b = append(b, `,"sourceIPAddress":"`...)
	b = append(b, m.ip...)
	b = append(b, `","userAgent":"`...)
	b = append(b, m.agent...)
	b = append(b, `","requestParameters":null,"responseElements":null,"requestID":"`...)
	b = appendUUIDBits(b, x, r.bits(bitsMgmt+100))
	b = append(b, `","eventID":"`...)
	b = appendUUIDBits(b, r.bits(bitsMgmt+200), r.bits(bitsMgmt+300))
	b = append(b, `","readOnly":true,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":`...)
	b = appendJSONString(b, r.Owner)
	return append(b, `,"eventCategory":"Management"}`...)
}

func appendUUIDBits(b []byte, hi, lo uint64) []byte {
	for i := range 16 {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		x := hi >> (56 - 8*(i%8))
		if i >= 8 {
			x = lo >> (56 - 8*(i%8))
		}
		b = append(b, hexDigits[(x>>4)&0xf], hexDigits[x&0xf])
	}
	return b
}

// appendJSONString appends s as a JSON string. The generator's strings
// are valid UTF-8; invalid bytes become U+FFFD like encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, `\u00`...)
				b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
