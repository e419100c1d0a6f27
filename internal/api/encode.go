package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
)

// encodeBuffers hold writeJSON's output between requests: a page of hits is some 12 KB, which
// a new buffer reaches by doubling from 64 bytes, allocating and copying about twice that on
// every search. A buffer grown past maxPooledBuffer by a rare large answer is dropped.
var encodeBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBuffer = 256 << 10

// writeJSON sends v with status. Encoding is the last step: a value that fails to encode is
// a bug, answered as 500 before any byte is written.
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := encodeBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			encodeBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false) // highlights carry <mark>; JSON with nosniff needs no \u003c
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
