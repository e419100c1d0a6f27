package index

import (
	"encoding/binary"
	"errors"
	"fmt"

	"filmsearch/internal/corpus"
)

// A film is stored in the index in a small binary form rather than JSON: decoding ten films as
// JSON took a quarter of a search. The form is a version byte, then each field in a fixed order:
// strings as uvarint length and bytes, lists as uvarint count and strings, the year as a varint.
const sourceVersion = 2

var errSource = errors.New("malformed stored film")

func encodeFilm(f corpus.Film) []byte {
	return appendFilm(make([]byte, 0, 64+len(f.Title)+len(f.Description)+16*len(f.Facts)), f)
}

// appendFilm appends the stored form of f to b.
func appendFilm(b []byte, f corpus.Film) []byte {
	b = append(b, sourceVersion)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	list := func(l []string) {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			str(s)
		}
	}
	str(f.ID)
	str(f.Title)
	b = binary.AppendVarint(b, int64(f.Year))
	str(f.Description)
	list(f.Facts)
	list(f.Companies)
	str(f.Director)
	str(f.Country)
	list(f.Genres)
	str(f.OriginalTitle)
	str(f.SourceURL)
	list(f.Cast)
	return b
}

func decodeFilm(b []byte) (corpus.Film, error) {
	var f corpus.Film
	if len(b) == 0 || b[0] != sourceVersion {
		return f, fmt.Errorf("%w: version", errSource)
	}
	b = b[1:]
	var err error
	uvarint := func() int {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			err = errSource
			return 0
		}
		b = b[k:]
		return int(n)
	}
	str := func() string {
		n := uvarint()
		if err != nil || n > len(b) {
			err = errSource
			return ""
		}
		s := string(b[:n])
		b = b[n:]
		return s
	}
	list := func() []string {
		n := uvarint()
		if err != nil {
			return nil
		}
		l := make([]string, 0, min(n, len(b)))
		for i := 0; i < n && err == nil; i++ {
			l = append(l, str())
		}
		return l
	}
	f.ID = str()
	f.Title = str()
	y, k := binary.Varint(b)
	if k <= 0 {
		return f, errSource
	}
	b = b[k:]
	f.Year = int(y)
	f.Description = str()
	f.Facts = list()
	f.Companies = list()
	f.Director = str()
	f.Country = str()
	f.Genres = list()
	if len(f.Genres) == 0 {
		f.Genres = nil
	}
	f.OriginalTitle = str()
	f.SourceURL = str()
	f.Cast = list()
	if len(f.Cast) == 0 {
		f.Cast = nil
	}
	if err != nil || len(b) != 0 {
		return corpus.Film{}, errSource
	}
	return f, nil
}

// packed is a collection of films held for a build in their stored form, one after another in
// one buffer. The collector need not trace it: 362,540 films as structs took a third of the
// build's CPU in marking, since each collection (one per buildHeadroom allocated) traced them
// all, which made the build's time grow as the square of its size.
type packed struct {
	data []byte
	ends []int // film i is data[ends[i-1]:ends[i]]
}

// pack copies films into their stored form; with clear, it clears each film once copied. The
// buffer is sized first and allocated once: grown as it filled, it would be copied, and held
// twice, while the films are still there.
func pack(films []corpus.Film, clear bool) packed {
	var scratch []byte
	size := 0
	for _, f := range films {
		scratch = appendFilm(scratch[:0], f)
		size += len(scratch)
	}
	p := packed{data: make([]byte, 0, size), ends: make([]int, len(films))}
	for i := range films {
		p.data = appendFilm(p.data, films[i])
		p.ends[i] = len(p.data)
		if clear {
			films[i] = corpus.Film{}
		}
	}
	return p
}

func (p packed) len() int { return len(p.ends) }

// source is film i in its stored form, within p's buffer.
func (p packed) source(i int) []byte {
	start := 0
	if i > 0 {
		start = p.ends[i-1]
	}
	return p.data[start:p.ends[i]:p.ends[i]]
}
