package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/klauspost/compress/gzip"
)

// maxErrorsKept bounds the SyntaxErrors kept per input: a 10 GB file of
// garbage must not turn into 10 GB of error values. Counts stay exact.
const maxErrorsKept = 100

// sniffSize is how much of an input detection looks at.
const sniffSize = 64 << 10

// Stats says what one input held: how many events were read, and what was
// skipped and why. Nothing is dropped without being counted here.
type Stats struct {
	File   string
	Format Format
	Events int64
	// Skipped counts records that could not be parsed; Filtered counts
	// records read correctly but deliberately left out (a CloudTrail event
	// of another service). Reasons counts both by reason.
	Skipped  int64
	Filtered int64
	Reasons  map[string]int64
	// Errors holds the first maxErrorsKept problems, in input order.
	Errors []*SyntaxError
	// Err is a problem that stopped reading the input early (truncated gzip,
	// unknown format, I/O error). Events read before it still count.
	Err error
	// Bytes and SHA256 describe the input as stored (compressed, if it
	// was); ReadInputs fills them.
	Bytes  int64
	SHA256 string

	// lineBase is added to every line number: the lines before this part
	// of a file split into chunks.
	lineBase int
}

// Skip records a record that could not be parsed.
func (s *Stats) Skip(line int, reason, msg string) {
	s.Skipped++
	s.count(reason)
	if line > 0 {
		line += s.lineBase
	}
	if len(s.Errors) < maxErrorsKept {
		s.Errors = append(s.Errors, &SyntaxError{File: s.File, Line: line, Reason: reason, Msg: msg})
	}
}

// Filter records a well-formed record that is not counted as an event.
func (s *Stats) Filter(reason string) {
	s.Filtered++
	s.count(reason)
}

func (s *Stats) count(reason string) {
	if s.Reasons == nil {
		s.Reasons = make(map[string]int64)
	}
	s.Reasons[reason]++
}

// ReasonCount is one row of Stats.SortedReasons.
type ReasonCount struct {
	Reason string
	Count  int64
}

