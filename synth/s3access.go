package synth

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

const s3TimeLayout = "[02/Jan/2006:15:04:05 -0700]"

// bits returns 64 pseudo-random bits derived from the record's noise, one
// independent stream per k (splitmix64), so each format detail has its own.
func (r *Record) bits(k uint64) uint64 {
	z := r.noise + k*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Detail streams for Record.bits.
const (
	bitsCloudTrailExtra = iota + 1
	bitsWrapUA
	bitsTLS
	bitsSizes
	bitsHostID
	bitsFileName
	bitsMgmt
)

// cloudTrailExtra reports whether the CloudTrail tree has a management
// event of another service just before this record (about 2%).
func (r *Record) cloudTrailExtra() bool { return r.bits(bitsCloudTrailExtra)%50 == 0 }

// WriteS3Access writes recs as an S3 server access log in the 26-field
// format AWS documents: bucket owner, bucket, [time], remote IP, requester,
// request ID, operation, key, "Request-URI", status, error code, bytes
// sent, object size, total time, turn-around time, "referer", "user agent",
// version ID, host ID, signature version, cipher suite, authentication
// type, host header, TLS version, access point ARN, ACL required. recs must
// come oldest first (Generator.Ascending), as S3 delivers them.
func WriteS3Access(w io.Writer, recs iter.Seq[*Record], ownerID string) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	var prev time.Time
	var b []byte
	for r := range recs {
		if r.Time.Before(prev) {
			return fmt.Errorf("s3 access log: record for alert #%d is older than the one before it: records must be oldest first", r.Alert)
		}
		prev = r.Time
		b = appendS3Access(b[:0], r, ownerID)
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("s3 access log: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("s3 access log: %w", err)
	}
	return nil
}

// OwnerID returns the bucket owner's canonical user ID, the first field of
// every S3 access log line.
func (g *Generator) OwnerID() string { return g.ownerID }

func appendS3Access(b []byte, r *Record, ownerID string) []byte {
	denied := r.ErrorCode != ""
	anon := r.Principal.Anonymous()
	sizes := r.bits(bitsSizes)

	b = append(b, ownerID...)
	b = append(b, ' ')
	b = append(b, r.Bucket...)
	b = append(b, ' ')
	b = appendS3Time(b, r.Time)
	b = append(b, ' ')
	b = r.Source.AppendTo(b)
	b = append(b, ' ')
	if anon {
		b = append(b, '-')
	} else {
		b = appendRequesterARN(b, r.Principal)
	}
	b = append(b, ' ')
	b = append(b, r.RequestID...)
	b = append(b, ' ')
	b = append(b, r.req.s3op...)
	b = append(b, ' ')
	if r.Key != "" {
		b = append(b, r.Key...)
	} else {
		b = append(b, '-')
	}
	b = append(b, " \""...)
	b = append(b, r.req.uri...)
	b = append(b, "\" "...)

	status, errCode := "200", "-"
	switch r.ErrorCode {
	case "":
	case "NoSuchKey":
		status, errCode = "404", r.ErrorCode
	default:
		status, errCode = "403", r.ErrorCode
	}
	b = append(b, status...)
	b = append(b, ' ')
	b = append(b, errCode...)
	b = append(b, ' ')
	// Bytes sent, object size: error bodies are small XML documents; a
	// listing of the decoy objects is a few hundred bytes.
	switch {
	case denied:
		b = strconv.AppendUint(b, 243+sizes%40, 10)
		b = append(b, " -"...)
	case r.Op == OpListObjects:
		b = strconv.AppendUint(b, 480+sizes%1500, 10)
		b = append(b, " -"...)
	case r.Op == OpPutObject:
		b = append(b, "- "...)
		b = strconv.AppendUint(b, 4+sizes%2000, 10)
	default:
		b = append(b, "- -"...)
	}
	total := 2 + (sizes>>16)%90
	b = append(b, ' ')
	b = strconv.AppendUint(b, total, 10)
	b = append(b, ' ')
	if denied {
		b = append(b, '-')
	} else {
		b = strconv.AppendUint(b, 1+(sizes>>24)%total, 10)
	}
	b = append(b, ` "-" "`...)
	b = append(b, r.UserAgent...)
	b = append(b, `" - `...)
	b = appendHostID(b, r.bits(bitsHostID))
	b = append(b, ' ')
	tls := r.bits(bitsTLS)
	if anon {
		b = append(b, '-')
	} else {
		b = append(b, "SigV4"...)
	}
	b = append(b, ' ')
	cipher, version := tlsOf(tls)
	b = append(b, cipher...)
	b = append(b, ' ')
	if anon {
		b = append(b, '-')
	} else {
		b = append(b, "AuthHeader"...)
	}
	b = append(b, ' ')
	b = append(b, r.Host...)
	b = append(b, ' ')
	b = append(b, version...)
	b = append(b, " - -\n"...)
	return b
}

// tlsOf picks how the client connected: mostly TLS 1.2 or 1.3, sometimes
// plain HTTP, which S3 logs as "-".
func tlsOf(bits uint64) (cipher, version string) {
	switch bits % 10 {
	case 0:
		return "-", "-"
	case 1, 2, 3, 4:
		return "TLS_AES_128_GCM_SHA256", "TLSv1.3"
	default:
		return "ECDHE-RSA-AES128-GCM-SHA256", "TLSv1.2"
	}
}

func appendRequesterARN(b []byte, p Principal) []byte {
	b = append(b, "arn:aws:iam::"...)
	b = append(b, p.AccountID...)
	if p.UserName != "" {
		b = append(b, ":user/"...)
		return append(b, p.UserName...)
	}
	return append(b, ":root"...)
}

// appendHostID writes an x-amz-id-2 style host ID: 76 base64 characters.
func appendHostID(b []byte, bits uint64) []byte {
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	x := bits
	for i := range 75 {
		if i%10 == 0 {
			x = x*6364136223846793005 + 1442695040888963407
		}
		b = append(b, b64[(x>>(6*(i%10)))&63])
	}
	return append(b, '=')
}
