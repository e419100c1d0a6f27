package corpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

const (
	balletPath    = "../../corpus/soviet-ballet-films.txt"
	gazetteerPath = "../../corpus/companies.json"
	wikiPath      = "../../../shared/data/wikipedia-american-films.jsonl"
)

func loadGazetteer(t testing.TB) *Gazetteer {
	t.Helper()
	g, err := LoadGazetteer(gazetteerPath)
	if err != nil {
		t.Fatalf("LoadGazetteer(%s): %v", gazetteerPath, err)
	}
	return g
}

// TestGolden compares what reading each collection produces with testdata/*.golden.json.
func TestGolden(t *testing.T) {
	gaz := loadGazetteer(t)
	for _, tt := range []struct{ path, golden string }{
		{balletPath, "testdata/soviet-ballet-films.golden.json"},
		{"testdata/sample.jsonl", "testdata/sample.golden.json"},
	} {
		t.Run(filepath.Base(tt.path), func(t *testing.T) {
			c, err := LoadFile(tt.path, gaz)
			if err != nil {
				t.Fatalf("LoadFile(%s): %v", tt.path, err)
			}
			got, err := json.MarshalIndent(struct {
				Intro    string    `json:"intro"`
				Films    []Film    `json:"films"`
				Warnings []Problem `json:"warnings"`
				Errors   []Problem `json:"errors"`
			}{c.Intro, c.Films, c.Warnings, c.Errors}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if *update {
				if err := os.WriteFile(tt.golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tt.golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/corpus -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("LoadFile(%s) differs from %s; run go test ./internal/corpus -update and review the diff\ngot:\n%s", tt.path, tt.golden, got)
			}
		})
	}
}

func TestRealCollection(t *testing.T) {
	c, err := LoadFile(balletPath, loadGazetteer(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Films) != 10 {
		t.Errorf("LoadFile(%s) = %d films; want 10", balletPath, len(c.Films))
	}
	if !strings.HasPrefix(c.Intro, "The Soviet Union was renowned") || !strings.HasSuffix(c.Intro, "cultural history.") {
		t.Errorf("Intro = %q; want the paragraph before The Nutcracker", c.Intro)
	}
	if len(c.Errors) != 0 {
		t.Errorf("Errors = %v; want none", c.Errors)
	}
	wantWarn := balletPath + `:15: fact does not end a sentence: "... where the ballet was first performed in"`
	if len(c.Warnings) != 1 || c.Warnings[0].String() != wantWarn {
		t.Errorf("Warnings = %q; want [%q]", c.Warnings, wantWarn)
	}
	wantCompanies := map[string][]string{
		"the-nutcracker-1977":   {"Kirov Ballet"},
		"the-swan-lake-1982":    {"Bolshoi Ballet"},
		"spartacus-1975":        {"Bolshoi Ballet"},
		"romeo-and-juliet-1974": {"Bolshoi Ballet"},
	}
	for _, f := range c.Films {
		want := wantCompanies[f.ID]
		if want == nil {
			want = []string{}
		}
		if !reflect.DeepEqual(f.Companies, want) {
			t.Errorf("%s: Companies = %q; want %q", f.ID, f.Companies, want)
		}
		if f.Facts == nil || len(f.Facts) != 1 {
			t.Errorf("%s: Facts = %q; want one fact", f.ID, f.Facts)
		}
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err() = %v; want nil", err)
	}
}

func TestReadCards(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		films int
		errs  []string
		warns []string
		intro string
		check func(t *testing.T, films []Film)
	}{
		{name: "empty", in: "", films: 0},
		{name: "intro only", in: "\uFEFFHello.\r\n\r\nSecond paragraph.\r\n", intro: "Hello.\n\nSecond paragraph."},
		{
			name:  "crlf bom and fields",
			in:    "\uFEFFTitle (1970)\r\nDescription: One\r\n two.\r\nFact: A fact.\r\nFact: Another\r\none.\r\nCompany: Bolshoi Ballet, Kirov Ballet\r\nCompany: Perm Ballet\r\nGenres: Ballet, Drama\r\nDirector: X\r\nSource: https://example.org/a\r\nOriginal title: Т\r\n",
			films: 1,
			check: func(t *testing.T, films []Film) {
				f := films[0]
				want := Film{ID: "title-1970", Title: "Title", Year: 1970, Description: "One two.",
					Facts: []string{"A fact.", "Another one."}, Companies: []string{"Bolshoi Ballet", "Kirov Ballet", "Perm Ballet"},
					Genres: []string{"Ballet", "Drama"}, Director: "X", SourceURL: "https://example.org/a", OriginalTitle: "Т"}
				if !reflect.DeepEqual(f, want) {
					t.Errorf("film = %+v; want %+v", f, want)
				}
			},
		},
		{name: "missing title", in: "A (1970)\nDescription: a.\n\n(1971)\nDescription: b.\n", films: 1, errs: []string{"x.txt:4: missing title"}},
		{name: "no title line", in: "A (1970)\nDescription: a.\n\nDescription: b.\n", films: 1, errs: []string{`x.txt:4: missing title: a record must start with a "Title (Year)" line`}},
		{name: "no year", in: "Intro.\n\nThe Nutcracker\nDescription: a.\n", films: 0, intro: "Intro.", errs: []string{`x.txt:3: missing year: want a "Title (Year)" line, got "The Nutcracker"`}},
		{name: "year 1700", in: "Old (1700)\nDescription: a.\n", films: 0, errs: []string{"x.txt:1: year 1700 out of range 1888..%max"}},
		{name: "huge year", in: "Old (99999999999999999999999)\nDescription: a.\n", films: 0, errs: []string{"x.txt:1: year 99999999999999999999999 out of range 1888..%max"}},
		{name: "duplicate id", in: "A (1970)\nDescription: a.\n\nA (1970)\nDescription: b.\n", films: 1, errs: []string{`x.txt:4: duplicate id "a-1970" (first on line 1)`}},
		{name: "invalid utf-8", in: "A (1970)\nDescription: a\xff.\n\nB (1971)\nDescription: b.\n", films: 1, errs: []string{"x.txt:2: invalid UTF-8"}},
		{name: "unknown key first", in: "A (1970)\nFoo: bar\nDescription: a.\n", films: 0, errs: []string{`x.txt:2: unknown field "Foo"`}},
		{name: "text before fields", in: "A (1970)\nsome text\n", films: 0, errs: []string{`x.txt:2: text outside any field: want a "Key: value" line`}},
		{name: "unknown key continues", in: "A (1970)\nDescription: a.\nFoo: bar\n", films: 1, warns: []string{`x.txt:3: unknown field "Foo" read as a continuation of the line before`},
			check: func(t *testing.T, films []Film) {
				if got := films[0].Description; got != "a. Foo: bar" {
					t.Errorf("Description = %q; want %q", got, "a. Foo: bar")
				}
			}},
		{name: "duplicate description", in: "A (1970)\nDescription: a.\nB (1971)\nDescription: b.\n", films: 0, errs: []string{"x.txt:4: duplicate Description line (a missing blank line between records?)"}},
		{name: "warnings", in: "A (1970)\nFact: cut off\nFact: \"Quoted.\"\nFact: (Bracketed!)\nFact: Ellipsis…\n", films: 1,
			warns: []string{"x.txt:1: empty description", `x.txt:2: fact does not end a sentence: "cut off"`}},
		{name: "bad source", in: "A (1970)\nDescription: a.\nSource: wikipedia\n", films: 1, warns: []string{`x.txt:1: source "wikipedia" is not an http(s) URL`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			films, intro, errs, warns, err := ReadCards(strings.NewReader(tt.in), "x.txt")
			if err != nil {
				t.Fatalf("ReadCards() error = %v", err)
			}
			if len(films) != tt.films {
				t.Errorf("ReadCards(%q) = %d films; want %d", tt.in, len(films), tt.films)
			}
			if intro != tt.intro {
				t.Errorf("ReadCards(%q) intro = %q; want %q", tt.in, intro, tt.intro)
			}
			checkProblems(t, "errors", errs, tt.errs)
			checkProblems(t, "warnings", warns, tt.warns)
			if tt.check != nil && len(films) == tt.films {
				tt.check(t, films)
			}
		})
	}
}

func TestReadJSONL(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		films int
		errs  []string
		warns []string
	}{
		{name: "empty", in: ""},
		{name: "blank lines and bom", in: "\uFEFF{\"title\":\"A\",\"year\":1970,\"description\":\"a\"}\r\n\n  \n{\"title\":\"B\",\"year\":1971,\"description\":\"b\"}", films: 2},
		{name: "bad json", in: `{"title":"A","year":1970,"description":"a"}` + "\n{\"title\":\n", films: 1, errs: []string{"x.jsonl:2: invalid JSON: unexpected end of JSON input"}},
		{name: "not an object", in: "[1]\n", errs: []string{"x.jsonl:1: invalid JSON: want an object, got array"}},
		{name: "wrong type", in: `{"title":"A","year":"1970"}`, errs: []string{"x.jsonl:1: invalid JSON: field year: got string, want a number"}},
		{name: "missing title", in: `{"title":" ","year":1970,"description":"a"}`, errs: []string{"x.jsonl:1: missing title"}},
		{name: "missing year", in: `{"title":"A","description":"a"}`, errs: []string{"x.jsonl:1: missing year"}},
		{name: "year 1700", in: `{"title":"A","year":1700,"description":"a"}`, errs: []string{"x.jsonl:1: year 1700 out of range 1888..%max"}},
		{name: "duplicate id", in: `{"id":"a","title":"A","year":1970,"description":"a"}` + "\n" + `{"id":"a","title":"B","year":1971,"description":"b"}`, films: 1, errs: []string{`x.jsonl:2: duplicate id "a" (first on line 1)`}},
		{name: "duplicate slug", in: `{"title":"A","year":1970,"description":"a"}` + "\n" + `{"title":"a!","year":1970,"description":"b"}`, films: 1, errs: []string{`x.jsonl:2: duplicate id "a-1970" (first on line 1)`}},
		{name: "invalid utf-8", in: "{\"title\":\"A\xff\",\"year\":1970}", errs: []string{"x.jsonl:1: invalid UTF-8"}},
		{name: "bad id", in: `{"id":"Has Space","title":"A","year":1970,"description":"a"}`, errs: []string{`x.jsonl:1: invalid id "Has Space": want 1..128 of a-z, 0-9, '-', '.', '_', starting with a letter or digit`}},
		{name: "dot id", in: `{"id":"..","title":"A","year":1970,"description":"a"}`, errs: []string{`x.jsonl:1: invalid id "..": want 1..128 of a-z, 0-9, '-', '.', '_', starting with a letter or digit`}},
		{name: "warnings", in: `{"title":"A","year":1970,"facts":["no end", ""]}`, films: 1, warns: []string{"x.jsonl:1: empty description", `x.jsonl:1: fact does not end a sentence: "no end"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			films, errs, warns, err := ReadJSONL(strings.NewReader(tt.in), "x.jsonl")
			if err != nil {
				t.Fatalf("ReadJSONL() error = %v", err)
			}
			if len(films) != tt.films {
				t.Errorf("ReadJSONL(%q) = %d films; want %d", tt.in, len(films), tt.films)
			}
			checkProblems(t, "errors", errs, tt.errs)
			checkProblems(t, "warnings", warns, tt.warns)
			for _, f := range films {
				if f.Facts == nil || f.Companies == nil {
					t.Errorf("%s: Facts = %#v, Companies = %#v; want non-nil", f.ID, f.Facts, f.Companies)
				}
			}
		})
	}
}

func TestReadJSONLFields(t *testing.T) {
	in := `{"title":"Clowns","year":1900,"description":"d.","company":"Lubin Films","companies":["Edison","Lubin Films"],"wiki":"https://w/x","cast":["a"],"origin":"American","source":"prust"}`
	in += "\n" + strings.Replace(in, "Clowns", "Jugglers", 1)
	films, _, warns, err := ReadJSONL(strings.NewReader(in), "x.jsonl")
	if err != nil || len(films) != 2 {
		t.Fatalf("ReadJSONL() = %d films, %v; want 2 films", len(films), err)
	}
	want := Film{ID: "clowns-1900", Title: "Clowns", Year: 1900, Description: "d.", Facts: []string{},
		Companies: []string{"Edison", "Lubin Films"}, Cast: []string{"a"}, SourceURL: "https://w/x"}
	if !reflect.DeepEqual(films[0], want) {
		t.Errorf("ReadJSONL() = %+v; want %+v", films[0], want)
	}
	// Fields that are not read are reported once per name, at the first record, with a count.
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	wantWarns := []string{
		`x.jsonl:1: unknown field "origin" ignored (2 records with it; reported once)`,
		`x.jsonl:1: unknown field "source" ignored (2 records with it; reported once)`,
	}
	if !reflect.DeepEqual(got, wantWarns) {
		t.Errorf("ReadJSONL() warnings = %q; want %q", got, wantWarns)
	}
}

func TestGroupProblems(t *testing.T) {
	var in strings.Builder
	for i := range 7 {
		fmt.Fprintf(&in, "{\"title\":\"T%d\",\"year\":1990,\"description\":\"\",\"facts\":[\"cut off\"]}\n", i)
	}
	in.WriteString(`{"title":"U","year":1990,"description":"d.","facts":["cut off too"]}` + "\n")
	_, _, warns, err := ReadJSONL(strings.NewReader(in.String()), "g.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	groups := GroupProblems(warns)
	var got []string
	for _, g := range groups {
		got = append(got, fmt.Sprintf("%s=%d/%d", g.Kind, g.Count, len(g.Problems)))
	}
	want := []string{"fact does not end a sentence: …=8/8", "empty description=7/7"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GroupProblems() = %q; want %q", got, want)
	}
	more := []Problem{{Reason: "a", Kind: "k"}, {Reason: "x", Kind: "j"}, {Reason: "3 more", More: 3, Kind: "k"}, {Reason: "b", Kind: "k"}}
	if g := GroupProblems(more); len(g) != 2 || g[0].Kind != "k" || g[0].Count != 5 || len(g[0].Problems) != 3 || g[1].Count != 1 {
		t.Errorf("GroupProblems(with More) = %+v; want k=5 (3 of them not listed) first, then j=1", g)
	}

	// Past MaxProblems, the rest are counted by kind, and unknown fields are still named.
	var big strings.Builder
	for i := range MaxProblems + 50 {
		fmt.Fprintf(&big, "{\"title\":\"T%d\",\"year\":1990,\"description\":\"\",\"origin\":\"x\"}\n", i)
	}
	_, _, warns, err = ReadJSONL(strings.NewReader(big.String()), "big.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, g := range GroupProblems(warns) {
		got = append(got, fmt.Sprintf("%s=%d", g.Kind, g.Count))
	}
	want = []string{"empty description=1050", "unknown field … ignored (… with it; reported once)=1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GroupProblems(past the cap) = %q; want %q", got, want)
	}
}

// TestReadJSONLLongLine checks lines beyond bufio.Scanner's 64 KiB limit: one just within
// MaxFilmBytes is read whole; one beyond it is an error at its line, and the next line is read.
func TestReadJSONLLongLine(t *testing.T) {
	desc := strings.Repeat("word ", MaxFieldBytes/5-1) + "end."
	fact := strings.Repeat("x", (MaxFilmBytes-MaxFieldBytes)/MaxListItems-10) + "."
	facts := `"` + strings.Repeat(fact+`", "`, MaxListItems-1) + `last."`
	in := `{"title":"Long","year":1970,"description":"` + desc + `","facts":[` + facts + `]}` + "\n" +
		`{"title":"Longer","year":1970,"description":"` + strings.Repeat("word ", MaxFilmBytes/5) + `"}` + "\n" +
		`{"title":"Next","year":1971,"description":"n"}`
	films, errs, _, err := ReadJSONL(strings.NewReader(in), "x.jsonl")
	if err != nil || len(films) != 2 {
		t.Fatalf("ReadJSONL(long lines) = %d films, %v, %v; want 2 films", len(films), errs, err)
	}
	if films[0].Description != desc || films[1].Title != "Next" {
		t.Errorf("films = %q (%d bytes), %q; want Long with all of its description, then Next", films[0].Title, len(films[0].Description), films[1].Title)
	}
	want := fmt.Sprintf("x.jsonl:2: line longer than %d bytes", MaxFilmBytes)
	if len(errs) != 1 || errs[0].String() != want {
		t.Errorf("errors = %v; want [%s]", errs, want)
	}
}

func TestWikipediaJSONL(t *testing.T) {
	f, err := os.Open(wikiPath)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent", wikiPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	films, errs, _, err := ReadJSONL(f, filepath.Base(wikiPath))
	if err != nil {
		t.Fatal(err)
	}
	if len(films) != 36254 || len(errs) != 0 {
		t.Errorf("ReadJSONL(%s) = %d films, %d errors (%v); want 36254 films, 0 errors", wikiPath, len(films), len(errs), first(errs))
	}
}

func first(ps []Problem) []Problem {
	if len(ps) > 3 {
		return ps[:3]
	}
	return ps
}

func BenchmarkReadJSONL(b *testing.B) {
	data, err := os.ReadFile(wikiPath)
	if err != nil {
		b.Skipf("%s is absent", wikiPath)
	}
	b.SetBytes(int64(len(data)))
	var n int
	for b.Loop() {
		films, _, _, _ := ReadJSONL(bytes.NewReader(data), "wiki.jsonl")
		n = len(films)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "films/s")
}

// checkProblems compares problems with want, where "%max" stands for MaxYear().
func checkProblems(t *testing.T, kind string, got []Problem, want []string) {
	t.Helper()
	var gotS []string
	for _, p := range got {
		gotS = append(gotS, p.String())
		if p.Line < 1 {
			t.Errorf("%s: %v has line %d; want >= 1", kind, p, p.Line)
		}
	}
	var wantS []string
	for _, w := range want {
		wantS = append(wantS, strings.ReplaceAll(w, "%max", strconv.Itoa(MaxYear())))
	}
	if !reflect.DeepEqual(gotS, wantS) {
		t.Errorf("%s = %q; want %q", kind, gotS, wantS)
	}
}
