package relevance

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"filmsearch/internal/api"
	"filmsearch/internal/index"
	"filmsearch/internal/testkit"
)

const (
	seedJudgments  = "../../../shared/relevance/seed-judgments.jsonl"
	extraJudgments = "testdata/extra-judgments.jsonl"
	filmJudgments  = "testdata/film-judgments.jsonl"
)

// searchResponse is the part of /api/search's answer the judgments read.
type searchResponse struct {
	Total          int  `json:"total"`
	Relaxed        bool `json:"relaxed"`
	Corrections    []struct{ From, To string }
	CorrectedQuery string `json:"corrected_query"`
	Hits           []struct {
		Title       string            `json:"title"`
		Description string            `json:"description"`
		Cast        []string          `json:"cast"`
		Director    string            `json:"director"`
		Highlights  map[string]string `json:"highlights"`
	} `json:"hits"`
	Facets map[string]struct {
		Values []struct {
			Value string `json:"value"`
			Count int    `json:"count"`
		} `json:"values"`
	} `json:"facets"`
}

func (r searchResponse) outcome() Outcome {
	o := Outcome{Total: r.Total, Facets: map[string]map[string]int{}}
	for _, h := range r.Hits {
		o.Titles = append(o.Titles, h.Title)
		o.Texts = append(o.Texts, HitText{
			TitleDescription: strings.ToLower(h.Title + " " + h.Description),
			People:           strings.ToLower(strings.Join(h.Cast, ", ") + " " + h.Director),
		})
	}
	for name, f := range r.Facets {
		o.Facets[name] = map[string]int{}
		for _, v := range f.Values {
			o.Facets[name][v.Value] = v.Count
		}
	}
	return o
}

func (r searchResponse) summary(facet string) string {
	if facet != "" {
		return fmt.Sprintf("%s %s", facet, FormatCounts(r.outcome().Facets[facet]))
	}
	titles := r.outcome().Titles
	s := fmt.Sprintf("%d: %s", r.Total, strings.Join(titles[:min(3, len(titles))], ", "))
	if len(titles) > 3 {
		s += ", …"
	}
	if r.CorrectedQuery != "" {
		s += fmt.Sprintf(" (read as %q)", r.CorrectedQuery)
	}
	if r.Relaxed {
		s += " (relaxed)"
	}
	return s
}

// collectionServer serves corpus/, published once per test binary, through the real router.
func collectionServer(t *testing.T) http.Handler {
	t.Helper()
	return serve(t, testkit.Build(t, testkit.CorpusDir(t)))
}

// serve opens the build under root and serves it through the real router, without a rate limit.
func serve(t *testing.T, root string) http.Handler {
	t.Helper()
	ix, err := index.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	return api.NewServer(ix, api.Options{Logger: zerolog.Nop(), RatePerSecond: -1})
}

func search(t *testing.T, h http.Handler, q string) searchResponse {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/search?q="+url.QueryEscape(q), nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("search %q: status %d: %s", q, rec.Code, rec.Body)
	}
	var r searchResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	return r
}

// TestRelevance runs the seed judgments and ours through /api/search and fails on any that does
// not hold. Run with -v (make relevance) for the table.
func TestRelevance(t *testing.T) {
	seed, err := ReadJudgments(seedJudgments)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no seed judgments at %s", seedJudgments)
	}
	if err != nil {
		t.Fatal(err)
	}
	extra, err := ReadJudgments(extraJudgments)
	if err != nil {
		t.Fatal(err)
	}
	h := collectionServer(t)

	var table strings.Builder
	fmt.Fprintf(&table, "\n%-4s | %-22s | %-62s | %-70s | %s\n", "set", "query", "expectation", "got", "ok")
	held, total := 0, 0
	for _, set := range []struct {
		name string
		js   []Judgment
	}{{"seed", seed}, {"ours", extra}} {
		for _, j := range set.js {
			r := search(t, h, j.Q)
			ok, failed := j.Check(r.outcome())
			total++
			mark := "ok"
			if ok {
				held++
			} else {
				mark = "FAIL " + strings.Join(failed, ", ")
				t.Errorf("%s line %d: q=%q: want %s; got %s", set.name, j.Line, j.Q, j.Expectation(), r.summary(j.Facet))
			}
			fmt.Fprintf(&table, "%-4s | %-22s | %-62s | %-70s | %s\n", set.name, fmt.Sprintf("%q", j.Q), j.Expectation(), r.summary(j.Facet), mark)
		}
	}
	fmt.Fprintf(&table, "%d of %d judgments hold", held, total)
	t.Log(table.String())
}

