package corpus

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cardKeys maps the lower-case keys of the card format to the field they fill.
var cardKeys = map[string]string{
	"description":    "Description",
	"fact":           "Fact",
	"company":        "Company",
	"companies":      "Company",
	"director":       "Director",
	"country":        "Country",
	"genre":          "Genres",
	"genres":         "Genres",
	"cast":           "Cast",
	"starring":       "Cast",
	"original title": "Original title",
	"source":         "Source",
}

// ReadCards parses the card format: records that start with a "Title (Year)" line followed by
// "Key: value" lines, separated by blank lines. Text before the first record is the
// introduction. name is used in Problems. Records with errors are reported in problems and left
// out of films. err is only for read errors.
func ReadCards(r io.Reader, name string) (films []Film, intro string, problems []Problem, warnings []Problem, err error) {
	c := newChecker(name)
	intro, err = readCards(r, c)
	if err != nil {
		return nil, "", nil, nil, err
	}
	return c.films(), intro, c.errs, c.warns, nil
}

// cardRecord is a card being read.
type cardRecord struct {
	record
	last     *string         // the field a continuation line extends
	single   map[string]bool // single-valued keys already given
	scratch  string          // where continuations of a rejected line go; it stays empty
	bytes    int             // of the card so far, to hold it to MaxFilmBytes
	overLong bool            // past MaxFilmBytes, and reported
}

// readCards streams the cards of r through c in bounded memory (see lineReader and limits.go)
// and returns the introduction. The error is only for read errors.
func readCards(r io.Reader, c *checker) (string, error) {
	defer c.done()
	lr := newLineReader(r)

	var (
		intro     strings.Builder
		introLong bool
		cur       *cardRecord
		skipping  bool // inside a block that could not start a record
		started   bool // a record (or an attempt) was seen: the introduction is over
	)
	addIntro := func(n int, line string) {
		if introLong {
			return
		}
		if intro.Len()+len(line)+1 > MaxIntroBytes {
			c.errorf(n, "introduction longer than %d bytes", MaxIntroBytes)
			introLong = true
			return
		}
		intro.WriteString(line)
		intro.WriteByte('\n')
	}
	end := func() {
		if cur != nil {
			cur.film.Companies = splitCommas(cur.film.Companies)
			cur.film.Genres = splitCommas(cur.film.Genres)
			cur.film.Cast = splitCommas(cur.film.Cast)
			c.finish(&cur.record)
			cur = nil
		}
		skipping = false
	}
	for {
		raw, n, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", fmt.Errorf("read %s: %w", c.name, err)
		}
		if n == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
		}
		if lr.tooMuch {
			c.errorf(n, "file longer than %d bytes; the rest is not read", MaxFileBytes)
			if cur != nil {
				cur.bad = true
			}
			break
		}
		if lr.tooLong {
			c.errorf(n, "line longer than %d bytes", MaxFilmBytes)
			switch {
			case cur != nil:
				cur.bad = true
				cur.last = &cur.scratch
			case !started:
				introLong = true
			}
			continue
		}
		line := strings.TrimSuffix(string(raw), "\r")
		if strings.TrimSpace(line) == "" {
			end()
			if !started {
				addIntro(n, "")
			}
			continue
		}
		valid := utf8.ValidString(line)
		if cur == nil && !skipping {
			if title, year, yearText, ok := parseTitleLine(line); ok {
				started = true
				cur = &cardRecord{single: map[string]bool{}, bytes: len(line)}
				cur.line = n
				cur.film.Title, cur.film.Year, cur.yearText = title, year, yearText
				cur.film.Facts = []string{}
				cur.film.Companies = []string{}
				if !valid {
					c.errorf(n, "invalid UTF-8")
					cur.bad = true
				}
				continue
			}
			next, ok := lr.peek()
			if !started && !recordLike(line, string(next), ok) {
				if !valid {
					c.errorf(n, "invalid UTF-8")
					line = strings.ToValidUTF8(line, "\uFFFD")
				}
				addIntro(n, line)
				continue
			}
			started = true
			skipping = true
			if _, _, known := splitKey(line); known {
				c.errorf(n, "missing title: a record must start with a \"Title (Year)\" line")
			} else {
				c.errorf(n, "missing year: want a \"Title (Year)\" line, got %q", tail(strings.ToValidUTF8(line, "\uFFFD")))
			}
			continue
		}
		if skipping {
			continue
		}
		if !valid {
			c.errorf(n, "invalid UTF-8")
			cur.bad = true
		}
		if cur.bytes += len(line) + 1; cur.bytes > MaxFilmBytes {
			if !cur.overLong {
				c.errorf(cur.line, "film longer than %d bytes", MaxFilmBytes)
				cur.overLong = true
			}
			cur.bad = true
			continue
		}
		cur.add(c, n, line)
	}
	end()
	return strings.TrimSpace(intro.String()), nil
}

