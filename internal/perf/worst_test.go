package perf

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
)

// luceneStop is the index's stop-word list (Lucene's classic English one): words that do not
// count against index.MaxQueryTerms, so the worst queries are built from other words.
var luceneStop = strings.Fields("a an and are as at be but by for if in into is it no not of on or " +
	"such that the their then there these they this to was will with")

// worstQueries are the most expensive requests we know of within the documented limits
// (index.MaxQueryBytes, index.MaxQueryTerms, the paging, facet and filter limits), made from
// the corpus: its most common words and word pairs, and random words that take the typo path.
func worstQueries(films []corpus.Film) []struct {
	name string
	req  index.Request
} {
	words, pairs := commonWords(films)
	rng := rand.New(rand.NewPCG(14, 14))
	random := func(n, letters int) []string {
		out := make([]string, n)
		for i := range out {
			var sb strings.Builder
			for range letters {
				sb.WriteByte(byte('a' + rng.IntN(26)))
			}
			out[i] = sb.String()
		}
		return out
	}
	quoted := func(ps []string) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = `"` + p + `"`
		}
		return out
	}
	common := strings.Join(words[:index.MaxQueryTerms], " ")
	phrases := strings.Join(quoted(pairs[:index.MaxQueryTerms/2]), " ")
	repeated := strings.TrimSpace(strings.Repeat(`"`+pairs[0]+`" `, index.MaxQueryTerms/2))
	excluded := "-" + strings.Join(words[:index.MaxQueryTerms], " -")
	deep := index.Request{Query: common, Page: index.MaxDepth / index.MaxPerPage, PerPage: index.MaxPerPage, FacetSize: index.MaxFacetSize}
	return []struct {
		name string
		req  index.Request
	}{
		{"common-64", index.Request{Query: common}},
		{"common-64-space", index.Request{Query: common + " "}}, // no prefix on the last word
		{"common-64-all", index.Request{Query: common, Match: index.MatchAll}},
		{"common-64-deep-page", deep},
		{"common-63-prefix-s", index.Request{Query: strings.Join(words[:index.MaxQueryTerms-1], " ") + " s"}},
		{"prefix-s", index.Request{Query: "s"}},
		{"phrases-32", index.Request{Query: phrases}},
		{"phrases-32-all", index.Request{Query: phrases, Match: index.MatchAll}},
		{"phrase-repeated-32", index.Request{Query: repeated}},
		{"excluded-64", index.Request{Query: excluded}},
		{"typos-64x9", index.Request{Query: strings.Join(random(index.MaxQueryTerms, 9), " ")}},
		{"typos-64x15", index.Request{Query: strings.Join(random(index.MaxQueryTerms, 15), " ")}},
		{"one-word-1024", index.Request{Query: random(1, index.MaxQueryBytes)[0]}},
		{"stop-words-1024", index.Request{Query: strings.TrimSpace(strings.Repeat("the ", index.MaxQueryBytes/4))}},
		{"filters-50-deep", filtered(films, words[0], deep)},
		// Words typed apart that join into words the index has, and words typed together that
		// split into two it has: each pair and each split adds ways to match.
		{"joined-64", index.Request{Query: strings.Join(compounds(films, index.MaxQueryTerms/2), " ")}},
		{"together-32", index.Request{Query: strings.ReplaceAll(strings.Join(pairs, ","), " ", "")}},
	}
}

// compounds returns the n description words found in most films that are two other
// description words of three letters or more written together, as the two words: "ghost
// busters" for ghostbusters.
func compounds(films []corpus.Film, n int) []string {
	df := map[string]int{}
	for _, f := range films {
		seen := map[string]bool{}
		for _, t := range strings.FieldsFunc(strings.ToLower(f.Description), func(r rune) bool { return !unicode.IsLetter(r) }) {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	parts := map[string]string{}
	for w := range df {
		for i := 3; i <= len(w)-3; i++ {
			if x, y := w[:i], w[i:]; df[x] > 0 && df[y] > 0 && !slices.Contains(luceneStop, x) && !slices.Contains(luceneStop, y) {
				parts[w] = x + " " + y
				break
			}
		}
	}
	counts := map[string]int{}
	for w := range parts {
		counts[w] = df[w]
	}
	var out []string
	for _, w := range top(counts, n) {
		out = append(out, parts[w])
	}
	return out
}

// filtered is req for q with the most filters allowed: every decade, then the commonest genres
// and companies, 50 values in all.
func filtered(films []corpus.Film, q string, req index.Request) index.Request {
	req.Query = q
	req.Decades = []string{"1900s", "1910s", "1920s", "1930s", "1940s", "1950s", "1960s", "1970s", "1980s", "1990s", "2000s", "2010s", "2020s"}
	genres, companies := map[string]int{}, map[string]int{}
	for _, f := range films {
		for _, g := range f.Genres {
			genres[g]++
		}
		for _, c := range f.Companies {
			companies[c]++
		}
	}
	req.Genres = top(genres, 20)
	req.Companies = top(companies, 50-len(req.Decades)-len(req.Genres))
	return req
}

// top returns the n keys with the largest counts, ties by key.
func top(counts map[string]int, n int) []string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(counts[b]-counts[a], strings.Compare(a, b)) })
	return keys[:min(n, len(keys))]
}

// commonWords returns the description words found in most films, stop words and words shorter
// than three letters left out, and the adjacent pairs of them found in most films, as "a b".
func commonWords(films []corpus.Film) (words, pairs []string) {
	wordDF, pairDF := map[string]int{}, map[string]int{}
	for _, f := range films {
		seenW, seenP := map[string]bool{}, map[string]bool{}
		toks := strings.FieldsFunc(strings.ToLower(f.Description), func(r rune) bool { return !unicode.IsLetter(r) })
		for i, t := range toks {
			if len(t) < 3 || slices.Contains(luceneStop, t) {
				continue
			}
			if !seenW[t] {
				seenW[t] = true
				wordDF[t]++
			}
			if i+1 < len(toks) && len(toks[i+1]) >= 3 && !slices.Contains(luceneStop, toks[i+1]) {
				p := t + " " + toks[i+1]
				if !seenP[p] {
					seenP[p] = true
					pairDF[p]++
				}
			}
		}
	}
	return top(wordDF, index.MaxQueryTerms), top(pairDF, index.MaxQueryTerms/2)
}

// BenchmarkWorstCase times each of worstQueries in process on the 36k films and logs the
// slowest; the target is 100 ms for every one of them.
func BenchmarkWorstCase(b *testing.B) {
	ix := openScaled(b, 36254)
	ctx := context.Background()
	var slowest string
	var worst time.Duration
	for _, w := range worstQueries(loadFilms(b)) {
		if len(w.req.Query) > index.MaxQueryBytes {
			b.Fatalf("%s: %d bytes, over the limit", w.name, len(w.req.Query))
		}
		b.Run(w.name, func(b *testing.B) {
			var hits int
			var took []time.Duration
			for b.Loop() {
				t := time.Now()
				res, err := ix.Search(ctx, w.req)
				if errors.Is(err, index.ErrBadQuery) {
					b.Fatalf("%s is refused, not within the limits: %v", w.name, err)
				}
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(t))
				hits = res.Total
			}
			slices.Sort(took)
			b.ReportMetric(float64(hits), "hits")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
			if m := took[len(took)/2]; m > worst {
				slowest, worst = w.name, m
			}
		})
	}
	b.Logf("slowest: %s, median %.1f ms", slowest, float64(worst.Microseconds())/1000)
}
