package algolia

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/rs/zerolog"

	"filmsearch/internal/index"
)

// apiError is a failure with the status and client-safe message Algolia's clients expect.
type apiError struct {
	status int
	msg    string
	cause  error // for the log; never shown
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *apiError) Unwrap() error { return e.cause }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// errorBody is Algolia's error envelope.
type errorBody struct {
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// classify maps err to a status and a message safe to show. A cancelled client gets status 0:
// nobody is listening, so nothing is written.
func classify(ctx context.Context, err error) (int, string) {
	var ae *apiError
	var mbe *http.MaxBytesError
	var qe *index.QueryError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.msg
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)
	case errors.As(err, &qe):
		return http.StatusBadRequest, algoliaParam(qe.Param) + " " + qe.Reason
	case errors.Is(err, index.ErrBadQuery):
		return http.StatusBadRequest, "the query cannot be searched"
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return 0, ""
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, index.ErrClosed):
		return http.StatusServiceUnavailable, "search unavailable, retry later"
	}
	return http.StatusInternalServerError, "internal error"
}

// writeError writes err in Algolia's shape and logs it when it is ours rather than the client's.
func writeError(w http.ResponseWriter, r *http.Request, log *zerolog.Logger, err error) {
	status, msg := classify(r.Context(), err)
	switch {
	case status == 0:
		log.Debug().Err(err).Msg("client went away")
		return
	case status == http.StatusServiceUnavailable:
		log.Warn().Err(err).Int("status", status).Msg("algolia request refused")
		w.Header().Set("Retry-After", "1")
	case status >= 500:
		log.Error().Err(err).Int("status", status).Msg("algolia request failed")
	case status == http.StatusRequestTimeout:
		// The connection's read side is spent: say so, and do not reuse it.
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, status, errorBody{Message: msg, Status: status})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // highlights carry the client's tags; JSON needs no HTML escaping
	_ = enc.Encode(v)        // the status is sent; a failed write means the client left
}

// algoliaParam names a native parameter as Algolia's protocol does.
func algoliaParam(p string) string {
	switch p {
	case "q":
		return "query"
	case "per_page":
		return "hitsPerPage"
	}
	return p
}