// TestRelevanceGuarantees checks the promises of the query grammar that judgments of titles
// cannot express.
func TestRelevanceGuarantees(t *testing.T) {
	h := collectionServer(t)
	all := search(t, h, "").Total

	t.Run("punctuation browses or finds nothing", func(t *testing.T) {
		for _, q := range []string{"...", "!!! ???", "-", "--", "\"\"", "'", "*", "~1"} {
			r := search(t, h, q)
			if r.Total != 0 && r.Total != all {
				t.Errorf("Search(%q) = %d hits; want 0 or all %d", q, r.Total, all)
			}
		}
	})

	t.Run("stop words alone find titles with them", func(t *testing.T) {
		// "It", "The Who": a query of nothing but stop words searches titles for them.
		for _, q := range []string{"the ", "\"the\"", "the of and "} {
			r := search(t, h, q)
			if r.Total == 0 || r.Total == all {
				t.Errorf("Search(%q) = %d hits; want the films titled with the word", q, r.Total)
			}
			for _, hit := range r.Hits {
				title := strings.Fields(strings.ToLower(hit.Title))
				if !slices.ContainsFunc(strings.Fields(strings.Trim(q, `" `)), func(w string) bool { return slices.Contains(title, w) }) {
					t.Errorf("Search(%q) found %q, whose title has none of the words", q, hit.Title)
				}
			}
		}
		// A stop word still being typed is a prefix ("a" may become "aurora"): any answer but
		// an error, which search reports.
		for _, q := range []string{"a", "the", "of"} {
			search(t, h, q)
		}
	})
	// A phrase some film has finds only the films that have it. One no film has is not a dead
	// end: the answer is its words' films, marked relaxed.
	t.Run("phrases are exact", func(t *testing.T) {
		for _, c := range []struct {
			q    string
			want int // films with the phrase; 0: none, so relaxed
		}{
			{`"french revolution"`, 1},
			{`"revolution french"`, 0},
			{`"love tragic"`, 0},
			{`"tragic love"`, 2},           // Giselle, Romeo and Juliet; not "love and tragedy"
			{`"rebellion and freedom"`, 1}, // stop words inside a phrase keep their place
			{`"french revolt"`, 0},         // no synonyms, no prefixes inside quotes
			{`"frensh revolution"`, 0},     // no typo correction inside quotes
		} {
			r := search(t, h, c.q)
			switch {
			case c.want > 0 && (r.Total != c.want || r.Relaxed):
				t.Errorf("Search(%s) = %d hits, relaxed %v; want %d exact (%s)", c.q, r.Total, r.Relaxed, c.want, r.summary(""))
			case c.want == 0 && (r.Total == 0 || !r.Relaxed):
				t.Errorf("Search(%s) = %d hits, relaxed %v; want its words' films, relaxed (%s)", c.q, r.Total, r.Relaxed, r.summary(""))
			}
		}
	})
	t.Run("exclusions exclude", func(t *testing.T) {
		for _, c := range []struct{ q, without string }{
			{"love -romeo", "Romeo and Juliet"},
			{"ballet -bolshoi", "Spartacus"},
			{"-giselle", "Giselle"},
			{`love -"tragic love"`, "Giselle"},
			{"revolution -paris", "The Flames of Paris"},
		} {
			r := search(t, h, c.q)
			if r.Total == 0 {
				t.Errorf("Search(%q) = 0 hits; want some", c.q)
			}
			for _, ti := range r.outcome().Titles {
				if ti == c.without {
					t.Errorf("Search(%q) has %s", c.q, c.without)
				}
			}
		}
	})
	t.Run("typos are reported and exact words are not corrected", func(t *testing.T) {
		for _, c := range []struct{ q, corrected string }{
			{"nutcraker", "nutcracker"},
			{"spartakus", "spartacus"},
			{"sleeping beaty", "sleeping beauty"},
			{"swan", ""},
			{"giselle", ""},
			{"lake swan", ""},
			{"1974", ""}, // never on numbers
			{"19755", ""},
			{"lve", ""}, // nor under five letters
		} {
			if r := search(t, h, c.q); r.CorrectedQuery != c.corrected {
				t.Errorf("Search(%q).corrected_query = %q; want %q", c.q, r.CorrectedQuery, c.corrected)
			}
		}
	})
	t.Run("expansions are highlighted", func(t *testing.T) {
		r := search(t, h, "uprising")
		for _, hit := range r.Hits {
			if !strings.Contains(strings.Join([]string{hit.Highlights["title"], hit.Highlights["description"], hit.Highlights["facts"]}, " "), "<mark>") {
				t.Errorf("Search(uprising): %s has no highlight", hit.Title)
			}
		}
	})
}

// TestFilmJudgments runs the judged queries on the 36k films through /api/search: people,
// titles of stop words, typos, accents and phrases, each judged from the film records.
func TestFilmJudgments(t *testing.T) {
	js, err := ReadJudgments(filmJudgments)
	if err != nil {
		t.Fatal(err)
	}
	ix, _ := bigIndex(t)
	h := api.NewServer(ix, api.Options{Logger: zerolog.Nop(), RatePerSecond: -1})
	var table strings.Builder
	held := 0
	for _, j := range js {
		r := search(t, h, j.Q)
		ok, failed := j.Check(r.outcome())
		mark := "ok"
		if ok {
			held++
		} else {
			mark = "FAIL " + strings.Join(failed, "; ")
			t.Errorf("line %d: q=%q: want %s; got %s", j.Line, j.Q, j.Expectation(), r.summary(""))
		}
		fmt.Fprintf(&table, "%-22s | %-60s | %-70s | %s\n", fmt.Sprintf("%q", j.Q), j.Expectation(), r.summary(""), mark)
	}
	fmt.Fprintf(&table, "%d of %d judgments hold", held, len(js))
	t.Log("\n" + table.String())
}
