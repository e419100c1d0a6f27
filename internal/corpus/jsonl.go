package corpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// jsonFilm is one line of JSON Lines. Other fields (origin, source...) are ignored, and
// reported once per name and file by the checker.
type jsonFilm struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Year          *int     `json:"year"` // a pointer tells a missing year from 0
	Description   string   `json:"description"`
	Facts         []string `json:"facts"`
	Companies     []string `json:"companies"`
	Company       string   `json:"company"`
	Director      string   `json:"director"`
	Country       string   `json:"country"`
	Genres        []string `json:"genres"`
	Cast          []string `json:"cast"`
	OriginalTitle string   `json:"original_title"`
	SourceURL     string   `json:"source_url"`
	Wiki          string   `json:"wiki"`
}

// ReadJSONL parses JSON Lines, one film object per line; blank lines are skipped. name is used in
// Problems. Records with errors are reported in problems and left out of films. err is only for
// read errors.
func ReadJSONL(r io.Reader, name string) (films []Film, problems []Problem, warnings []Problem, err error) {
	c := newChecker(name)
	if err := readJSONL(r, c); err != nil {
		return nil, nil, nil, err
	}
	return c.films(), c.errs, c.warns, nil
}

// readJSONL streams r line by line: a line longer than MaxFilmBytes is reported and skipped
// without being held, and reading stops with an error past MaxFileBytes.
func readJSONL(r io.Reader, c *checker) error {
	defer c.done()
	lr := newLineReader(r)
	for {
		line, n, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", c.name, err)
		}
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		switch {
		case lr.tooLong:
			c.errorf(n, "line longer than %d bytes", MaxFilmBytes)
		case lr.tooMuch:
			c.errorf(n, "file longer than %d bytes; the rest is not read", MaxFileBytes)
			return nil
		case len(bytes.TrimSpace(line)) > 0:
			c.line(n, line)
		}
	}
}

// line decodes and checks one JSON line.
func (c *checker) line(n int, line []byte) {
	// encoding/json would quietly replace invalid UTF-8, so check first.
	if !utf8.Valid(line) {
		c.errorf(n, "invalid UTF-8")
		return
	}
	var j jsonFilm
	if err := json.Unmarshal(line, &j); err != nil {
		c.errorf(n, "invalid JSON: %s", jsonReason(err))
		return
	}
	rec := record{line: n, film: Film{
		ID:            j.ID,
		Title:         j.Title,
		Description:   j.Description,
		Facts:         j.Facts,
		Companies:     append(j.Companies, j.Company),
		Director:      j.Director,
		Country:       j.Country,
		Genres:        j.Genres,
		Cast:          j.Cast,
		OriginalTitle: j.OriginalTitle,
		SourceURL:     j.SourceURL,
	}}
	if rec.film.SourceURL == "" {
		rec.film.SourceURL = j.Wiki
	}
	if j.Year == nil {
		rec.noYear = true
	} else {
		rec.film.Year = *j.Year
	}
	c.noteUnknownFields(n, line)
	c.finish(&rec)
}

// jsonFields are the names jsonFilm reads.
var jsonFields = map[string]bool{
	"id": true, "title": true, "year": true, "description": true, "facts": true, "companies": true,
	"company": true, "director": true, "country": true, "genres": true, "cast": true,
	"original_title": true, "source_url": true, "wiki": true,
}

// unknownField counts the records of one file that carry a field jsonFilm does not read.
type unknownField struct {
	first, count int
}

// noteUnknownFields counts the fields of a decoded line that are not read, so that done can
// report each name once, with the number of records that had it. encoding/json matches names
// case-insensitively, so "Title" is read, not unknown.
func (c *checker) noteUnknownFields(n int, line []byte) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(line, &fields) != nil {
		return
	}
	for name := range fields {
		if jsonFields[strings.ToLower(name)] {
			continue
		}
		if c.unknown == nil {
			c.unknown = map[string]*unknownField{}
		}
		u := c.unknown[name]
		if u == nil {
			if len(c.unknown) >= MaxProblems {
				continue
			}
			u = &unknownField{first: n}
			c.unknown[name] = u
		}
		u.count++
	}
}

// jsonReason turns a decoding error into a short reason without Go type names.
func jsonReason(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return "want an object, got " + typeErr.Value
		}
		return fmt.Sprintf("field %s: got %s, want %s", typeErr.Field, typeErr.Value, jsonKind(typeErr.Type.Kind().String()))
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(kind string) string {
	switch kind {
	case "int", "ptr":
		return "a number"
	case "slice":
		return "an array of strings"
	default:
		return "a " + kind
	}
}
