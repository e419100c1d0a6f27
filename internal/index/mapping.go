package index

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	bindex "github.com/blevesearch/bleve_index_api"

	"filmsearch/internal/corpus"
)

// Field names in the index.
const (
	fTitle       = "title"
	fDescription = "description"
	fFacts       = "facts"
	fTitlePrefix = "title_prefix" // edge n-grams of title words: search-as-you-type
	fWords       = "words"        // unstemmed words of description then facts: word forms, typos
	fCompany     = "company"
	fDecade      = "decade"
	fYear        = "year" // keyword: the facet, and the sort (years 1888..2100 sort as text)
	fTitleSort   = "title_sort"
	fSource      = "src" // the film in the form of source.go, stored only
)

// textFields are searched for words, in order of weight.
var textFields = []string{fTitle, fDescription, fFacts}

var fieldBoost = map[string]float64{fTitle: 3, fDescription: 1.5, fFacts: 1}

const (
	analyzerText   = en.AnalyzerName
	analyzerPrefix = "word_prefix"
	analyzerWord   = "word" // what a query word becomes before a prefix lookup
	maxPrefixLen   = 15
)

func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = bindex.BM25Scoring
	m.DefaultAnalyzer = analyzerText
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	err := m.AddCustomTokenFilter("prefix_ngram", map[string]any{
		"type": edgengram.Name, "back": false, "min": 1.0, "max": float64(maxPrefixLen),
	})
	if err != nil {
		return nil, fmt.Errorf("token filter: %w", err)
	}
	for name, filters := range map[string][]any{
		analyzerPrefix: {lowercase.Name, "prefix_ngram"},
		analyzerWord:   {en.PossessiveName, lowercase.Name}, // Shakespeare's is shakespeare
	} {
		err := m.AddCustomAnalyzer(name, map[string]any{
			"type": custom.Name, "tokenizer": unicode.Name, "token_filters": filters,
		})
		if err != nil {
			return nil, fmt.Errorf("analyzer %s: %w", name, err)
		}
	}

	text := func(analyzer string) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = true // positions for phrases, offsets for our highlighter
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
	doc.AddFieldMappingsAt(fTitle, text(analyzerText))
	doc.AddFieldMappingsAt(fDescription, text(analyzerText))
	doc.AddFieldMappingsAt(fFacts, text(analyzerText))
	// Prefixes need no positions: no phrase spans them, and highlights are found by scanning.
	titlePrefix := text(analyzerPrefix)
	titlePrefix.IncludeTermVectors = false
	doc.AddFieldMappingsAt(fTitlePrefix, titlePrefix)
	// No term vectors: words are matched by whole-word terms our query builder picked, so the
	// highlighter finds them again by scanning the text, and the index stays half the size.
	words := text(analyzerWord)
	words.IncludeTermVectors = false
	doc.AddFieldMappingsAt(fWords, words)
	doc.AddFieldMappingsAt(fCompany, kw())
	doc.AddFieldMappingsAt(fDecade, kw())
	doc.AddFieldMappingsAt(fYear, kw())
	doc.AddFieldMappingsAt(fTitleSort, kw())
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
func document(f corpus.Film) (map[string]any, error) {
	d := map[string]any{
		fTitle:       f.Title,
		fTitlePrefix: f.Title,
		fTitleSort:   strings.ToLower(f.Title),
		fDecade:      corpus.Decade(f.Year),
		fYear:        strconv.Itoa(f.Year),
		fSource:      string(encodeFilm(f)),
	}
	words := make([]string, 0, 1+len(f.Facts))
	words = append(words, f.Description)
	if f.Description != "" {
		d[fDescription] = f.Description
	}
	if len(f.Facts) > 0 {
		// An empty fact analyses to no tokens, so positions stay aligned with src.
		d[fFacts] = f.Facts
	}
	words = append(words, f.Facts...)
	d[fWords] = words
	if c := nonEmpty(f.Companies); len(c) > 0 {
		d[fCompany] = c
	}
	return d, nil
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
