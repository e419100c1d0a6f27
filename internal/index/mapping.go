package index

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"filmsearch/internal/corpus"
)

// formatVersion changes whenever the mapping does: a build of another format cannot be searched
// by this code and is refused on open (ErrOldFormat), so searchd rebuilds it.
const formatVersion = 2

// Field names in the index. Every text is indexed twice: its words as written (lower-cased, accents
// folded: the "exact" fields, suffix x) and their stems without stop words, with positions for
// phrases and proximity. People's names are indexed as written only.
const (
	fTitle        = "title"
	fTitleX       = "title_x"
	fDescription  = "description"
	fDescriptionX = "description_x"
	fFacts        = "facts"
	fFactsX       = "facts_x"
	fGenres       = "genres"
	fGenresX      = "genres_x"
	fLead         = "lead" // the first-billed name of the cast
	fCast         = "cast" // the rest of the cast
	fDirector     = "director"
	fTitlePrefix  = "title_prefix" // edge n-grams of title words: search-as-you-type
	fCompany      = "company"
	fGenre        = "genre" // keyword: the facet
	fDecade       = "decade"
	fYear         = "year" // keyword: the facet, and the sort (four-digit years, MinYear..MaxYear, sort as text)
	fTitleSort    = "title_sort"
	fSource       = "src" // the film in the form of source.go, stored only
)

// stemFields hold stems, exactFields words as written; wordFields are the exact fields a typo is
// corrected from.
var (
	stemFields  = []string{fTitle, fDescription, fFacts, fGenres}
	exactFields = []string{fTitleX, fDescriptionX, fFactsX, fGenresX, fLead, fCast, fDirector}
	// peopleFields hold names, as written only.
	peopleFields = []string{fLead, fCast, fDirector}
)

const (
	analyzerText   = "text"  // stems: what stemFields hold
	analyzerExact  = "exact" // words as written: what exactFields hold
	analyzerPrefix = "word_prefix"
	stopMap        = "stop_words"
	maxPrefixLen   = 15
)

// stopWords are the words a reader's query may leave out: they never decide whether a film
// matches, only how well. Lucene's classic English list: short enough that a film titled with a
// longer common word ("There Will Be Blood") keeps it among its stems.
var stopWords = strings.Fields("a an and are as at be but by for if in into is it no not of on or " +
	"such that the their then there these they this to was will with")

func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = bindex.BM25Scoring
	m.DefaultAnalyzer = analyzerExact
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	err := m.AddCustomTokenFilter("prefix_ngram", map[string]any{
		"type": edgengram.Name, "back": false, "min": 1.0, "max": float64(maxPrefixLen),
	})
	if err != nil {
		return nil, fmt.Errorf("token filter: %w", err)
	}
	words := make([]any, len(stopWords))
	for i, w := range stopWords {
		words[i] = w
	}
	if err := m.AddCustomTokenMap(stopMap, map[string]any{"type": tokenmap.Name, "tokens": words}); err != nil {
		return nil, fmt.Errorf("stop words: %w", err)
	}
	if err := m.AddCustomTokenFilter("stop", map[string]any{"type": stop.Name, "stop_token_map": stopMap}); err != nil {
		return nil, fmt.Errorf("stop filter: %w", err)
	}
	for name, filters := range map[string][]any{
		analyzerText:   {en.PossessiveName, lowercase.Name, "stop", en.SnowballStemmerName},
		analyzerExact:  {en.PossessiveName, lowercase.Name}, // Shakespeare's is shakespeare
		analyzerPrefix: {en.PossessiveName, lowercase.Name, "prefix_ngram"},
	} {
		err := m.AddCustomAnalyzer(name, map[string]any{
			"type": custom.Name, "char_filters": []any{asciifolding.Name}, "tokenizer": unicode.Name, "token_filters": filters,
		})
		if err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", name, err)
		}
	}

	text := func(analyzer string, positions bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = positions
		f.DocValues = false
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = true
		return f
	}
	src := bleve.NewTextFieldMapping()
	src.Index = false
	src.Store = true
	src.IncludeInAll = false
	src.IncludeTermVectors = false
	src.DocValues = false

	doc := bleve.NewDocumentStaticMapping()
	// Positions only where phrases and proximity read them: the stems.
	for _, f := range stemFields {
		doc.AddFieldMappingsAt(f, text(analyzerText, true))
	}
	for _, f := range exactFields {
		doc.AddFieldMappingsAt(f, text(analyzerExact, false))
	}
	doc.AddFieldMappingsAt(fTitlePrefix, text(analyzerPrefix, false))
	for _, f := range []string{fCompany, fGenre, fDecade, fYear, fTitleSort} {
		doc.AddFieldMappingsAt(f, kw())
	}
	doc.AddFieldMappingsAt(fSource, src)
	// No _all field: every query names its fields, and _all would double the index.
	doc.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	m.DefaultMapping = doc
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("mapping: %w", err)
	}
	return m, nil
}

// document turns a film into the map Bleve indexes. Empty values are left out: Bleve would index
// an empty string as a term and count it in facets.
func document(f corpus.Film) map[string]any { return documentFrom(f, encodeFilm(f)) }

// documentFrom is document with f's stored form at hand.
func documentFrom(f corpus.Film, src []byte) map[string]any {
	d := map[string]any{
		fTitleSort: strings.ToLower(f.Title),
		fDecade:    corpus.Decade(f.Year),
		fYear:      strconv.Itoa(f.Year),
		fSource:    string(src),
	}
	both := func(stemmed, exact string, v any) {
		d[stemmed], d[exact] = v, v
	}
	both(fTitle, fTitleX, f.Title)
	d[fTitlePrefix] = f.Title
	if f.Description != "" {
		both(fDescription, fDescriptionX, f.Description)
	}
	if facts := nonEmpty(f.Facts); len(facts) > 0 {
		both(fFacts, fFactsX, facts)
	}
	if g := nonEmpty(f.Genres); len(g) > 0 {
		both(fGenres, fGenresX, g)
		d[fGenre] = g
	}
	if cast := nonEmpty(f.Cast); len(cast) > 0 {
		d[fLead] = cast[0]
		if len(cast) > 1 {
			d[fCast] = cast[1:]
		}
	}
	if strings.TrimSpace(f.Director) != "" {
		d[fDirector] = f.Director
	}
	if c := nonEmpty(f.Companies); len(c) > 0 {
		d[fCompany] = c
	}
	return d
}

func nonEmpty(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}
