package ingest

import (
	"bufio"
	"bytes"
	"io"
)

// maxLineBytes bounds one input line. Longer lines are skipped with a
// SyntaxError instead of being buffered: a 20 MB line is not a dashboard
// value, and one such line must not cost the rest of the file. It is well
// above any real value (hostile 1 MB user agents pass).
const maxLineBytes = 4 << 20

// lineReader yields the non-blank lines of an input, trimmed, without
// copying them in the common case, with one line of lookahead.
type lineReader struct {
	br *bufio.Reader
	// data, when set, is the whole input in memory (a chunk of a mapped
	// file): lines are sliced from it, br is not used.
	data []byte
	off  int // of the next line in data
	mark readMark

	n    int    // number of the last physical line read
	long []byte // assembles lines longer than br's buffer
	eof  bool
	err  error // read error other than io.EOF

	back     []byte // a peeked line, pushed back
	backN    int
	backLong bool
	hasBack  bool
}

// next returns the next non-blank line, trimmed, and its 1-based number.
// tooLong reports a line over maxLineBytes (line is then nil). The line is
// valid until the next call to next or peek. ok is false at the end of the
// input or on a read error (lr.err).
func (lr *lineReader) next() (line []byte, n int, tooLong, ok bool) {
	if lr.hasBack {
		lr.hasBack = false
		return lr.back, lr.backN, lr.backLong, true
	}
	if lr.data != nil {
		return lr.nextData()
	}
	for {
		raw, long, ok := lr.readPhys()
		if !ok {
			return nil, 0, false, false
		}
		if long {
			return nil, lr.n, true, true
		}
		if t := trimPasted(raw); len(t) > 0 {
			return t, lr.n, false, true
		}
	}
}

// peek returns what the next call to next will. It invalidates the line
// last returned by next.
func (lr *lineReader) peek() (line []byte, tooLong, ok bool) {
	if lr.hasBack {
		return lr.back, lr.backLong, true
	}
	line, n, tooLong, ok := lr.next()
	if !ok {
		return nil, false, false
	}
	lr.back = append(lr.back[:0], line...)
	lr.backN, lr.backLong, lr.hasBack = n, tooLong, true
	return lr.back, tooLong, true
}

func (lr *lineReader) readPhys() (b []byte, tooLong, ok bool) {
	if lr.eof || lr.err != nil {
		return nil, false, false
	}
	if cap(lr.long) > 1<<20 {
		lr.long = nil // give back what one huge line took
	}
	b, err := lr.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = lr.br.ReadSlice('\n')
			if !tooLong && len(lr.long)+len(b) <= maxLineBytes {
				lr.long = append(lr.long, b...)
			} else {
				tooLong = true
			}
		}
		b = lr.long
	}
	switch err {
	case nil:
	case io.EOF:
		lr.eof = true
		if len(b) == 0 {
			return nil, false, false
		}
	default:
		// The partial line before a read error is not trusted: a
		// truncated value would look valid ("212.83.1").
		lr.err = err
		return nil, false, false
	}
	lr.n++
	if tooLong {
		b = nil
	}
	return b, tooLong, true
}

// nextData is next for input in memory: no copy, no read calls. Dumps are
// mostly short lines (26 per alert), so the per-line work is kept to a
// newline search and, for lines that begin and end with a printable ASCII
// byte (nearly all), no trimming.
func (lr *lineReader) nextData() (line []byte, n int, tooLong, ok bool) {
	for !lr.eof {
		rest := lr.data[lr.off:]
		if len(rest) == 0 {
			lr.eof = true
			lr.mark.reach(lr.data, lr.off, true)
			break
		}
		b := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			b = rest[:i]
		}
		raw := min(len(b)+1, len(rest)) // with its newline
		lr.advance(raw)
		if raw > maxLineBytes {
			return nil, lr.n, true, true
		}
		if len(b) > 0 && plainASCII(b[0]) && plainASCII(b[len(b)-1]) {
			return b, lr.n, false, true
		}
		if t := trimPasted(b); len(t) > 0 {
			return t, lr.n, false, true
		}
	}
	return nil, 0, false, false
}

// skipLine consumes the next line if it is text exactly, newline
// included, reporting whether it did. Only input in memory is looked at.
func (lr *lineReader) skipLine(text string) bool {
	if lr.data == nil || lr.hasBack {
		return false
	}
	rest := lr.data[lr.off:]
	if len(rest) <= len(text) || rest[len(text)] != '\n' || string(rest[:len(text)]) != text {
		return false
	}
	lr.advance(len(text) + 1)
	return true
}

// advance passes one line of n bytes of data. It is inlined in the line
// loops, and calls reach, which makes the same test, only once a step.
func (lr *lineReader) advance(n int) {
	lr.off += n
	lr.n++
	if lr.off-lr.mark.done >= readStep {
		lr.reachStep()
	}
}

// reachStep is not inlined so that advance can be.
//
//go:noinline
func (lr *lineReader) reachStep() { lr.mark.reach(lr.data, lr.off, false) }

// plainASCII reports whether c is printable ASCII other than a space: a
// line that begins and ends with one has nothing for trimPasted to remove.
func plainASCII(c byte) bool { return ' ' < c && c < 0x7f }
