package relevance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"filmsearch/internal/corpus"
)

// Similar films, measured on the 36k films: how often the first similarCut similar films of a
// film share one of its genres, against the rate for any other film of its decade (the whole
// decade, counted exactly, not sampled). "Specific" counts only genres fewer than a tenth of
// the films have, so drama and comedy, which need no similarity to share, count for nothing.
const (
	similarFilms = 300
	similarSeed  = 7
	similarCut   = 10
	// Floors, set under what was measured (see TestSimilarGenres's log): similar films must
	// share a genre this many times more often than a random film of the decade does.
	floorSimilarLift         = 1.6
	floorSimilarSpecificLift = 5.0
)

// TestSimilarGenres measures genre agreement of Index.Similar against a same-decade baseline.
func TestSimilarGenres(t *testing.T) {
	ix, films := bigIndex(t)
	genresOf := func(f corpus.Film) map[string]bool {
		gs := map[string]bool{}
		for _, g := range f.Genres {
			if g = strings.ToLower(strings.TrimSpace(g)); g != "" {
				gs[g] = true
			}
		}
		return gs
	}
	byID := map[string]corpus.Film{}
	byDecade := map[string][]corpus.Film{}
	holders := map[string]int{}
	for _, f := range films {
		byID[f.ID] = f
		byDecade[f.Decade()] = append(byDecade[f.Decade()], f)
		for g := range genresOf(f) {
			holders[g]++
		}
	}
	specific := func(g string) bool { return holders[g]*10 < len(films) }
	// shares reports whether b has one of a's genres, and one of its specific genres.
	shares := func(a map[string]bool, b corpus.Film) (one, spec bool) {
		for g := range genresOf(b) {
			if a[g] {
				one = true
				spec = spec || specific(g)
			}
		}
		return one, spec
	}

	rng := rand.New(rand.NewPCG(similarSeed, 0))
	var sample []corpus.Film
	for _, i := range rng.Perm(len(films)) {
		if f := films[i]; len(genresOf(f)) > 0 && f.Year > 0 {
			sample = append(sample, f)
			if len(sample) == similarFilms {
				break
			}
		}
	}
	type rate struct{ hits, any, spec, specFilms int }
	var sim, base rate
	var withSpecific int
	for _, f := range sample {
		gs := genresOf(f)
		hasSpecific := false
		for g := range gs {
			hasSpecific = hasSpecific || specific(g)
		}
		if hasSpecific {
			withSpecific++
		}
		res, err := ix.Similar(context.Background(), f.ID, 1, similarCut)
		if err != nil {
			t.Fatalf("Similar(%s): %v", f.ID, err)
		}
		for _, h := range res.Hits {
			if h.ID == f.ID {
				t.Fatalf("Similar(%s) has the film itself", f.ID)
			}
			a, s := shares(gs, byID[h.ID])
			sim.hits++
			sim.any += b2i(a)
			if hasSpecific {
				sim.specFilms++
				sim.spec += b2i(s)
			}
		}
		for _, o := range byDecade[f.Decade()] {
			if o.ID == f.ID {
				continue
			}
			a, s := shares(gs, o)
			base.hits++
			base.any += b2i(a)
			if hasSpecific {
				base.specFilms++
				base.spec += b2i(s)
			}
		}
	}
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	simAny, baseAny := ratio(sim.any, sim.hits), ratio(base.any, base.hits)
	simSpec, baseSpec := ratio(sim.spec, sim.specFilms), ratio(base.spec, base.specFilms)
	var table strings.Builder
	fmt.Fprintf(&table, "\nsimilar films: %d films with genres of %d (seed %d), first %d similar of each (%d hits)\n",
		len(sample), len(films), similarSeed, similarCut, sim.hits)
	fmt.Fprintf(&table, "%-44s | %-7s | %-20s | %-5s\n", "shares a genre with the film", "similar", "random, same decade", "lift")
	fmt.Fprintf(&table, "%-44s | %7.3f | %20.3f | %5.2f\n", "any genre", simAny, baseAny, ratio2(simAny, baseAny))
	fmt.Fprintf(&table, "%-44s | %7.3f | %20.3f | %5.2f\n", fmt.Sprintf("a specific genre (%d films that have one)", withSpecific), simSpec, baseSpec, ratio2(simSpec, baseSpec))
	t.Log(table.String())
	if l := ratio2(simAny, baseAny); l < floorSimilarLift {
		t.Errorf("similar films share a genre %.3f of the time, a random film of the decade %.3f: lift %.2f; want at least %.2f", simAny, baseAny, l, floorSimilarLift)
	}
	if l := ratio2(simSpec, baseSpec); l < floorSimilarSpecificLift {
		t.Errorf("similar films share a specific genre %.3f of the time, a random film of the decade %.3f: lift %.2f; want at least %.2f", simSpec, baseSpec, l, floorSimilarSpecificLift)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ratio2(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// BenchmarkSimilar36k asks for the first ten similar films of films with genres in turn, as the
// API would, and reports p50 and p99 latency.
func BenchmarkSimilar36k(b *testing.B) {
	ix, films := bigIndex(b)
	rng := rand.New(rand.NewPCG(similarSeed, 0))
	var ids []string
	for _, i := range rng.Perm(len(films)) {
		if len(films[i].Genres) > 0 {
			ids = append(ids, films[i].ID)
			if len(ids) == similarFilms {
				break
			}
		}
	}
	ctx := context.Background()
	benchLatency(b, len(ids), func(i int) error {
		_, err := ix.Similar(ctx, ids[i], 1, similarCut)
		return err
	})
}
