package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
)

func TestStarting(t *testing.T) {
	h := NewStarting(zerolog.Nop(), func() string { return "building the first index from corpus" })
	for _, tt := range []struct {
		target string
		status int
		want   string // "status" of /readyz, or the error code
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 503, "starting"},
		{"/api/search?q=swan", 503, CodeUnavailable},
		{"/admin", 503, CodeUnavailable},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.target, nil))
		var body struct {
			Status string `json:"status"`
			Reason string `json:"reason"`
			Error  struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET %s: %v: %s", tt.target, err, rec.Body)
		}
		got := body.Status
		if got == "" {
			got = body.Error.Code
		}
		if rec.Code != tt.status || got != tt.want {
			t.Errorf("GET %s = %d %q; want %d %q", tt.target, rec.Code, got, tt.status, tt.want)
		}
		if tt.status == 503 && rec.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s: 503 without Retry-After", tt.target)
		}
		if tt.target == "/readyz" && body.Reason != "building the first index from corpus" {
			t.Errorf("GET /readyz reason = %q; want what searchd is doing", body.Reason)
		}
	}
}
