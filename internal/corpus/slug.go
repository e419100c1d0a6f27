package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode"
)

// maxSlugTitle bounds the title part of a slug so that slugs stay valid ids (at most 128 bytes).
const maxSlugTitle = 100

// translit maps lower-case letters with a trivial ASCII spelling: Latin-1, Latin Extended-A and
// Russian/Ukrainian Cyrillic, since the collections are Soviet and American films.
var translit = map[rune]string{}

func init() {
	for _, pair := range []struct{ from, to string }{
		{"àáâãäåāăą", "a"}, {"çćĉċč", "c"}, {"ďđð", "d"}, {"èéêëēĕėęě", "e"},
		{"ĝğġģ", "g"}, {"ĥħ", "h"}, {"ìíîïĩīĭįı", "i"}, {"ĵ", "j"}, {"ķ", "k"},
		{"ĺļľŀł", "l"}, {"ñńņň", "n"}, {"òóôõöøōŏő", "o"}, {"ŕŗř", "r"},
		{"śŝşš", "s"}, {"ţťŧ", "t"}, {"ùúûüũūŭůűų", "u"}, {"ŵ", "w"}, {"ýÿŷ", "y"},
		{"źżž", "z"},
		{"а", "a"}, {"б", "b"}, {"в", "v"}, {"гґ", "g"}, {"д", "d"}, {"её", "e"},
		{"ж", "zh"}, {"з", "z"}, {"иі", "i"}, {"й", "y"}, {"к", "k"}, {"л", "l"},
		{"м", "m"}, {"н", "n"}, {"о", "o"}, {"п", "p"}, {"р", "r"}, {"с", "s"},
		{"т", "t"}, {"у", "u"}, {"ф", "f"}, {"х", "kh"}, {"ц", "ts"}, {"ч", "ch"},
		{"ш", "sh"}, {"щ", "shch"}, {"ы", "y"}, {"э", "e"}, {"ю", "yu"}, {"я", "ya"},
		{"є", "ye"}, {"ї", "yi"},
	} {
		for _, r := range pair.from {
			translit[r] = pair.to
		}
	}
	for r, s := range map[rune]string{'æ': "ae", 'œ': "oe", 'ß': "ss", 'þ': "th", '&': "and"} {
		translit[r] = s
	}
	for _, r := range "ъь'’ʼ" { // signs and apostrophes join their word: "Pushkin's" -> "pushkins"
		translit[r] = ""
	}
}

// Slug returns a URL-safe id from a title and year: "The Swan Lake", 1982 -> "the-swan-lake-1982".
// It uses lower-case ASCII letters, digits and single dashes; letters with a trivial ASCII spelling
// are transliterated and other characters separate words. A title with nothing left (say, only
// Chinese characters) gets "film-" and a short hash of the title, so the slug is never empty and
// different titles stay apart. The year is left out when it is not positive.
func Slug(title string, year int) string {
	var b strings.Builder
	dash := false // a separator is pending
	for _, r := range title {
		r = unicode.ToLower(r)
		var s string
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			s = string(r)
		default:
			var ok bool
			if s, ok = translit[r]; !ok {
				dash = true
				continue
			}
			if s == "" {
				continue
			}
		}
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteString(s)
	}
	out := b.String()
	if len(out) > maxSlugTitle {
		out = out[:maxSlugTitle]
		if i := strings.LastIndexByte(out, '-'); i > 0 {
			out = out[:i]
		}
		out = strings.TrimRight(out, "-")
	}
	if out == "" {
		sum := sha256.Sum256([]byte(title))
		out = "film-" + hex.EncodeToString(sum[:4])
	}
	if year > 0 {
		out += "-" + strconv.Itoa(year)
	}
	return out
}
