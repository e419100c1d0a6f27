package index

import "filmsearch/internal/corpus"

// The limits and defaults of a search: the one home of these numbers. The API checks them first
// with friendlier messages, the README and openapi.json state them, and TestLimitsDocumented
// (internal/api) compares those with these constants.
const (
	// A query longer or with more terms (besides stop words) is refused with ErrBadQuery.
	MaxQueryBytes = 1024
	MaxQueryTerms = 64

	// Paging: PerPage 1..MaxPerPage, Page*PerPage at most MaxDepth.
	DefaultPerPage = 10
	MaxPerPage     = 50
	MaxDepth       = 1000

	// Facet values per facet, for year and company; decades are always all.
	DefaultFacetSize = 10
	MaxFacetSize     = 200 // every year a film can have

	// Filter values of a Request, all facets together.
	MaxFilters = 50

	// MaxSuggestions caps Suggest's n.
	MaxSuggestions = 8

	// The years a query may name, in a filter or as a word: from the first surviving motion
	// picture, the earliest year a film may have, to far enough ahead for announced films.
	MinYear = corpus.MinYear
	MaxYear = 2100
)
