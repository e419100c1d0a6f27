package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/rs/zerolog/hlog"

	"filmsearch/internal/index"
)

// Error codes of the envelope. They are part of the API: never rename one.
const (
	CodeInvalidParameter = "invalid_parameter"
	CodeBadQuery         = "bad_query"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeUnauthorized     = "unauthorized"
	CodeRateLimited      = "rate_limited"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
)

// statusOf maps each code to its HTTP status: the one table that does.
var statusOf = map[string]int{
	CodeInvalidParameter: http.StatusBadRequest,
	CodeBadQuery:         http.StatusBadRequest,
	CodeNotFound:         http.StatusNotFound,
	CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	CodeUnauthorized:     http.StatusUnauthorized,
	CodeRateLimited:      http.StatusTooManyRequests,
	CodeUnavailable:      http.StatusServiceUnavailable,
	CodeInternal:         http.StatusInternalServerError,
}

// Error is an error with a stable code and a message safe to show a client.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Param   string `json:"param,omitempty"`
	// RetryAfter, in seconds, is sent as a header with 429 and 503.
	RetryAfter int `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func paramError(param, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidParameter, Param: param, Message: fmt.Sprintf(format, args...)}
}

// classify turns any error into one the client may see. Internal details stay in the log.
func classify(err error) *Error {
	var e *Error
	var qe *index.QueryError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &qe):
		return &Error{Code: CodeBadQuery, Message: qe.Param + " " + qe.Reason, Param: qe.Param}
	case errors.Is(err, index.ErrBadQuery):
		return &Error{Code: CodeBadQuery, Message: "the query cannot be searched", Param: "q"}
	case errors.Is(err, index.ErrNotFound):
		return &Error{Code: CodeNotFound, Message: "no film with that id"}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Code: CodeUnavailable, Message: "the search took too long", RetryAfter: 1}
	case errors.Is(err, index.ErrClosed), errors.Is(err, index.ErrNoBuild):
		return &Error{Code: CodeUnavailable, Message: "the index is not ready", RetryAfter: 1}
	}
	return &Error{Code: CodeInternal, Message: "internal error"}
}

// writeError sends the envelope and logs what the client does not see. A cancelled request
// is the client leaving, not an error.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return
	}
	e := classify(err)
	status := statusOf[e.Code]
	log := hlog.FromRequest(r)
	switch {
	case status >= 500 && e.Code != CodeUnavailable:
		log.Error().Err(err).Msg("request failed")
	case e.Code == CodeUnavailable:
		log.Warn().Err(err).Msg("request refused")
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(e.RetryAfter))
	}
	type envelope struct {
		Error struct {
			*Error
			RequestID string `json:"request_id,omitempty"`
		} `json:"error"`
	}
	var env envelope
	env.Error.Error = e
	if id, ok := hlog.IDFromRequest(r); ok {
		env.Error.RequestID = id.String()
	}
	writeJSON(w, status, env)
}

func handleNotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, &Error{Code: CodeNotFound, Message: "no such endpoint: " + r.URL.Path})
}

func handleMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, &Error{Code: CodeMethodNotAllowed, Message: r.Method + " is not allowed here"})
}
