package wordsplit

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEach(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"The Swan Lake", []string{"The", "Swan", "Lake"}},
		{"Swan's Lake", []string{"Swan's", "Lake"}},
		{"Kirov Ballet’s prowess", []string{"Kirov", "Ballet’s", "prowess"}},
		{"dancers' shoes", []string{"dancers", "shoes"}},
		{"'quoted'", []string{"quoted"}},
		{"Nemirovich-Danchenko, 1970s!", []string{"Nemirovich", "Danchenko", "1970s"}},
		{"Gisèle à Paris", []string{"Gisèle", "à", "Paris"}},
		{"Балет\u00a0и\u3000танец", []string{"Балет", "и", "танец"}},
		{"a,b,c", []string{"a", "b", "c"}},
		{"9's", []string{"9", "s"}},
	} {
		var got []string
		Each(tc.in, func(start, end int) { got = append(got, tc.in[start:end]) })
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Each(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestBare(t *testing.T) {
	for in, want := range map[string]string{"swan's": "swan", "ballet’s": "ballet", "swans": "swans", "'s": "", "s": "s"} {
		if got := Bare(in); got != want {
			t.Errorf("Bare(%q) = %q; want %q", in, got, want)
		}
	}
}

// FuzzEach: the ranges of any text, valid UTF-8 or not, are in order, apart, on rune boundaries, start and end with
// a letter or digit, and leave out no letter or digit.
func FuzzEach(f *testing.F) {
	for _, s := range []string{"", "Swan's Lake", "a'b'c", "x’", "\xff'a", "é'é", "1'a", "Балет и танец"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		alnum := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
		boundary := map[int]bool{len(s): true} // where range steps, in valid text or not
		for i := range s {
			boundary[i] = true
		}
		at, first := 0, true // the end of the last word
		gap := func(g string) {
			if strings.ContainsFunc(g, alnum) {
				t.Fatalf("Each(%q): left out letters or digits in %q", s, g)
			}
		}
		Each(s, func(start, end int) {
			if (!first && start <= at) || start < at || end <= start || end > len(s) || !boundary[start] || !boundary[end] {
				t.Fatalf("Each(%q): range %d..%d after %d", s, start, end, at)
			}
			r0, _ := utf8.DecodeRuneInString(s[start:end])
			r1, _ := utf8.DecodeLastRuneInString(s[start:end])
			if !alnum(r0) || !alnum(r1) {
				t.Fatalf("Each(%q): word %q does not start and end with a letter or digit", s, s[start:end])
			}
			gap(s[at:start])
			at, first = end, false
		})
		gap(s[at:])
	})
}