// add applies one line inside a record.
func (r *cardRecord) add(c *checker, n int, line string) {
	key, value, known := splitKey(line)
	if !known {
		if r.last == nil {
			if key != "" {
				c.errorf(n, "unknown field %q", key)
			} else {
				c.errorf(n, "text outside any field: want a \"Key: value\" line")
			}
			r.bad = true
			r.last = &r.scratch
			return
		}
		if r.last == &r.scratch {
			return // the continuation of a rejected line: nobody reads it
		}
		if key != "" {
			c.warnf(n, "unknown field %q read as a continuation of the line before", key)
		}
		*r.last = joinLine(*r.last, line)
		return
	}
	f := &r.film
	field := cardKeys[strings.ToLower(key)]
	switch field {
	case "Fact":
		f.Facts = append(f.Facts, value)
		r.factLines = append(r.factLines, n)
		r.last = &f.Facts[len(f.Facts)-1]
		return
	case "Company", "Genres", "Cast":
		// Comma lists are split at the end, so a continuation can carry on a list.
		list := &f.Companies
		switch field {
		case "Genres":
			list = &f.Genres
		case "Cast":
			list = &f.Cast
		}
		*list = append(*list, value)
		r.last = &(*list)[len(*list)-1]
		return
	}
	if r.single[field] {
		c.errorf(n, "duplicate %s line (a missing blank line between records?)", field)
		r.bad = true
		r.last = &r.scratch
		return
	}
	r.single[field] = true
	switch field {
	case "Description":
		r.last = &f.Description
	case "Director":
		r.last = &f.Director
	case "Country":
		r.last = &f.Country
	case "Original title":
		r.last = &f.OriginalTitle
	case "Source":
		r.last = &f.SourceURL
	}
	*r.last = value
}

// splitKey splits a "Key: value" line. key is empty when the line has no key shape; known
// reports whether key is one of the card format's.
func splitKey(line string) (key, value string, known bool) {
	i := strings.IndexByte(line, ':')
	if i < 1 || i > 30 {
		return "", "", false
	}
	// A colon must be followed by a space or the line end, so "https://..." is not a key.
	if i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t' {
		return "", "", false
	}
	key = line[:i]
	if key[0] == ' ' || key[len(key)-1] == ' ' {
		return "", "", false
	}
	for j := 0; j < len(key); j++ {
		b := key[j]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == ' ') {
			return "", "", false
		}
	}
	_, known = cardKeys[strings.ToLower(key)]
	return key, strings.TrimSpace(line[i+1:]), known
}

// parseTitleLine splits "Title (Year)". yearText is set, and year is 0, when the digits do not
// fit a year, so the error can quote them.
func parseTitleLine(line string) (title string, year int, yearText string, ok bool) {
	s := strings.TrimSpace(line)
	if !strings.HasSuffix(s, ")") {
		return "", 0, "", false
	}
	open := strings.LastIndexByte(s, '(')
	if open < 0 {
		return "", 0, "", false
	}
	digits := s[open+1 : len(s)-1]
	if digits == "" {
		return "", 0, "", false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return "", 0, "", false
		}
	}
	title = strings.TrimSpace(s[:open])
	if len(digits) > 6 {
		return title, 0, tail(digits), true
	}
	year, _ = strconv.Atoi(digits)
	return title, year, "", true
}

// recordLike reports whether the block at line, followed by next when hasNext, looks like a
// record without its title line, rather than a paragraph of the introduction.
func recordLike(line, next string, hasNext bool) bool {
	if _, _, known := splitKey(line); known {
		return true
	}
	if hasNext {
		_, _, known := splitKey(strings.TrimSuffix(next, "\r"))
		return known
	}
	return false
}

func joinLine(prev, line string) string {
	line = strings.TrimSpace(line)
	if prev == "" {
		return line
	}
	return prev + " " + line
}

// splitCommas splits every item of a card list line at commas.
func splitCommas(items []string) []string {
	var out []string
	for _, s := range items {
		out = append(out, strings.Split(s, ",")...)
	}
	return out
}
