package algolia

import (
	"reflect"
	"testing"
)

func TestParseMarkedRender(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", ""},
		{"plain &amp; simple", "plain & simple"},
		{"<mark>Swan&#39;s</mark> Lake", "[Swan's] Lake"},
		{"&lt;b&gt; <mark>&amp;</mark> &#34;q&#34;", `<b> [&] "q"`},
		{"a <mark>b</mark> c <mark>d</mark>", "a [b] c [d]"},
		{"<mark></mark>x", "x"},
		{"unclosed <mark>mark", "unclosed [mark]"},
	} {
		if got := parseMarked(tc.in).render("[", "]"); got != tc.want {
			t.Errorf("parseMarked(%q).render = %q; want %q", tc.in, got, tc.want)
		}
	}
}

func TestWithin(t *testing.T) {
	full := "One two three four five six"
	for _, tc := range []struct{ snippet, want string }{
		{"One <mark>two</mark> three four five six", "One [two] three four five six"},
		{"…three <mark>four</mark> five…", "One two three [four] five six"},
		{"…<mark>six</mark>", "One two three four five [six]"},
		{"something <mark>else</mark>", full},
	} {
		if got := parseMarked(tc.snippet).within(full).render("[", "]"); got != tc.want {
			t.Errorf("within(%q) = %q; want %q", tc.snippet, got, tc.want)
		}
	}
}

func TestFactsMarked(t *testing.T) {
	facts := []string{"First fact.", "Second fact about love.", "Third on love … and more."}
	joined := parseMarked("Second fact about <mark>love</mark>. … Third on <mark>love</mark> … and more.")
	var got []string
	for _, m := range factsMarked(facts, joined) {
		got = append(got, m.render("[", "]"))
	}
	want := []string{"First fact.", "Second fact about [love].", "Third on [love] … and more."}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("factsMarked = %q; want %q", got, want)
	}
}

func TestMatchLevel(t *testing.T) {
	for _, tc := range []struct {
		query, hl string
		level     string
		words     []string
	}{
		{"swan", "The Swan Lake", "none", []string{}},
		{"swan", "The <mark>Swan</mark> Lake", "full", []string{"swan"}},
		{"swan lake", "The <mark>Swan</mark> Lake", "partial", []string{"swan"}},
		{"swa", "The <mark>Swan</mark> Lake", "full", []string{"swa"}},
		{"revolution", "<mark>revolutionary</mark>", "full", []string{"revolution"}},
		{"revolution", "<mark>rebellion</mark>", "partial", []string{}},
		{"swan -lake", "The <mark>Swan</mark> Lake", "full", []string{"swan"}},
	} {
		h := highlighter{words: queryWords(tc.query), pre: "<em>", post: "</em>"}
		r := h.result(parseMarked(tc.hl))
		if r.MatchLevel != tc.level || !reflect.DeepEqual(r.MatchedWords, tc.words) {
			t.Errorf("query %q on %q: matchLevel %q, matchedWords %q; want %q, %q", tc.query, tc.hl, r.MatchLevel, r.MatchedWords, tc.level, tc.words)
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
