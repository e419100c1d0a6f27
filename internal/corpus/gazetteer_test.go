package corpus

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGazetteerMatch(t *testing.T) {
	g := loadGazetteer(t)
	tests := []struct {
		texts []string
		want  []string
	}{
		{[]string{"The film features the Kirov Ballet."}, []string{"Kirov Ballet"}},
		{[]string{"showcasing the Bolshoi Ballet's prowess"}, []string{"Bolshoi Ballet"}},
		{[]string{"a Kirov Balletomane wrote"}, []string{}},
		{[]string{"KIROV   ballet"}, []string{"Kirov Ballet"}},
		{[]string{"danced by the Mariinsky Ballet"}, []string{"Kirov Ballet"}},
		{[]string{"The film was shot in the Mariinsky Theatre, where the ballet was first performed in"}, []string{}},
		{[]string{"the Bolshoi Theatre Ballet", "then the Kirov Ballet", "and the Bolshoi Ballet again"}, []string{"Bolshoi Ballet", "Kirov Ballet"}},
		{[]string{"the Stanislavsky and Nemirovich-Danchenko Ballet"}, []string{"Stanislavsky and Nemirovich-Danchenko Ballet"}},
		{[]string{"Stanislavsky and Nemirovich Danchenko ballet"}, []string{"Stanislavsky and Nemirovich-Danchenko Ballet"}},
		{nil, []string{}},
	}
	for _, tt := range tests {
		if got := g.Match(tt.texts...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Match(%q) = %q; want %q", tt.texts, got, tt.want)
		}
	}
	var none *Gazetteer
	if got := none.Match("Kirov Ballet"); got == nil || len(got) != 0 {
		t.Errorf("nil Gazetteer Match() = %#v; want []", got)
	}
}

func TestParseGazetteerErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{`, "parse gazetteer"},
		{`[{"name": ""}]`, "entry 1 has no name"},
		{`[{"name": "A", "alias": ["B"]}]`, "unknown field"},
		{`[{"name": "A", "aliases": ["X"]}, {"name": "B", "aliases": ["x"]}]`, `"x" names both A and B`},
		{`[{"name": "A", "aliases": ["--"]}]`, "A: empty alias"},
	}
	for _, tt := range tests {
		_, err := ParseGazetteer([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseGazetteer(%s) error = %v; want one containing %q", tt.in, err, tt.want)
		}
	}
}

func TestGazetteerCanonical(t *testing.T) {
	g, err := ParseGazetteer([]byte(`[
		{"name": "Metro-Goldwyn-Mayer", "aliases": ["MGM", "M-G-M", "Metro Goldwyn Mayer Pictures"]},
		{"name": "Paramount Pictures", "aliases": ["Paramount"]}]`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"MGM", "Metro-Goldwyn-Mayer", true},
		{"mgm", "Metro-Goldwyn-Mayer", true},
		{"M-G-M", "Metro-Goldwyn-Mayer", true},
		{"Metro Goldwyn Mayer", "Metro-Goldwyn-Mayer", true},
		{"Paramount", "Paramount Pictures", true},
		{"Paramount Pictures", "Paramount Pictures", true},
		{"Paramount Pictures Studio", "Paramount Pictures Studio", false},
		{"Lubin Films", "Lubin Films", false},
	}
	for _, tt := range tests {
		if got, ok := g.Canonical(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	var none *Gazetteer
	if got, ok := none.Canonical("MGM"); got != "MGM" || ok {
		t.Errorf("nil Gazetteer Canonical(MGM) = %q, %v; want MGM, false", got, ok)
	}
}

// TestExplicitCompaniesCanonical: explicit company lists go through the aliases too, so one
// company is one facet value whichever way a record spells it.
func TestExplicitCompaniesCanonical(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(GazetteerFile, `[{"name": "Metro-Goldwyn-Mayer", "aliases": ["MGM"]}, {"name": "Paramount Pictures", "aliases": ["Paramount"]}]`)
	write("films.jsonl", `{"title":"A","year":1950,"description":"d.","companies":["MGM","Metro-Goldwyn-Mayer","Loew's"]}
{"title":"B","year":1951,"description":"d.","company":"Paramount"}
{"title":"C","year":1952,"description":"Made at Paramount."}
`)
	c, err := LoadDir(dir)
	if err != nil || c.Err() != nil {
		t.Fatalf("LoadDir() = %v, %v", err, c.Err())
	}
	want := [][]string{{"Metro-Goldwyn-Mayer", "Loew's"}, {"Paramount Pictures"}, {"Paramount Pictures"}}
	for i, f := range c.Films {
		if !reflect.DeepEqual(f.Companies, want[i]) {
			t.Errorf("%s: Companies = %q; want %q", f.Title, f.Companies, want[i])
		}
	}
}

// TestFoldSpellings: without a gazetteer, spellings that differ only in case and punctuation
// become the most used one.
func TestFoldSpellings(t *testing.T) {
	films := []Film{
		{Companies: []string{"Metro-Goldwyn-Mayer"}},
		{Companies: []string{"Metro Goldwyn Mayer", "Loew's"}},
		{Companies: []string{"Metro-Goldwyn-Mayer", "metro-goldwyn mayer"}},
		{Companies: []string{"MGM"}},
		{Companies: []string{"Warner Bros.", "Warner Bros"}},
	}
	foldSpellings(films)
	want := [][]string{{"Metro-Goldwyn-Mayer"}, {"Metro-Goldwyn-Mayer", "Loew's"}, {"Metro-Goldwyn-Mayer"}, {"MGM"}, {"Warner Bros."}}
	for i, f := range films {
		if !reflect.DeepEqual(f.Companies, want[i]) {
			t.Errorf("film %d: Companies = %q; want %q", i, f.Companies, want[i])
		}
	}
}
