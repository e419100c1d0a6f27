package corpus

import (
	"errors"
	"strconv"
	"strings"
)

// Problem is one validation finding, an error or a warning.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"` // 1-based; 0 when the finding is about the whole file
	Reason string `json:"reason"`
	// More is set on the last problem of a file that had more than MaxProblems: it stands for
	// that many problems not listed.
	More int `json:"more,omitempty"`
}

// CountProblems counts the problems ps stands for, those past MaxProblems included.
func CountProblems(ps []Problem) int {
	n := 0
	for _, p := range ps {
		if p.More > 0 {
			n += p.More
		} else {
			n++
		}
	}
	return n
}

// String returns "file:line: reason", leaving out the line when it is 0.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Reason)
	return b.String()
}

// Collection is what a load produced. Films holds only valid records: a record with an error is
// reported in Errors and left out.
type Collection struct {
	Films    []Film
	Count    int    // valid films: len(Films), or what CheckDir and CheckFile counted
	Intro    string // the card format's introduction: text before the first record (first file that has one)
	Warnings []Problem
	Errors   []Problem
	Digest   string // hex sha256 over the film files read (name + bytes, sorted by name) and the gazetteer
}

// ErrInvalid is wrapped by the error of Collection.Err.
var ErrInvalid = errors.New("invalid collection")

// maxListed is how many problems an error message lists before eliding the rest.
const maxListed = 3

// Err returns nil when there are no Errors, else an error wrapping ErrInvalid whose message lists
// the first few problems ("3 errors: a.txt:5: missing title; ...").
func (c *Collection) Err() error {
	if len(c.Errors) == 0 {
		return nil
	}
	return &invalidError{problems: c.Errors}
}

type invalidError struct{ problems []Problem }

func (e *invalidError) Error() string {
	var b strings.Builder
	n := CountProblems(e.problems)
	b.WriteString(strconv.Itoa(n))
	if n == 1 {
		b.WriteString(" error: ")
	} else {
		b.WriteString(" errors: ")
	}
	for i, p := range e.problems {
		if i == maxListed {
			b.WriteString("; ...")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

func (e *invalidError) Unwrap() error { return ErrInvalid }
