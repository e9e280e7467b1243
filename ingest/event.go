package ingest

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// Format names an input format. The values are the ones accepted by the
// --input-format flag and written to the JSON summary.
type Format string

const (
	FormatAuto          Format = "auto"
	FormatBreachInsider Format = "breachinsider"     // BreachInsider dashboard dump (text)
	FormatBreachCSV     Format = "breachinsider-csv" // BreachInsider CSV export
	FormatCloudTrail    Format = "cloudtrail"        // CloudTrail Records files or one event per line
	FormatS3Access      Format = "s3-access"         // S3 server access log
	FormatAthena        Format = "athena-cloudtrail" // CSV result of the athena-sql query
)

// Formats lists the concrete formats in the order detection tries them.
var Formats = []Format{FormatCloudTrail, FormatAthena, FormatBreachCSV, FormatBreachInsider, FormatS3Access}

// ParseFormat validates a --input-format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatAuto, FormatBreachInsider, FormatBreachCSV, FormatCloudTrail, FormatS3Access, FormatAthena:
		return f, nil
	case "":
		return FormatAuto, nil
	}
	return "", fmt.Errorf("unknown input format %q (want auto, breachinsider, breachinsider-csv, cloudtrail, s3-access or athena-cloudtrail)", s)
}

// Operation is an S3 API operation normalised across formats, so that the
// CloudTrail "ListObjects", the S3 access log "REST.GET.BUCKET" and the
// BreachInsider "ListObjects" count as one.
type Operation string

const (
	OpListBuckets     Operation = "ListBuckets"
	OpListObjects     Operation = "ListObjects"
	OpHeadBucket      Operation = "HeadBucket"
	OpHeadObject      Operation = "HeadObject"
	OpGetObject       Operation = "GetObject"
	OpPutObject       Operation = "PutObject"
	OpDeleteObject    Operation = "DeleteObject"
	OpCopyObject      Operation = "CopyObject"
	OpGetBucketACL    Operation = "GetBucketAcl"
	OpGetBucketPolicy Operation = "GetBucketPolicy"
	OpGetObjectACL    Operation = "GetObjectAcl"
	OpPutBucketACL    Operation = "PutBucketAcl"
	OpPutObjectACL    Operation = "PutObjectAcl"
	OpUnknown         Operation = "Unknown"
)

// Known reports whether the operation is in the table of S3 operations
// (ingest/s3ops.tsv). An unknown one is counted under the name the log
// gave it and listed in the report's data quality section.
func (op Operation) Known() bool {
	_, ok := opTab.class[op]
	return ok
}

// IsWrite reports whether the operation changes the bucket or its
// objects. Write attempts on a honeybucket are the alerts an analyst reads
// first. Only operations in the table are classified: an unknown name is
// not guessed at from its spelling.
func (op Operation) IsWrite() bool {
	return opTab.class[op] == opWrite
}

// IsAWSInternal reports whether the operation is S3's own work (a
// lifecycle expiry or transition), not a request from outside: it is
// counted apart from the attacker totals.
func (op Operation) IsAWSInternal() bool {
	return opTab.class[op] == opAWS
}

// Identity is who made the request, as the log states it. Anonymous requests,
// the usual case on a honeybucket, have AccountID "ANONYMOUS_PRINCIPAL" (CloudTrail,
// BreachInsider) or an empty Requester (S3 access logs).
type Identity struct {
	Type        string // AWSAccount, IAMUser, AssumedRole, AWSService, ...
	PrincipalID string
	AccountID   string
	ARN         string
	UserName    string
}

// Anonymous reports whether the request carried no AWS credentials.
func (id Identity) Anonymous() bool {
	return (id.AccountID == "" || id.AccountID == "ANONYMOUS_PRINCIPAL") && id.ARN == "" && id.PrincipalID == "" && id.UserName == ""
}

// Pos is where an event or an error was found: file name as the user gave it
// (or "-" for stdin, or "archive.gz" for compressed input) and 1-based line.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Event is one access to the honeybucket in canonical form. Fields absent in
// the source format are zero.
//
// Decoders reuse one Event between calls to Scan; a consumer that keeps an
// event past the next Scan must copy it (Event has no pointers to shared
// buffers, so a plain assignment copies it).
type Event struct {
	Time time.Time
	// Source is the client address in canonical form, the same from every
	// format (see parseSource): IPv4-mapped IPv6 addresses unmapped, no
	// zone, no port. When the log names a non-IP source (a CloudTrail
	// sourceIPAddress like "s3.amazonaws.com"), Source is the zero Addr and
	// SourceText holds the name.
	Source     netip.Addr
	SourceText string
	// UserAgent is the request's user agent. AlertUserAgent is the one shown
	// in a BreachInsider alert header, kept apart because the two can differ.
	UserAgent      string
	AlertUserAgent string
	Op             Operation
	// RawOp is the operation as the log wrote it when that differs from Op
	// (an access log's REST.GET.VERSIONING for GetBucketVersioning), else
	// empty.
	RawOp string `json:",omitempty"`
	// EventType is CloudTrail's eventType (AwsApiCall), or empty.
	EventType string
	Bucket    string
	Key       string
	Prefix    string
	Host      string
	// Params is the request parameters as the source wrote them (python-dict
	// text, JSON, or the S3 request URI), for display and export.
	Params       string
	Identity     Identity
	ErrorCode    string
	ErrorMessage string
	// Weight is the number of attempts the event stands for: BreachInsider's
	// "Repeated Attempts", 1 for every other format.
	Weight    int
	AlertID   int
	EventID   string
	RequestID string
	AlarmTime time.Time
	// Extra holds the fields the input had that no field above stands
	// for (a BreachInsider label of another dashboard version), as lines
	// "label\tvalue\n" in input order; ExtraFields splits them. A string,
	// not a slice, so that Event stays a comparable value.
	Extra  string `json:",omitempty"`
	Format Format
	Pos    Pos
}

// Field is one label/value pair of Event.Extra.
type Field struct {
	Label, Value string
}

// ExtraFields returns the pairs of ev.Extra, nil when there are none.
func (ev *Event) ExtraFields() []Field {
	var out []Field
	for rest := ev.Extra; rest != ""; {
		line, tail, _ := strings.Cut(rest, "\n")
		label, value, _ := strings.Cut(line, "\t")
		out = append(out, Field{label, value})
		rest = tail
	}
	return out
}

// SourceString is the source as text: the IP, or the non-IP source name.
func (ev *Event) SourceString() string {
	if ev.Source.IsValid() {
		return ev.Source.String()
	}
	return ev.SourceText
}

// SyntaxError is a problem with one line or record of an input. It prints as
// "file:line: msg", like the Go tools.
type SyntaxError struct {
	File string
	Line int
	// Reason is a short, stable category for counting ("missing value",
	// "bad time", "not an S3 event"); Msg is the full message.
	Reason string
	Msg    string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// clipValue shortens a value quoted in a diagnostic, at a rune boundary:
// a hostile 1 MB value must not become a 1 MB message. Invalid UTF-8 is
// replaced, so that the message is valid text.
func clipValue(v []byte) string {
	const max = 64
	if len(v) <= max {
		return validUTF8(string(v))
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return validUTF8(string(v[:cut])) + "…"
}

// appendField appends a label/value pair to b as Event.Extra encodes it.
// A value's line breaks would end the pair: they become spaces.
func appendField(b []byte, label string, v []byte) []byte {
	b = append(append(b, label...), '\t')
	for _, c := range v {
		if c == '\n' || c == '\r' {
			c = ' '
		}
		b = append(b, c)
	}
	return append(b, '\n')
}
