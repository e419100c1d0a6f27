package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
)

// Compression of JSON answers. A client that accepts gzip gets JSON answers of at least
// minGzipBytes gzipped; every JSON answer says Vary: Accept-Encoding, so a shared cache keeps
// the two forms apart. Answers from the response cache were compressed once, when they were
// stored (cache.go); the rest are compressed as they are written. Both use gzip's fastest level
// in klauspost/compress: a first-time answer waits for its compression, and 10 hits (10 KB of
// JSON) take 40 µs there against 70 µs for the standard library's fastest level and 130 µs for
// its default, with caches cold after a search; the default level would save 12% of 2.8 KB.
// zstd and brotli would need a dependency each for a few percent on answers this size.

// minGzipBytes is the size below which gzip's 20-odd bytes of framing are not worth it.
const minGzipBytes = 512

// acceptsGzip reports whether an Accept-Encoding header allows gzip: listed (or "*") without
// q=0.
func acceptsGzip(header string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "x-gzip" && name != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		if name == "*" {
			star = q > 0
			continue
		}
		return q > 0
	}
	return star
}

// Writers are pooled: a new one costs more than compressing a page of hits.
var gzipPool = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return w
}}

// gzipBytes compresses b whole, for the response cache.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 3)
	zw := gzipPool.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	gzipPool.Put(zw)
	return buf.Bytes()
}

// compress gzips JSON answers for clients that accept it. An answer that already has a
// Content-Encoding (one from the response cache) passes through untouched.
func compress(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &compressWriter{ResponseWriter: w, gzip: acceptsGzip(r.Header.Get("Accept-Encoding"))}
		defer cw.close()
		h.ServeHTTP(cw, r)
	})
}

// compressWriter decides at the first write: a JSON answer is held until it reaches
// minGzipBytes (then gzipped) or ends (then sent as it is).
type compressWriter struct {
	http.ResponseWriter
	gzip    bool
	status  int  // set by WriteHeader, sent once decided
	decided bool // headers sent
	hold    bool // a JSON answer held until it is long enough to gzip
	buf     []byte
	zw      *gzip.Writer
}

func (w *compressWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	hd := w.Header()
	json := strings.HasPrefix(hd.Get("Content-Type"), "application/json")
	if json {
		hd.Add("Vary", "Accept-Encoding")
	}
	if json && w.gzip && hd.Get("Content-Encoding") == "" && code != http.StatusNoContent && code != http.StatusNotModified && code >= 200 {
		w.hold = true
		return
	}
	w.send()
}

// send writes the held status.
func (w *compressWriter) send() {
	w.decided = true
	w.ResponseWriter.WriteHeader(w.status)
}

func (w *compressWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.zw != nil:
		return w.zw.Write(b)
	case !w.hold:
		return w.ResponseWriter.Write(b)
	}
	w.buf = append(w.buf, b...)
	if len(w.buf) < minGzipBytes {
		return len(b), nil
	}
	hd := w.Header()
	hd.Set("Content-Encoding", "gzip")
	hd.Del("Content-Length")
	w.send()
	w.zw = gzipPool.Get().(*gzip.Writer)
	w.zw.Reset(w.ResponseWriter)
	if _, err := w.zw.Write(w.buf); err != nil {
		return 0, err
	}
	w.buf = nil
	return len(b), nil
}

// close ends the answer: the gzip stream, or a held answer too short to compress.
func (w *compressWriter) close() {
	switch {
	case w.zw != nil:
		w.zw.Close()
		gzipPool.Put(w.zw)
		w.zw = nil
	case w.hold && !w.decided:
		w.send()
		w.ResponseWriter.Write(w.buf)
	}
}

// FlushError sends what is written so far. An answer still held to decide on gzip is sent as
// it is: the handler wants it out now, and what follows goes plain too.
func (w *compressWriter) FlushError() error {
	if w.hold && !w.decided {
		w.send()
		if _, err := w.ResponseWriter.Write(w.buf); err != nil {
			return err
		}
		w.hold, w.buf = false, nil
	}
	if w.zw != nil {
		if err := w.zw.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *compressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
