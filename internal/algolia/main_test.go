package algolia

import (
	"testing"

	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

// apostropheFilm is a film whose title must reach the reader unescaped. Its year keeps the
// collection's decade counts as they are.
const apostropheFilm = `Swan's Lake (1961)
Description: A village troupe stages its own "swan" ballet with borrowed tutus & a gramophone.
Fact: The title's apostrophe tests that nothing escapes it twice.
`

// castFilms are films with the fields the first collection lacks: genres (several per film),
// director and cast. Drama: 3 films, Dance: 3, Musical: 2; Drama and Dance together: 2.
const castFilms = `{"id":"anna-on-the-ice-1950","title":"Anna on the Ice","year":1950,"description":"A figure skater from Leningrad becomes a dancer.","facts":[],"companies":["Lenfilm"],"director":"Ivan Petrov","genres":["Drama","Dance"],"cast":["Maria Ivanova","Oleg Smirnov"]}
{"id":"winter-waltz-1953","title":"Winter Waltz","year":1953,"description":"A waltz at a winter ball brings two rivals together.","facts":[],"companies":["Mosfilm"],"director":"Anna Sokolova","genres":["Musical","Dance"],"cast":["Oleg Smirnov"]}
{"id":"the-last-rehearsal-1961","title":"The Last Rehearsal","year":1961,"description":"An old choreographer prepares his final season.","facts":[],"companies":["Mosfilm"],"director":"Ivan Petrov","genres":["Drama"],"cast":["Pavel Orlov"]}
{"id":"coda-1968","title":"Coda","year":1968,"description":"A dancer's last performance, told in song.","facts":[],"companies":["Lenfilm"],"director":"Anna Sokolova","genres":["Drama","Dance","Musical"],"cast":["Maria Ivanova"]}
{"id":"bright-stage-1972","title":"Bright Stage","year":1972,"description":"A film of a theatre's hundredth season.","facts":[],"companies":["Mosfilm"]}
`

// castIndex returns an index of castFilms, built once for the package.
func castIndex(t testing.TB) *index.Index {
	t.Helper()
	return testkit.Open(t, testkit.Build(t, testkit.Corpus(t, "cast", false, map[string]string{"films.jsonl": castFilms})))
}

func TestMain(m *testing.M) { testkit.Main(m) }

// testIndex returns an index of the collection in corpus/ plus apostropheFilm, built once for
// the package.
func testIndex(t testing.TB) *index.Index {
	t.Helper()
	return testkit.Open(t, testkit.Build(t, testkit.Corpus(t, "apostrophe", true, map[string]string{"zz-apostrophe.txt": apostropheFilm})))
}
