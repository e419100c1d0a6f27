package corpus

import (
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
