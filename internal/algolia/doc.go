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
// attributesToSnippet, attributesToRetrieve, facetQuery and maxFacetHits. Others are ignored, as
// Algolia ignores what it does not know; values the native API would refuse are refused here too,
// with Algolia's error shape {"message": ..., "status": 400}.
//
// Highlights are raw text with the requested tags around matches, never HTML-escaped: clients
// escape it themselves (InstantSearch does, around its own placeholder tags).
//
// The index name is ignored: searchd serves one collection. Attributes are objectID, title, year,
// decade, companies, description and facts; the facets are decade, year and companies (company
// is accepted as an alias).
package algolia
