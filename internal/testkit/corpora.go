package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// A Refused is a collection that every build path must refuse, with the same error.
type Refused struct {
	Name string // what is wrong with it
	Dir  string // the collection
}

// goodFilm is a valid film, so that each refused collection has one thing wrong.
const goodFilm = `{"title": "Giselle", "year": 1975, "description": "A tragic love story.", "facts": ["It was filmed at the Bolshoi."]}` + "\n"

// RefusedCorpora writes collections that each have one error, in directories of tb's: the cases
// with which the tests of the indexer and of searchd check that their build paths refuse a
// collection alike.
func RefusedCorpora(tb testing.TB) []Refused {
	tb.Helper()
	cases := []struct {
		name  string
		files map[string]string
	}{
		{"a film without a title", map[string]string{"films.jsonl": goodFilm + `{"year": 1977, "description": "No title.", "facts": []}` + "\n"}},
		{"a year out of range", map[string]string{"films.txt": "Swan Lake (1700)\nDescription: Too early for film.\nFact: None.\n"}},
		{"a bad synonyms file", map[string]string{"films.jsonl": goodFilm, "synonyms.json": `{"groups": [["ballet"]]}`}},
	}
	out := make([]Refused, 0, len(cases))
	for _, c := range cases {
		dir := tb.TempDir()
		for name, content := range c.files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, Refused{Name: c.name, Dir: dir})
	}
	return out
}
