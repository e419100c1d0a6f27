package corpus

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader yields the lines of a stream in bounded memory: a line longer than MaxFilmBytes is
// skipped to its end and flagged, never assembled, and the stream is cut off past MaxFileBytes.
type lineReader struct {
	br      *bufio.Reader
	n       int   // number of the line last returned
	read    int64 // bytes consumed
	tooLong bool  // the line last returned was longer than MaxFilmBytes (and is empty)
	tooMuch bool  // the stream went past MaxFileBytes; the line last returned is empty
	peeked  *peekedLine
}

type peekedLine struct {
	line             []byte
	err              error
	tooLong, tooMuch bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, MaxFilmBytes+1)}
}

// next returns the next line with its number, without the newline (a trailing \r stays), or
// io.EOF after the last one. The slice is valid until the next call to next or peek.
func (l *lineReader) next() ([]byte, int, error) {
	var p peekedLine
	if l.peeked != nil {
		p, l.peeked = *l.peeked, nil
	} else {
		p = l.read1()
	}
	if p.err != nil {
		return nil, l.n, p.err
	}
	l.n++
	l.tooLong, l.tooMuch = p.tooLong, p.tooMuch
	return p.line, l.n, nil
}

// peek returns the line next would return, copied, or ok false at the end of the stream.
func (l *lineReader) peek() (line []byte, ok bool) {
	if l.peeked == nil {
		p := l.read1()
		p.line = bytes.Clone(p.line)
		l.peeked = &p
	}
	return l.peeked.line, l.peeked.err == nil
}

func (l *lineReader) read1() peekedLine {
	if l.read > MaxFileBytes {
		return peekedLine{err: io.EOF}
	}
	line, err := l.br.ReadSlice('\n')
	l.read += int64(len(line))
	tooLong := false
	for errors.Is(err, bufio.ErrBufferFull) {
		tooLong = true
		line, err = l.br.ReadSlice('\n')
		l.read += int64(len(line))
		if l.read > MaxFileBytes {
			break
		}
	}
	if err == io.EOF && len(line) == 0 && !tooLong {
		return peekedLine{err: io.EOF}
	}
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return peekedLine{err: err}
	}
	if l.read > MaxFileBytes {
		return peekedLine{line: []byte{}, tooMuch: true}
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	if tooLong || len(line) > MaxFilmBytes {
		return peekedLine{line: []byte{}, tooLong: true}
	}
	return peekedLine{line: line}
}
