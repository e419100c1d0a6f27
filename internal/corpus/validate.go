package corpus

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxIDLen bounds ids so they fit URLs and index keys.
const maxIDLen = 128

// record is a film being read, with the positions that problems point at.
type record struct {
	film      Film
	line      int    // the title line (cards) or the JSON line
	yearText  string // the year as written when it did not fit an int
	factLines []int  // line of each fact, parallel to film.Facts
	noYear    bool   // the record gives no year at all
	bad       bool   // an error was reported; the record is dropped
}

// checker validates records of one stream and collects problems, at most MaxProblems of each
// kind; done adds a count of the rest.
type checker struct {
	name     string
	seen     map[string]int // id -> line of first use
	errs     []Problem
	warns    []Problem
	moreErrs overflow // errors past MaxProblems, by kind
	moreWarn overflow
	maxYear  int
	accepted []record
	unknown  map[string]*unknownField // JSON fields not read, by name
	// accept, when set, takes each valid record instead of accepted: a check that keeps no
	// films, or a loader that checks ids across files.
	accept func(r *record)
}

func newChecker(name string) *checker {
	return &checker{name: name, seen: map[string]int{}, maxYear: MaxYear()}
}

func (c *checker) errorf(line int, format string, args ...any) {
	if len(c.errs) >= MaxProblems {
		c.moreErrs.add(kindOf(format, args))
		return
	}
	c.errs = append(c.errs, Problem{File: c.name, Line: line, Reason: fmt.Sprintf(format, args...), Kind: kindOf(format, args)})
}

func (c *checker) warnf(line int, format string, args ...any) {
	if len(c.warns) >= MaxProblems {
		c.moreWarn.add(kindOf(format, args))
		return
	}
	c.warns = append(c.warns, Problem{File: c.name, Line: line, Reason: fmt.Sprintf(format, args...), Kind: kindOf(format, args)})
}

// done closes the stream: each unknown field is reported once, at its first record, and
// problems past MaxProblems are summed up in one last problem each.
func (c *checker) done() {
	names := make([]string, 0, len(c.unknown))
	for name := range c.unknown {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := c.unknown[names[i]], c.unknown[names[j]]
		return a.first < b.first || (a.first == b.first && names[i] < names[j])
	})
	for _, name := range names {
		u := c.unknown[name]
		// Past the cap too: one line per name, and at most MaxProblems names.
		const format = "unknown field %q ignored (%s with it; reported once)"
		args := []any{name, records(u.count)}
		c.warns = append(c.warns, Problem{File: c.name, Line: u.first, Reason: fmt.Sprintf(format, args...), Kind: kindOf(format, args)})
	}
	c.unknown = nil
	c.errs = c.moreErrs.problems(c.errs, c.name, "errors")
	c.warns = c.moreWarn.problems(c.warns, c.name, "warnings")
}

// finish normalizes and validates r, reporting problems; valid records are kept.
func (c *checker) finish(r *record) {
	f := &r.film
	f.Title = strings.TrimSpace(f.Title)
	f.Description = strings.TrimSpace(f.Description)
	f.Director = strings.TrimSpace(f.Director)
	f.Country = strings.TrimSpace(f.Country)
	f.OriginalTitle = strings.TrimSpace(f.OriginalTitle)
	f.SourceURL = strings.TrimSpace(f.SourceURL)
	f.Companies = cleanList(f.Companies)
	f.Genres = cleanList(f.Genres)
	if len(f.Genres) == 0 {
		f.Genres = nil // omitted from JSON
	}
	f.Cast = cleanList(f.Cast)
	if len(f.Cast) == 0 {
		f.Cast = nil
	}
	if !r.bad && !validUTF8(f) {
		c.errorf(r.line, "invalid UTF-8")
		r.bad = true
	}
	if !r.bad && !c.withinLimits(r) {
		r.bad = true
	}
	if f.Title == "" {
		c.errorf(r.line, "missing title")
		r.bad = true
	} else if !visible(f.Title) {
		c.errorf(r.line, "title has no visible character")
		r.bad = true
	}
	if r.noYear {
		c.errorf(r.line, "missing year")
		r.bad = true
	} else if r.yearText != "" {
		c.errorf(r.line, "year %s out of range %d..%d", r.yearText, MinYear, c.maxYear)
		r.bad = true
	} else if f.Year < MinYear || f.Year > c.maxYear {
		c.errorf(r.line, "year %d out of range %d..%d", f.Year, MinYear, c.maxYear)
		r.bad = true
	}
	if f.ID == "" {
		f.ID = Slug(f.Title, f.Year)
	} else if !validID(f.ID) {
		c.errorf(r.line, "invalid id %q: want 1..%d of a-z, 0-9, '-', '.', '_', starting with a letter or digit", f.ID, maxIDLen)
		r.bad = true
	}
	if r.bad {
		return
	}
	if first, ok := c.seen[f.ID]; ok {
		c.errorf(r.line, "duplicate id %q (first on line %d)", f.ID, first)
		return
	}
	c.seen[f.ID] = r.line

	if f.Description == "" {
		c.warnf(r.line, "empty description")
	}
	facts := make([]string, 0, len(f.Facts))
	for i, fact := range f.Facts {
		fact = strings.TrimSpace(fact)
		if fact == "" {
			continue
		}
		line := r.line
		if i < len(r.factLines) {
			line = r.factLines[i]
		}
		if !endsSentence(fact) {
			c.warnf(line, "fact does not end a sentence: %q", tail(fact))
		}
		facts = append(facts, fact)
	}
	f.Facts = facts
	if f.SourceURL != "" && !httpURL(f.SourceURL) {
		c.warnf(r.line, "source %q is not an http(s) URL", f.SourceURL)
	}
	if c.accept != nil {
		c.accept(r)
		return
	}
	c.accepted = append(c.accepted, *r)
}