// SortedReasons returns the skip reasons by count, most frequent first.
func (s *Stats) SortedReasons() []ReasonCount {
	out := make([]ReasonCount, 0, len(s.Reasons))
	for r, n := range s.Reasons {
		out = append(out, ReasonCount{r, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}

// decoder is what each format implements. next fills ev (which the caller
// has reset) with the next event and reports whether there was one; records
// that cannot be parsed are recorded in the Stats given to the decoder's
// constructor and skipped. err returns the error that ended decoding early,
// if any (not io.EOF).
type decoder interface {
	next(ev *Event) bool
	err() error
}

// Reader reads the events of one input, like bufio.Scanner:
//
//	r, err := ingest.NewReader(f, "logs/a.txt", ingest.FormatAuto)
//	for r.Scan() {
//		agg.Add(r.Event())
//	}
//	stats := r.Stats()
//
// It is not safe for concurrent use.
type Reader struct {
	dec   decoder
	ev    Event
	stats *Stats
	// Buffers to give back on Close.
	bufs [2]*bufio.Reader
	zr   *gzip.Reader
	// mapped is set when the decoder reads a mapped file: a fault on it
	// ends the input with an error instead of the program.
	mapped bool
}

// Close gives the Reader's buffers back for reuse by later Readers. The
// Reader, and any event it returned, must not be used after. Calling it is
// optional: a Reader not closed is garbage collected like any value.
func (r *Reader) Close() {
	for i, br := range r.bufs {
		if br != nil {
			br.Reset(nil)
			bufioPool.Put(br)
			r.bufs[i] = nil
		}
	}
	if r.zr != nil {
		gzipPool.Put(r.zr)
		r.zr = nil
	}
	if rel, ok := r.dec.(interface{ release() }); ok {
		rel.release()
	}
	r.dec = nil
}

// ErrUnknownFormat is returned (wrapped) when detection recognises no format.
var ErrUnknownFormat = errors.New("not a supported log format")

// NewReader returns a Reader for the input r named name. Gzip-compressed
// input is recognised by its magic bytes and decompressed. With FormatAuto
// the format is sniffed from the content; an input no format recognises (or
// an empty one) gives an error wrapping ErrUnknownFormat.
func NewReader(r io.Reader, name string, format Format) (*Reader, error) {
	rd := &Reader{}
	br := pooledBufio(r)
	rd.bufs[0] = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := pooledGzip(br)
		if err != nil {
			rd.Close()
			return nil, fmt.Errorf("%s: bad gzip header: %w", name, err)
		}
		rd.zr = zr
		br = pooledBufio(zr)
		rd.bufs[1] = br
	}
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		if len(head) == 0 {
			rd.Close()
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if format == FormatAuto || format == "" {
		if len(bytes.TrimSpace(head)) == 0 {
			rd.Close()
			return nil, fmt.Errorf("%s: empty input: %w", name, ErrUnknownFormat)
		}
		format = Detect(head)
		if format == "" {
			what := "text"
			if looksBinary(head) {
				what = "binary data"
			}
			rd.Close()
			return nil, fmt.Errorf("%s: %s, %w", name, what, ErrUnknownFormat)
		}
	}
	st := &Stats{File: name, Format: format}
	var dec decoder
	switch format {
	case FormatBreachInsider:
		dec = newBreachInsiderDecoder(br, st)
	case FormatBreachCSV:
		dec = newBreachCSVDecoder(br, st)
	case FormatCloudTrail:
		dec = newCloudTrailDecoder(br, st)
	case FormatS3Access:
		dec = newS3AccessDecoder(br, st)
	case FormatAthena:
		dec = newAthenaDecoder(br, st)
	default:
		rd.Close()
		return nil, fmt.Errorf("%s: unknown input format %q", name, format)
	}
	rd.dec, rd.stats = dec, st
	return rd, nil
}

// Scan advances to the next event. It returns false at the end of the input
// or when reading stops early; Err tells which.
func (r *Reader) Scan() bool {
	if r.mapped {
		return r.scanMapped()
	}
	return r.scan()
}

func (r *Reader) scan() bool {
	r.ev = Event{}
	if r.dec.next(&r.ev) {
		r.ev.Format = r.stats.Format
		if r.ev.Pos.File == "" {
			r.ev.Pos.File = r.stats.File
		}
		r.ev.Pos.Line += r.stats.lineBase
		if r.ev.Weight < 1 {
			r.ev.Weight = 1
		}
		r.stats.Events++
		return true
	}
	if err := r.dec.err(); err != nil && r.stats.Err == nil {
		r.stats.Err = err
	}
	return false
}

// Event returns the current event. The pointer stays valid, and its contents
// unchanged, until the next call to Scan.
func (r *Reader) Event() *Event { return &r.ev }

// Stats returns the input's statistics, with in Err the error that stopped
// reading early (nil at a clean end); they are complete once Scan has
// returned false.
func (r *Reader) Stats() *Stats { return r.stats }

// looksBinary reports whether head is unlikely to be text: NUL bytes or
// mostly control characters.
func looksBinary(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return true
	}
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			ctl++
		}
	}
	return ctl*10 > len(head)
}

// fieldWarning is a problem with a field of a record that is kept anyway.
type fieldWarning struct {
	line        int
	reason, msg string
}

// warnKept records w in st: listed and counted by reason, but not as a
// skipped record, because the record was kept.
func warnKept(st *Stats, w fieldWarning) {
	st.count(w.reason)
	if w.line > 0 {
		w.line += st.lineBase
	}
	if len(st.Errors) < maxErrorsKept {
		st.Errors = append(st.Errors, &SyntaxError{File: st.File, Line: w.line, Reason: w.reason, Msg: w.msg})
	}
}
