package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxRecord bounds one record (a CloudTrail event, an S3 access log line).
// AWS caps a CloudTrail event at 256 KB; anything much larger is hostile or
// broken, and is skipped without being held in memory.
const maxRecord = 4 << 20

// chunkSize is how much a window reads at a time.
const chunkSize = 256 << 10

// window is a growable read buffer over a stream, or over a chunk of a
// mapped file, shared by the CloudTrail, S3 access log and CSV decoders. buf[start:end] is the data still needed (the
// record being scanned starts at start); pos is the scan position. Filling
// compacts the buffer, so indexes into it are only valid until the next
// fill: scanners keep positions in the window's fields, not in locals, across
// a fill.
type window struct {
	r     io.Reader
	buf   []byte
	start int
	pos   int
	end   int
	// line is the 1-based line number of buf[pos] as far as counted: see
	// countTo.
	line    int
	counted int // buf index up to which newlines were counted into line
	rerr    error
	eof     bool
	// overflow is set when the record at start grew beyond maxRecord and
	// its beginning was dropped; the scan goes on to find its end.
	overflow bool

	// A window without r holds a whole chunk of a mapped file in buf.
	mark readMark
}

func newWindow(r io.Reader) *window {
	return &window{r: r, buf: *windowPool.Get().(*[]byte), line: 1}
}

// release gives the buffer back to windowPool, unless it grew for a long
// record: the pool keeps only the usual size.
func (w *window) release() {
	if w.r != nil && cap(w.buf) == chunkSize {
		buf := w.buf[:chunkSize]
		windowPool.Put(&buf)
	}
	w.buf, w.r = nil, nil
}

// fill reads more data after end, keeping buf[start:]. It returns false
// when nothing more can be read (end of input or read error, in rerr).
func (w *window) fill() bool {
	if w.eof {
		return false
	}
	if w.start > 0 && (w.end == len(w.buf) || w.start >= len(w.buf)/2) {
		w.countTo(w.start)
		n := copy(w.buf, w.buf[w.start:w.end])
		w.pos -= w.start
		w.counted -= w.start
		w.start = 0
		w.end = n
	}
	if w.end == len(w.buf) {
		if w.end-w.start >= maxRecord {
			// The record is too long to keep: drop what was scanned
			// of it, remembering that it overflowed.
			w.countTo(w.pos)
			w.overflow = true
			n := copy(w.buf, w.buf[w.pos:w.end])
			w.counted -= w.pos
			w.start, w.pos, w.end = 0, 0, n
		} else {
			nb := make([]byte, 2*len(w.buf))
			copy(nb, w.buf[:w.end])
			w.buf = nb
		}
	}
	for tries := 0; tries < 100; tries++ {
		n, err := w.r.Read(w.buf[w.end:])
		w.end += n
		if err != nil {
			w.eof = true
			if err != io.EOF {
				w.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	w.eof, w.rerr = true, io.ErrNoProgress
	return false
}

// countTo advances line over the newlines before buf[i].
func (w *window) countTo(i int) {
	if i > w.counted {
		w.line += bytes.Count(w.buf[w.counted:i], nl)
		w.counted = i
	}
}

var nl = []byte{'\n'}

// readErr describes the read error that ended the input, if any, with the
// line where it happened.
func (w *window) readErr(file string) error {
	if w.rerr == nil {
		return nil
	}
	if errors.Is(w.rerr, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s:%d: %w (truncated input?)", file, w.line, w.rerr)
	}
	return fmt.Errorf("%s:%d: read: %w", file, w.line, w.rerr)
}

// nextLine returns the next line without its end of line, and its number.
// A line longer than maxRecord is returned as nil with long set, after
// being read through. ok is false at the end of the input.
func (w *window) nextLine() (line []byte, n int, long, ok bool) {
	w.start = w.pos
	w.overflow = false
	w.countTo(w.pos)
	n = w.line
	for {
		if i := bytes.IndexByte(w.buf[w.pos:w.end], '\n'); i >= 0 {
			line = w.buf[w.start : w.pos+i]
			w.pos += i + 1
			break
		}
		w.pos = w.end
		if !w.fill() {
			if w.start == w.end && !w.overflow {
				return nil, n, false, false
			}
			line = w.buf[w.start:w.end]
			break
		}
	}
	// The line's own newline is counted here so that counting does not
	// rescan long lines.
	w.line++
	w.counted = w.pos
	if w.r == nil {
		w.mark.reach(w.buf, w.pos, w.pos == w.end)
		// A mapped file is never read in parts, so a long line does not
		// overflow: it is cut here, where a stream's buffer would be full.
		w.overflow = len(line) >= maxRecord
	}
	if w.overflow {
		w.overflow = false
		return nil, n, true, true
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, n, false, true
}
