package api

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// writeJSON sends v with status. Encoding is the last step: a value that fails to encode is
// a bug, answered as 500 before any byte is written.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
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
