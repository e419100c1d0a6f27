package index

import "errors"

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
