// Package algolia answers the search protocol of Algolia's API clients, so that pages built with
// InstantSearch.js (and React or Vue InstantSearch) can use searchd as their search backend.
//
// It serves two endpoints over any Searcher, usually *index.Index:
//
//	POST /1/indexes/*/queries                   NewQueriesHandler: a batch of searches
//	POST /1/indexes/{index}/facets/{facet}/query NewFacetValuesHandler: search for facet values
//
// Parameters arrive as a JSON object or as a URL-encoded params string, at the top of a request
// (algoliasearch v5) or under "params" (v3, v4). The ones InstantSearch sends are understood:
// query, facets, facetFilters, numericFilters (on year only), page, hitsPerPage,
// maxValuesPerFacet, highlightPreTag, highlightPostTag, attributesToHighlight,
// attributesToSnippet, attributesToRetrieve, facetQuery, maxFacetHits, removeWordsIfNoResults
// and optionalWords. Others are ignored, as Algolia ignores what it does not know; values the
// native API would refuse are refused here too, with Algolia's error shape
// {"message": ..., "status": 400}.
//
// Facet counts follow Algolia, not the native API: each search's counts apply all of its own
// filters, the facet's own included (index.Request.Conjunctive). InstantSearch then gets the
// disjunctive counts of a refinement list from the extra queries it sends without that filter.
// Every word of the query must match (index.MatchAll), unless optionalWords names one of them
// (index.MatchMost); when no film has every word the index answers with those that have the
// most, unless removeWordsIfNoResults is "none". nbHits counts what the facets count.
//
// Highlights are raw text with the requested tags around matches, never HTML-escaped: clients
// escape it themselves (InstantSearch does, around its own placeholder tags). They are written
// from the index's highlight data, which says which query word each match stands for and how:
// matchLevel is full when every wanted word matched (excluded words are not wanted; a synonym
// alone makes it partial), and fullyHighlighted says whether every word of the value matched.
//
// The index name is ignored: searchd serves one collection. Attributes are objectID, title, year,
// decade, companies, description, facts, and where a film has them director, cast, genres,
// country and original_title; the facets are decade, year, companies and genres (company and
// genre are accepted as aliases).
package algolia
