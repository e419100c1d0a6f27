package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	gaz, err := os.ReadFile(gazetteerPath)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"a.txt":          "Intro A.\n\nGiselle (1975)\nDescription: The Kirov Ballet dances.\nFact: A fact.\n",
		"b.jsonl":        `{"title":"Giselle","year":1975,"description":"again"}` + "\n" + `{"title":"Spartacus","year":1975,"description":"d.","company":"Mosfilm"}` + "\n",
		"c.txt":          "Intro C.\n\nRomeo and Juliet (1974)\nDescription: The Bolshoi Ballet.\n",
		"companies.json": string(gaz),
		"synonyms.json":  `{"not": "a film"}`,
		"notes.md":       "Title (1970)\n",
	}
	dir := writeFiles(t, files)
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("LoadDir() error = %v", err)
	}
	var ids, companies []string
	for _, f := range c.Films {
		ids = append(ids, f.ID)
		companies = append(companies, strings.Join(f.Companies, "+"))
	}
	if got, want := strings.Join(ids, " "), "giselle-1975 spartacus-1975 romeo-and-juliet-1974"; got != want {
		t.Errorf("LoadDir() ids = %s; want %s", got, want)
	}
	if got, want := strings.Join(companies, " "), "Kirov Ballet Mosfilm Bolshoi Ballet"; got != want {
		t.Errorf("LoadDir() companies = %s; want %s", got, want)
	}
	if c.Intro != "Intro A." {
		t.Errorf("Intro = %q; want %q", c.Intro, "Intro A.")
	}
	wantErr := filepath.Join(dir, "b.jsonl") + `:1: duplicate id "giselle-1975" (first at ` + filepath.Join(dir, "a.txt") + ":3)"
	if len(c.Errors) != 1 || c.Errors[0].String() != wantErr {
		t.Errorf("Errors = %q; want [%q]", c.Errors, wantErr)
	}
	err = c.Err()
	if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "1 error: ") {
		t.Errorf("Err() = %v; want 1 error wrapping ErrInvalid", err)
	}

	// The digest covers film files, the gazetteer and the themes, not other files or the
	// directory name.
	again, _ := LoadDir(writeFiles(t, files))
	if again.Digest != c.Digest || len(c.Digest) != 64 {
		t.Errorf("Digest = %s, then %s; want the same 64 hex digits", c.Digest, again.Digest)
	}
	for name, change := range map[string]string{"a.txt": files["a.txt"] + "\n", "companies.json": `[{"name": "Kirov Ballet"}]`, "synonyms.json": "{}"} {
		changed := map[string]string{}
		for k, v := range files {
			changed[k] = v
		}
		changed[name] = change
		other, _ := LoadDir(writeFiles(t, changed))
		if other.Digest == c.Digest {
			t.Errorf("changing %s: digest unchanged; want a new one", name)
		}
	}
	other, _ := LoadDir(writeFiles(t, map[string]string{"a.txt": files["a.txt"], "notes.md": "x"}))
	if other2, _ := LoadDir(writeFiles(t, map[string]string{"a.txt": files["a.txt"], "notes.md": "y"})); other.Digest != other2.Digest {
		t.Errorf("changing notes.md changed the digest; want only collection files counted")
	}
}

// TestDigest: Digest, which only hashes, agrees with what LoadPath computes while it parses,
// for a directory and for a file with its gazetteer and themes beside it.
func TestDigest(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.txt":          "Giselle (1975)\nDescription: A ballet.\n",
		"b.jsonl":        `{"title":"B","year":1990,"description":"d."}` + "\n",
		"companies.json": `[{"name": "Kirov Ballet"}]`,
		"synonyms.json":  `{}`,
		"notes.md":       "ignored",
	})
	for _, path := range []string{dir, filepath.Join(dir, "b.jsonl")} {
		c, err := LoadPath(path, false)
		if err != nil {
			t.Fatal(err)
		}
		checked, err := LoadPath(path, true)
		if err != nil {
			t.Fatal(err)
		}
		d, err := Digest(path)
		if err != nil {
			t.Fatal(err)
		}
		if d != c.Digest || d != checked.Digest {
			t.Errorf("Digest(%s) = %s; LoadPath gave %s, checking %s; want one digest", path, d, c.Digest, checked.Digest)
		}
	}
	a, _ := Digest(dir)
	b, _ := Digest(filepath.Join(dir, "b.jsonl"))
	if a == b {
		t.Error("a directory and one of its files have one digest; want two")
	}
	if _, err := Digest(filepath.Join(dir, "notes.md")); err == nil {
		t.Error("Digest(notes.md) = nil error; want unsupported file type")
	}
}

func TestLoadDirErrors(t *testing.T) {
	if _, err := LoadDir(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadDir(missing) error = %v; want ErrNotExist", err)
	}
	c, err := LoadDir(writeFiles(t, map[string]string{"companies.json": "[", "a.txt": "A (1970)\nDescription: d.\n"}))
	if err != nil {
		t.Fatalf("LoadDir(bad gazetteer) error = %v; want a problem, not an error", err)
	}
	if len(c.Errors) != 1 || !strings.Contains(c.Errors[0].String(), "companies.json: parse gazetteer") || len(c.Films) != 1 {
		t.Errorf("LoadDir(bad gazetteer) = %d films, errors %q; want 1 film and the gazetteer error", len(c.Films), c.Errors)
	}
	if _, err := LoadFile("films.csv", nil); err == nil {
		t.Errorf("LoadFile(films.csv) error = nil; want unsupported file type")
	}
}

func TestErr(t *testing.T) {
	tests := []struct {
		errs []Problem
		want string
	}{
		{nil, ""},
		{[]Problem{{File: "a.txt", Line: 5, Reason: "missing title"}}, "1 error: a.txt:5: missing title"},
		{[]Problem{{File: "a.txt", Line: 5, Reason: "missing title"}, {File: "b.jsonl", Reason: "bad"}, {File: "c.txt", Line: 1, Reason: "x"}, {File: "d.txt", Line: 2, Reason: "y"}},
			"4 errors: a.txt:5: missing title; b.jsonl: bad; c.txt:1: x; ..."},
		{[]Problem{{File: "a.txt", Line: 5, Reason: "missing title"}, {File: "a.txt", Reason: "41 more errors not listed", More: 41}},
			"42 errors: a.txt:5: missing title; a.txt: 41 more errors not listed"},
	}
	for _, tt := range tests {
		c := &Collection{Errors: tt.errs}
		err := c.Err()
		got := ""
		if err != nil {
			got = err.Error()
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("Err() = %v; want it to wrap ErrInvalid", err)
			}
		}
		if got != tt.want {
			t.Errorf("Err() = %q; want %q", got, tt.want)
		}
	}
}
