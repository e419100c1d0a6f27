package index

import (
	"errors"
	"fmt"
)

// Errors callers classify with errors.Is.
var (
	// ErrBadQuery means the request cannot be searched as given (too long, too many terms).
	ErrBadQuery = errors.New("bad query")
	// ErrNotFound means no film has the requested id.
	ErrNotFound = errors.New("not found")
	// ErrNoBuild means the index directory has no published build yet.
	ErrNoBuild = errors.New("no published build")
	// ErrClosed means the index was closed.
	ErrClosed = errors.New("index closed")
	// ErrBuildRunning means another build holds the index directory's lock.
	ErrBuildRunning = errors.New("another build is running")
	// ErrVerify means a fresh build failed its checks and was not published.
	ErrVerify = errors.New("build verification failed")
	// ErrDamaged means a build's files do not match the checksums written when it was
	// published, or opening it made Bleve panic: it is refused, never served.
	ErrDamaged = errors.New("damaged build")
)

// QueryError is a request the index refuses as given: which parameter, and why, in words a
// client may read after the parameter's name ("q" + " has more than 64 terms"). Each protocol
// names the parameter its own way. It wraps ErrBadQuery.
type QueryError struct {
	Param  string // the request's field in the native API's terms: q, page, sort, ...
	Reason string
}

func (e *QueryError) Error() string { return fmt.Sprintf("bad query: %s %s", e.Param, e.Reason) }

// Unwrap makes errors.Is(err, ErrBadQuery) hold.
func (e *QueryError) Unwrap() error { return ErrBadQuery }

func badQuery(param, format string, args ...any) error {
	return &QueryError{Param: param, Reason: fmt.Sprintf(format, args...)}
}
