package index

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	bindex "github.com/blevesearch/bleve_index_api"

	"filmsearch/internal/corpus"
)

// Similar films are ranked by the ranker of searches, over a query built from the film itself
// rather than parsed: one word per token of its director's and cast's names, its genres' words,
// its companies and decade, and its most distinctive title and description words. Each word
// weighs by its rarity (BM25's idf) times the weight of what it is, so a shared director or star
// counts for more than a shared genre, and a rare genre for more than "drama".
const (
	similarWords    = 10 // distinctive title and description words searched
	similarDirector = 2
	similarCast     = 1
	similarGenre    = 2
	similarWord     = 1
	similarCompany  = 0.5
	similarDecade   = 0.5
)

// Similar returns one page of the films most like the film with the given id, itself left out,
// best first. Page and perPage have the limits of a Request (0 means the default); an unknown
// id is an error wrapping ErrNotFound, limits out of range a *QueryError. Safe for concurrent
// use.
func (ix *Index) Similar(ctx context.Context, id string, page, perPage int) (*Result, error) {
	leave, err := ix.enter(ctx)
	if err != nil {
		return nil, err
	}
	defer leave()
	s := ix.acquire()
	if s == nil {
		return nil, ErrClosed
	}
	defer s.release()
	res, err := s.similar(ctx, id, page, perPage)
	if err != nil {
		return nil, err
	}
	res.BuildID = s.manifest.ID
	return res, nil
}

func (s *snapshot) similar(ctx context.Context, id string, page, perPage int) (*Result, error) {
	start := time.Now()
	req := Request{Page: page, PerPage: perPage, Sort: SortRelevance, Facets: []string{}}
	if err := req.normalize(); err != nil {
		return nil, err
	}
	f, err := s.film(id)
	if err != nil {
		return nil, err
	}
	r, err := s.reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	c, err := s.likeFilm(ctx, r, f)
	if err != nil {
		return nil, classify(ctx, err)
	}
	res := &Result{Page: req.Page, PerPage: req.PerPage, Corrections: []Correction{}, Hits: []Hit{}, Facets: map[string]Facet{}}
	if !c.browse() { // a film with nothing to go by is like no other
		k := newCounter(s.cols, req)
		rk := &ranking{s: s, c: c, r: r, req: req, likeness: true}
		defer rk.close()
		if err := rk.open(ctx); err != nil {
			return nil, classify(ctx, err)
		}
		from := (req.Page - 1) * req.PerPage
		es, err := rk.rank(ctx, k, from+req.PerPage)
		if err != nil {
			return nil, classify(ctx, err)
		}
		res.Total = k.total
		res.Pages = min((res.Total+req.PerPage-1)/req.PerPage, MaxDepth/req.PerPage)
		if res.Hits, err = s.page(r, es, from, req.PerPage, nil, nil); err != nil {
			return nil, err
		}
	}
	res.TookMS = math.Round(float64(time.Since(start).Microseconds())) / 1000
	return res, nil
}

// likeFilm builds the query of the films like f: f's people, genres, company, decade and
// distinctive words, with f itself excluded.
func (s *snapshot) likeFilm(ctx context.Context, r bindex.IndexReader, f corpus.Film) (*compiled, error) {
	a, err := s.analyzers()
	if err != nil {
		return nil, err
	}
	c := &compiled{typos: map[string]string{}, text: a.text, exact: a.exact}
	c.excluded = append(c.excluded, bleve.NewDocIDQuery([]string{f.ID}))
	seen := map[string]bool{} // field kind + term: each searched once
	add := func(term string, weight float64, fields ...string) {
		key := fields[0] + "\x00" + term
		if term == "" || seen[key] {
			return
		}
		seen[key] = true
		c.groups = append(c.groups, group{word: len(c.words), kind: kindExact, weight: weight, term: term, fields: fields})
		c.words = append(c.words, qword{text: term, times: 1})
	}
	names := map[string]bool{} // stems of names and genres: not distinctive words again
	skip := func(t string) {
		for _, st := range terms(a.text, t) {
			names[st] = true
		}
	}
	person := func(name string, weight float64, fields ...string) {
		for _, t := range terms(a.exact, name) {
			if !stopSet[t] {
				add(t, weight, fields...)
				skip(t)
			}
		}
	}
	person(f.Director, similarDirector, fDirector)
	for _, name := range nonEmpty(f.Cast) {
		person(name, similarCast, fLead, fCast)
	}
	for _, g := range nonEmpty(f.Genres) {
		for _, t := range terms(a.exact, g) {
			if !stopSet[t] {
				add(t, similarGenre, fGenresX)
				skip(t)
			}
		}
	}
	for _, co := range nonEmpty(f.Companies) {
		add(co, similarCompany, fCompany)
	}
	if f.Year > 0 {
		add(corpus.Decade(f.Year), similarDecade, fDecade)
	}
	words, err := s.distinctive(ctx, r, a, f, names)
	if err != nil {
		return nil, err
	}
	for _, w := range words {
		add(w, similarWord, fTitle, fDescription)
		c.groups[len(c.groups)-1].kind = kindStem
		c.words[len(c.words)-1].stem = w
	}
	return c, nil
}

// distinctive returns the stems of f's title and description that the fewest other films have
// (at least one must, or the word finds nothing), up to similarWords, leaving out numbers and
// the words in skip.
func (s *snapshot) distinctive(ctx context.Context, r bindex.IndexReader, a analyzers, f corpus.Film, skip map[string]bool) ([]string, error) {
	type word struct {
		stem string
		df   uint64
	}
	var ws []word
	seen := map[string]bool{}
	for _, st := range terms(a.text, f.Title+"\n"+f.Description) {
		if seen[st] || skip[st] || isNumber(st) {
			continue
		}
		seen[st] = true
		df := uint64(0)
		for _, field := range []string{fTitle, fDescription} {
			tfr, err := r.TermFieldReader(ctx, []byte(st), field, false, false, false)
			if err != nil {
				return nil, fmt.Errorf("postings %s:%s: %w", field, st, err)
			}
			df = max(df, tfr.Count())
			tfr.Close()
		}
		if df >= 2 {
			ws = append(ws, word{st, df})
		}
	}
	slices.SortFunc(ws, func(x, y word) int { return cmp.Or(cmp.Compare(x.df, y.df), cmp.Compare(x.stem, y.stem)) })
	out := make([]string, 0, similarWords)
	for _, w := range ws[:min(len(ws), similarWords)] {
		out = append(out, w.stem)
	}
	return out, nil
}
