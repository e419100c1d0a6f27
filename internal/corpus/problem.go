package corpus

import (
	"errors"
	"sort"
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
	// Kind groups problems of one sort: the reason with its particulars left out, like
	// "empty description" or "unknown field … ignored"; see GroupProblems. A problem that
	// stands for those past MaxProblems has the Kind of the problems it counts.
	Kind string `json:"-"`
}

// kindOf is a reason's format with its values elided, except a %s argument that is one short
// lower-case word, which names a part of a film ("fact", "company") and keeps kinds apart.
func kindOf(format string, args []any) string {
	var b strings.Builder
	arg := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' || i+1 == len(format) {
			b.WriteByte(format[i])
			continue
		}
		i++
		if format[i] == '%' {
			b.WriteByte('%')
			continue
		}
		if format[i] == 's' && arg < len(args) {
			if s, ok := args[arg].(string); ok && isWord(s) {
				b.WriteString(s)
				arg++
				continue
			}
		}
		b.WriteString("…")
		arg++
	}
	return b.String()
}

// ProblemGroup is the problems of one Kind.
type ProblemGroup struct {
	Kind     string
	Count    int       // how many problems of the kind, those past MaxProblems included
	Problems []Problem // in the order they were found
}

// GroupProblems groups ps by Kind, the largest group first (ties in the order of their first
// problem). A problem without a Kind (one made by hand) is its own kind, its Reason.
func GroupProblems(ps []Problem) []ProblemGroup {
	var groups []ProblemGroup
	at := map[string]int{}
	for _, p := range ps {
		k := p.Kind
		if k == "" {
			k = p.Reason
		}
		i, ok := at[k]
		if !ok {
			i = len(groups)
			at[k] = i
			groups = append(groups, ProblemGroup{Kind: k})
		}
		g := &groups[i]
		g.Problems = append(g.Problems, p)
		g.Count += CountProblems([]Problem{p})
	}
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Count > groups[j].Count })
	return groups
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
	Digest   string // hex sha256 over the film files read (name + bytes, sorted by name), the gazetteer and the themes; see Digest

	fileSum *digest // LoadFile's digest before the gazetteer, for LoadPath to finish
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

func isWord(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}
