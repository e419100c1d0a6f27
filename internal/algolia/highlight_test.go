package algolia

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"filmsearch/internal/index"
)

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		m    marked
		want string
	}{
		{marked{}, ""},
		{marked{text: "plain & simple"}, "plain & simple"},
		{marked{text: "Swan's Lake", spans: []span{{0, 6}}}, "[Swan's] Lake"},
		{marked{text: `<b> & "q"`, spans: []span{{4, 5}}}, `<b> [&] "q"`},
		{marked{text: "a b c d", spans: []span{{2, 3}, {6, 7}}}, "a [b] c [d]"},
	} {
		if got := tc.m.render("[", "]"); got != tc.want {
			t.Errorf("%+v.render = %q; want %q", tc.m, got, tc.want)
		}
	}
}

func TestMatchLevel(t *testing.T) {
	w := func(word string, v index.Via) index.WordMatch { return index.WordMatch{Word: word, Via: v} }
	sp := func(start, end int, ws ...index.WordMatch) index.Span {
		return index.Span{Start: start, End: end, Words: ws}
	}
	const text = "The Swan Lake"
	yes, no := true, false
	for _, tc := range []struct {
		name   string
		wanted []string
		spans  []index.Span
		want   highlightResult
	}{
		{"no match", []string{"swan"}, nil, highlightResult{text, "none", nil, []string{}}},
		{"the word", []string{"swan"}, []index.Span{sp(4, 8, w("swan", index.ViaWord))},
			highlightResult{"The <em>Swan</em> Lake", "full", &no, []string{"swan"}}},
		{"one of two", []string{"swan", "pond"}, []index.Span{sp(4, 8, w("swan", index.ViaWord))},
			highlightResult{"The <em>Swan</em> Lake", "partial", &no, []string{"swan"}}},
		{"being typed", []string{"swa"}, []index.Span{sp(4, 8, w("swa", index.ViaPrefix))},
			highlightResult{"The <em>Swan</em> Lake", "full", &no, []string{"swa"}}},
		{"a correction", []string{"swann"}, []index.Span{sp(4, 8, w("swann", index.ViaCorrection))},
			highlightResult{"The <em>Swan</em> Lake", "full", &no, []string{"swann"}}},
		{"a synonym", []string{"bird"}, []index.Span{sp(4, 8, w("bird", index.ViaSynonym))},
			highlightResult{"The <em>Swan</em> Lake", "partial", &no, []string{}}},
		{"every word", []string{"the", "swans", "lake"}, []index.Span{
			sp(0, 3, w("the", index.ViaWord)), sp(4, 8, w("swans", index.ViaForm)), sp(9, 13, w("lake", index.ViaWord))},
			highlightResult{"<em>The</em> <em>Swan</em> <em>Lake</em>", "full", &yes, []string{"the", "swans", "lake"}}},
		{"one span, two words", []string{"swan", "s"}, []index.Span{sp(4, 8, w("swan", index.ViaWord), w("s", index.ViaPrefix))},
			highlightResult{"The <em>Swan</em> Lake", "full", &no, []string{"swan", "s"}}},
	} {
		h := highlighter{words: tc.wanted, pre: "<em>", post: "</em>"}
		if got := h.result(text, tc.spans); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: result = %+v; want %+v", tc.name, got, tc.want)
		}
	}
}

func TestMatchFacet(t *testing.T) {
	for _, tc := range []struct {
		value, query, want string
		ok                 bool
	}{
		{"Bolshoi Ballet", "bol", "<em>Bol</em>shoi Ballet", true},
		{"Bolshoi Ballet", "BAL", "Bolshoi <em>Bal</em>let", true},
		{"Bolshoi Ballet", "ball bol", "<em>Bol</em>shoi <em>Ball</em>et", true},
		{"Bolshoi Ballet", "", "Bolshoi Ballet", true},
		{"Bolshoi Ballet", "olshoi", "", false},
		{"Stanislavsky and Nemirovich-Danchenko Ballet", "danc", "Stanislavsky and Nemirovich-<em>Danc</em>henko Ballet", true},
		{"Ballet Éclair", "écl", "Ballet <em>Écl</em>air", true},
		{"1970s", "197", "<em>197</em>0s", true},
	} {
		m, ok := matchFacet(tc.value, facetWords(tc.query))
		if ok != tc.ok || (ok && m.render("<em>", "</em>") != tc.want) {
			t.Errorf("matchFacet(%q, %q) = %q, %v; want %q, %v", tc.value, tc.query, m.render("<em>", "</em>"), ok, tc.want, tc.ok)
		}
	}
}

// An excluded word or phrase is not a word the reader wants: a hit that has every wanted word
// is a full match.
func TestExcludedWordsAreNotWanted(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, testIndex(t))
	status, got, raw := post(t, srv.URL+"/1/indexes/*/queries", "application/json",
		`{"requests":[{"indexName":"films","params":{"query":"nutcracker -\"swan lake\""}}]}`)
	if status != http.StatusOK || len(got.Results) != 1 || len(got.Results[0].Hits) == 0 {
		t.Fatalf("status %d: %s", status, raw)
	}
	var title highlightResult
	json.Unmarshal(got.Results[0].Hits[0].HighlightResult["title"], &title)
	if title.MatchLevel != "full" || !reflect.DeepEqual(title.MatchedWords, []string{"nutcracker"}) {
		t.Errorf(`nutcracker -"swan lake": title highlight %+v; want matchLevel full, matchedWords [nutcracker]`, title)
	}
}
