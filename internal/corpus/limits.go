package corpus

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Limits on corpus input: the one place they are set. Each is checked while a file streams in,
// so no outsized value, record or file is ever held whole: reading or checking a collection
// needs memory in proportion to its accepted films, never to its largest input. Every refusal
// is an error with file:line. The largest film of the 36k Wikipedia corpus is 2.1 KB, its
// longest description 1.5 KB; a whole magazine article (the TIME test collection) reaches 30 KB.
const (
	// MaxFieldBytes bounds one value: a title, a description, one fact, one company, ...
	MaxFieldBytes = 64 << 10
	// MaxFilmBytes bounds one film as written: its JSON line, or its card from the title line
	// to the blank line after it. Longer lines are skipped, not read into memory.
	MaxFilmBytes = 256 << 10
	// MaxListItems bounds the facts, companies, genres and cast of one film, each.
	MaxListItems = 100
	// MaxFileBytes bounds one collection file; a larger one is refused before it is read.
	MaxFileBytes = 1 << 30
	// MaxIntroBytes bounds the introduction of a card file.
	MaxIntroBytes = MaxFieldBytes
	// MaxProblems bounds the errors, and the warnings, kept per file: the rest are counted in
	// one last problem, so a file of a million bad lines reports in bounded memory.
	MaxProblems = 1000
)

// MinYear is the earliest valid year of a film: the first surviving motion picture.
const MinYear = 1888

// MaxYear returns the latest valid year of a film, next year, so announced films fit.
func MaxYear() int { return time.Now().Year() + 1 }

// fieldProblem returns why s cannot be the value of a field, or "".
func fieldProblem(s string) string {
	switch {
	case len(s) > MaxFieldBytes:
		return "is longer than " + strconv.Itoa(MaxFieldBytes) + " bytes"
	case strings.IndexByte(s, 0) >= 0:
		return "contains a NUL byte"
	}
	return ""
}

// visible reports whether s has a character a reader can see: not only spaces, zero-width
// characters and other format or control characters.
func visible(s string) bool {
	for _, r := range s {
		if unicode.IsGraphic(r) && !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) &&
			!unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Me, r) {
			return true
		}
	}
	return false
}
