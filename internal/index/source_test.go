package index

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"testing"

	"filmsearch/internal/corpus"
)

var sourceFilms = []corpus.Film{
	{ID: "a-1977", Title: "A", Year: 1977, Facts: []string{}, Companies: []string{}},
	{ID: "the-swan-lake-1982", Title: "The Swan Lake", Year: 1982, Description: "Love & <betrayal>.",
		Facts: []string{"One.", "Two — with ünïcode."}, Companies: []string{"Bolshoi Ballet"},
		Director: "X", Country: "USSR", Genres: []string{"Dance"}, OriginalTitle: "Лебединое озеро", SourceURL: "https://example.org/x"},
	{ID: "b-1950", Title: "B", Year: 1950, Facts: []string{}, Companies: []string{}, Cast: []string{"One", "Two"}},
}

func TestFilmSourceRoundTrip(t *testing.T) {
	for _, f := range sourceFilms {
		got, err := decodeFilm(encodeFilm(f))
		if err != nil {
			t.Fatalf("decodeFilm(encodeFilm(%s)) = %v", f.ID, err)
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("decodeFilm(encodeFilm(x)) = %+v; want %+v", got, f)
		}
	}
}

// TestPackedFilms: each film packed for a build comes back whole, from its own place.
func TestPackedFilms(t *testing.T) {
	p := pack(sourceFilms, false)
	if p.len() != len(sourceFilms) {
		t.Fatalf("packed %d films; want %d", p.len(), len(sourceFilms))
	}
	for i, f := range sourceFilms {
		got, err := decodeFilm(p.source(i))
		if err != nil || !reflect.DeepEqual(got, f) {
			t.Errorf("film %d = %+v, %v; want %+v", i, got, err, f)
		}
	}
}

// FuzzDecodeFilm: stored bytes decode to a film or to errSource, never a panic, and what
// decodes survives encoding and decoding again unchanged.
func FuzzDecodeFilm(f *testing.F) {
	f.Add(encodeFilm(corpus.Film{ID: "x", Title: "X", Year: 1900, Facts: []string{"f"}, Companies: []string{}}))
	f.Add([]byte{})
	f.Add([]byte{sourceVersion, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{sourceVersion, 5, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		film, err := decodeFilm(b)
		if err != nil {
			if !errors.Is(err, errSource) {
				t.Fatalf("decodeFilm error %v is not errSource", err)
			}
			return
		}
		again, err := decodeFilm(encodeFilm(film))
		if err != nil || !reflect.DeepEqual(again, film) {
			t.Fatalf("decode(encode(%+v)) = %+v, %v", film, again, err)
		}
	})
}

// TestPackClears: packing clears each film only when asked to, and packs the same bytes either
// way.
func TestPackClears(t *testing.T) {
	kept := slices.Clone(sourceFilms)
	cleared := slices.Clone(sourceFilms)
	p, q := pack(kept, false), pack(cleared, true)
	if !reflect.DeepEqual(kept, sourceFilms) {
		t.Errorf("pack without clearing changed the films: %+v", kept)
	}
	for i, f := range cleared {
		if !reflect.DeepEqual(f, corpus.Film{}) {
			t.Errorf("film %d not cleared: %+v", i, f)
		}
	}
	if !bytes.Equal(p.data, q.data) || !slices.Equal(p.ends, q.ends) || cap(p.data) != len(p.data) {
		t.Errorf("packed %d bytes (room for %d) and %d; want the same, in a buffer of their size", len(p.data), cap(p.data), len(q.data))
	}
}
