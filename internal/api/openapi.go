package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route of routes.go. openapi_test.go validates the document and
// checks real responses of the router against it, so it cannot drift from the code.
//
//go:embed openapi.json
var openAPIDoc []byte

func handleOpenAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(openAPIDoc)
	})
}