// withinLimits reports the first field of r over a limit (see limits.go), or with a NUL byte.
func (c *checker) withinLimits(r *record) bool {
	f := &r.film
	for _, v := range [...]struct{ name, s string }{
		{"id", f.ID}, {"title", f.Title}, {"description", f.Description}, {"director", f.Director},
		{"country", f.Country}, {"original title", f.OriginalTitle}, {"source", f.SourceURL},
	} {
		if why := fieldProblem(v.s); why != "" {
			c.errorf(r.line, "%s %s", v.name, why)
			return false
		}
	}
	for _, l := range [...]struct {
		name  string
		items []string
	}{{"fact", f.Facts}, {"company", f.Companies}, {"genre", f.Genres}, {"cast name", f.Cast}} {
		if len(l.items) > MaxListItems {
			c.errorf(r.line, "%d %ss; at most %d", len(l.items), l.name, MaxListItems)
			return false
		}
		for _, s := range l.items {
			if why := fieldProblem(s); why != "" {
				c.errorf(r.line, "%s %s", l.name, why)
				return false
			}
		}
	}
	return true
}

// films returns the accepted films.
func (c *checker) films() []Film {
	out := make([]Film, len(c.accepted))
	for i, r := range c.accepted {
		out[i] = r.film
	}
	return out
}

// cleanList trims items, drops empty ones and repeats, and never returns nil.
func cleanList(items []string) []string {
	out := make([]string, 0, len(items))
	for _, s := range items {
		s = strings.TrimSpace(s)
		if s == "" || contains(out, s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validID reports whether id is safe in URLs and index keys.
func validID(id string) bool {
	if len(id) == 0 || len(id) > maxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '.' && c != '_') {
			return false // a leading '.' would allow "..", a path step
		}
	}
	return true
}

func validUTF8(f *Film) bool {
	for _, s := range [...]string{f.ID, f.Title, f.Description, f.Director, f.Country, f.OriginalTitle, f.SourceURL} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	for _, list := range [...][]string{f.Facts, f.Companies, f.Genres, f.Cast} {
		for _, s := range list {
			if !utf8.ValidString(s) {
				return false
			}
		}
	}
	return true
}

// endsSentence reports whether s ends in sentence punctuation, perhaps followed by closing quotes
// or brackets: a fact cut off mid-sentence is a copy-paste mistake worth a warning.
func endsSentence(s string) bool {
	s = strings.TrimRight(s, "\"'”’»)]} ")
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '.' || r == '!' || r == '?' || r == '…'
}

// tail returns the end of s, enough to find it in the file.
func tail(s string) string {
	const n = 40
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return "..." + string(r[len(r)-n:])
}

// httpURL is a cheap check: url.Parse costs a tenth of reading a large file.
func httpURL(s string) bool {
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(s, "http://")
	}
	return ok && rest != "" && rest[0] != '/' && !strings.ContainsAny(s, " \t\n")
}

func records(n int) string {
	if n == 1 {
		return "1 record"
	}
	return strconv.Itoa(n) + " records"
}

// overflow counts problems past MaxProblems by kind, in the order kinds first overflowed.
type overflow struct {
	kinds []string
	n     map[string]int
}

func (o *overflow) add(kind string) {
	if o.n == nil {
		o.n = map[string]int{}
	}
	if o.n[kind] == 0 {
		o.kinds = append(o.kinds, kind)
	}
	o.n[kind]++
}

// problems appends one problem per kind that stands for those not listed.
func (o *overflow) problems(ps []Problem, file, noun string) []Problem {
	for _, k := range o.kinds {
		n := o.n[k]
		ps = append(ps, Problem{File: file, Reason: fmt.Sprintf("%d more %s not listed: %s", n, noun, k), More: n, Kind: k})
	}
	return ps
}
