package algolia

import (
	"bytes"
	"encoding/json"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"filmsearch/internal/index"
	"filmsearch/internal/wordsplit"
)

// MaxBodyBytes is the largest request body either endpoint reads; larger ones are refused with
// 413. A router that reads bodies ahead of the handlers must read at least one byte more.
const MaxBodyBytes = 64 << 10

// Limits: the native API's where it has one, else small enough to be harmless.
const (
	maxBody            = MaxBodyBytes
	maxRequests        = 50
	maxHitsPerPage     = index.MaxPerPage
	maxDepth           = index.MaxDepth // hits beyond this rank are never returned
	maxFacetValues     = index.MaxFacetSize
	maxFacetHits       = 100
	maxTagBytes        = 64
	maxFilterStrings   = 50
	maxListItems       = 50
	defaultHitsPerPage = 20
	defaultFacetValues = 100
	defaultFacetHits   = 10
	maxInt             = 1 << 30 // larger numbers are refused before any arithmetic
)

// params is one search's parameters, decoded and checked. The zero value is not valid; parse
// fills in Algolia's defaults.
type params struct {
	Query             string
	Facets            []string   // attribute names as sent; nil: none
	FacetFilters      [][]string // AND of OR groups of "attribute:value"; nil: none
	NumericFilters    [][]string // AND of OR groups of "year>=1970" and the like; nil: none
	Page              int        // 0-based
	HitsPerPage       int        // 0..maxHitsPerPage
	MaxValuesPerFacet int        // 0..maxFacetValues
	HighlightPreTag   string
	HighlightPostTag  string
	// Attribute lists: nil means the default (highlight all, snippet none, retrieve all).
	AttributesToHighlight []string
	AttributesToSnippet   []string
	AttributesToRetrieve  []string
	FacetQuery            string
	MaxFacetHits          int // 0..maxFacetHits
	// RemoveWordsIfNoResults is "" when not sent, else one of removeWordsModes.
	RemoveWordsIfNoResults string
	OptionalWords          []string // nil: none
}

// removeWordsModes are the values Algolia accepts for removeWordsIfNoResults.
var removeWordsModes = []string{"none", "lastWords", "firstWords", "allOptional"}

// match is how the index matches p's words. Algolia requires every word by default, and so
// does MatchAll; when no film has them all, the index answers with the films that have the most
// (as Algolia's removeWordsIfNoResults does), unless the client asked for "none" in so many
// words (see strict). Optional words make every word optional: MatchMost, the native API's
// default, which finds films with any of the words, those with the most distinctive first.
func (p params) match() string {
	words := queryWords(p.Query)
	for _, o := range p.OptionalWords {
		for _, w := range queryWords(o) {
			if slices.Contains(words, w) {
				return index.MatchMost
			}
		}
	}
	return index.MatchAll
}

// queryWords splits q into lower-case words as a reader typed them, each once; -excluded words
// are not looked for.
func queryWords(q string) []string {
	var out []string
	for _, tok := range strings.Fields(q) {
		if len(tok) > 1 && tok[0] == '-' {
			continue
		}
		for _, w := range wordsplit.Lower(tok) {
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// strict reports whether a search that found no film with every word must answer no hits, as
// Algolia does, rather than the films with the most words.
func (p params) strict() bool { return p.RemoveWordsIfNoResults == "none" }

// fields is a parameter set before decoding: each value as JSON. A value from a URL-encoded
// params string is a JSON string, so every decoder accepts a string form too.
type fields map[string]json.RawMessage

// fieldsFromString reads a URL-encoded params string ("query=x&hitsPerPage=5").
func fieldsFromString(s string) (fields, error) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, badRequest("params: not a valid URL-encoded string")
	}
	out := fields{}
	for k, vs := range v {
		if !utf8.ValidString(vs[0]) { // Marshal would replace it silently
			return nil, badRequest("params: %s is not valid UTF-8", k)
		}
		b, _ := json.Marshal(vs[0]) // a string always marshals
		out[k] = b
	}
	return out, nil
}

// fieldsFromJSON reads a params value: a JSON object, a URL-encoded string, or null.
func fieldsFromJSON(raw json.RawMessage) (fields, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return fields{}, nil
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, badRequest("params: invalid string")
		}
		return fieldsFromString(s)
	case raw[0] == '{':
		var f fields
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, badRequest("params: invalid object")
		}
		return f, nil
	}
	return nil, badRequest("params must be an object or a URL-encoded string")
}

// parseParams decodes and checks f. Unknown names are ignored; a known name with a bad value is
// refused with a 400 *apiError, the only kind of error it returns.
func parseParams(f fields) (params, error) {
	p := params{
		HitsPerPage:       defaultHitsPerPage,
		MaxValuesPerFacet: defaultFacetValues,
		HighlightPreTag:   "<em>",
		HighlightPostTag:  "</em>",
		MaxFacetHits:      defaultFacetHits,
	}
	var err error
	str := func(name string, dst *string, limit int) {
		if raw, ok := f[name]; ok && err == nil {
			*dst, err = decodeString(name, raw, limit)
		}
	}
	num := func(name string, dst *int, lo, hi int, clamp bool) {
		if raw, ok := f[name]; ok && err == nil {
			*dst, err = decodeInt(name, raw, lo, hi, clamp)
		}
	}
	list := func(name string, dst *[]string) {
		if raw, ok := f[name]; ok && err == nil {
			*dst, err = decodeList(name, raw)
		}
	}
	filters := func(name string, dst *[][]string) {
		if raw, ok := f[name]; ok && err == nil {
			*dst, err = decodeFilters(name, raw)
		}
	}
	str("query", &p.Query, index.MaxQueryBytes)
	list("facets", &p.Facets)
	filters("facetFilters", &p.FacetFilters)
	filters("numericFilters", &p.NumericFilters)
	num("page", &p.Page, 0, maxInt, false)
	num("hitsPerPage", &p.HitsPerPage, 0, maxHitsPerPage, false)
	num("maxValuesPerFacet", &p.MaxValuesPerFacet, 0, maxFacetValues, true)
	str("highlightPreTag", &p.HighlightPreTag, maxTagBytes)
	str("highlightPostTag", &p.HighlightPostTag, maxTagBytes)
	list("attributesToHighlight", &p.AttributesToHighlight)
	list("attributesToSnippet", &p.AttributesToSnippet)
	list("attributesToRetrieve", &p.AttributesToRetrieve)
	str("facetQuery", &p.FacetQuery, index.MaxQueryBytes)
	num("maxFacetHits", &p.MaxFacetHits, 0, maxFacetHits, true)
	str("removeWordsIfNoResults", &p.RemoveWordsIfNoResults, maxTagBytes)
	list("optionalWords", &p.OptionalWords)
	if err != nil {
		return params{}, err
	}
	if p.RemoveWordsIfNoResults != "" && !slices.Contains(removeWordsModes, p.RemoveWordsIfNoResults) {
		return params{}, badRequest("removeWordsIfNoResults must be one of %s", strings.Join(removeWordsModes, ", "))
	}
	if len(p.Facets) == 0 {
		p.Facets = nil
	}
	if len(p.OptionalWords) == 0 {
		p.OptionalWords = nil
	}
	// Check the filters now, so that a params value is always one the index can be asked.
	if _, err := p.request(); err != nil {
		return params{}, err
	}
	return p, nil
}

// encode writes p as a canonical params string; parseParams reads it back to p.
func (p params) encode() string {
	v := url.Values{}
	js := func(x any) string {
		b, _ := json.Marshal(x) // strings and slices of strings always marshal
		return string(b)
	}
	v.Set("query", p.Query)
	if p.Facets != nil {
		v.Set("facets", js(p.Facets))
	}
	if p.FacetFilters != nil {
		v.Set("facetFilters", js(p.FacetFilters))
	}
	if p.NumericFilters != nil {
		v.Set("numericFilters", js(p.NumericFilters))
	}
	v.Set("page", strconv.Itoa(p.Page))
	v.Set("hitsPerPage", strconv.Itoa(p.HitsPerPage))
	v.Set("maxValuesPerFacet", strconv.Itoa(p.MaxValuesPerFacet))
	v.Set("highlightPreTag", p.HighlightPreTag)
	v.Set("highlightPostTag", p.HighlightPostTag)
	for name, l := range map[string][]string{
		"attributesToHighlight": p.AttributesToHighlight,
		"attributesToSnippet":   p.AttributesToSnippet,
		"attributesToRetrieve":  p.AttributesToRetrieve,
	} {
		if l != nil {
			v.Set(name, js(l))
		}
	}
	if p.FacetQuery != "" {
		v.Set("facetQuery", p.FacetQuery)
	}
	v.Set("maxFacetHits", strconv.Itoa(p.MaxFacetHits))
	if p.RemoveWordsIfNoResults != "" {
		v.Set("removeWordsIfNoResults", p.RemoveWordsIfNoResults)
	}
	if p.OptionalWords != nil {
		v.Set("optionalWords", js(p.OptionalWords))
	}
	return v.Encode()
}

func decodeString(name string, raw json.RawMessage, limit int) (string, error) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", badRequest("%s must be a string", name)
	}
	if len(s) > limit {
		return "", badRequest("%s is %d bytes; at most %d", name, len(s), limit)
	}
	if !utf8.ValidString(s) {
		return "", badRequest("%s is not valid UTF-8", name)
	}
	return s, nil
}

// decodeInt reads a whole number, or a string holding one, in lo..hi; with clamp, numbers above
// hi read as hi.
func decodeInt(name string, raw json.RawMessage, lo, hi int, clamp bool) (int, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, badRequest("%s must be a number", name)
		}
		n = json.Number(strings.TrimSpace(s))
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f != math.Trunc(f) {
		return 0, badRequest("%s must be a whole number", name)
	}
	switch {
	case f < float64(lo):
		return 0, badRequest("%s must be between %d and %d", name, lo, hi)
	case f > float64(hi) && clamp:
		return hi, nil
	case f > float64(hi):
		return 0, badRequest("%s must be between %d and %d", name, lo, hi)
	}
	return int(f), nil
}

// decodeList reads a list of strings: a JSON array, or a string holding a JSON array or
// comma-separated names. An empty list is not nil: for attributesToHighlight, [] means none.
func decodeList(name string, raw json.RawMessage) ([]string, error) {
	var l []string
	if err := json.Unmarshal(raw, &l); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, badRequest("%s must be a list of strings", name)
		}
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") {
			if json.Unmarshal([]byte(t), &l) != nil {
				return nil, badRequest("%s must be a list of strings", name)
			}
		} else {
			for _, e := range strings.Split(s, ",") {
				l = append(l, strings.TrimSpace(e))
			}
		}
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		if e != "" {
			out = append(out, e)
		}
	}
	if len(out) > maxListItems {
		return nil, badRequest("%s has more than %d items", name, maxListItems)
	}
	for _, e := range out {
		if !utf8.ValidString(e) {
			return nil, badRequest("%s is not valid UTF-8", name)
		}
	}
	return out, nil
}

// decodeFilters reads facetFilters or numericFilters: an array whose items are strings (ANDed)
// or arrays of strings (ORed inside), or a string holding such an array as JSON or in the legacy
// form "a,(b,c)". Empty strings and groups are dropped; nil means no filter.
func decodeFilters(name string, raw json.RawMessage) ([][]string, error) {
	bad := badRequest("%s must be a string or an array of strings and arrays of strings", name)
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, bad
		}
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "[") {
			raw = json.RawMessage(t)
		} else {
			groups, err := legacyFilters(name, s)
			if err != nil {
				return nil, err
			}
			return tidyFilters(name, groups)
		}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, bad
	}
	groups := make([][]string, 0, len(items))
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			groups = append(groups, []string{s})
			continue
		}
		var or []string
		if json.Unmarshal(it, &or) != nil {
			return nil, bad
		}
		groups = append(groups, or)
	}
	return tidyFilters(name, groups)
}

// legacyFilters splits "a,(b,c)" into [[a] [b c]].
func legacyFilters(name, s string) ([][]string, error) {
	var groups [][]string
	for s != "" {
		s = strings.TrimLeft(s, " ,")
		if s == "" {
			break
		}
		if s[0] == '(' {
			end := strings.IndexByte(s, ')')
			if end < 0 {
				return nil, badRequest("%s: unbalanced parentheses", name)
			}
			var or []string
			for _, e := range strings.Split(s[1:end], ",") {
				or = append(or, strings.TrimSpace(e))
			}
			groups = append(groups, or)
			s = s[end+1:]
			continue
		}
		end := strings.IndexByte(s, ',')
		if end < 0 {
			end = len(s)
		}
		item := strings.TrimSpace(s[:end])
		if strings.ContainsAny(item, "()") {
			return nil, badRequest("%s: unbalanced parentheses", name)
		}
		groups = append(groups, []string{item})
		s = s[end:]
	}
	return groups, nil
}

func tidyFilters(name string, groups [][]string) ([][]string, error) {
	var out [][]string
	n := 0
	for _, g := range groups {
		var kept []string
		for _, s := range g {
			if s == "" {
				continue
			}
			if !utf8.ValidString(s) {
				return nil, badRequest("%s is not valid UTF-8", name)
			}
			kept = append(kept, s)
		}
		if len(kept) > 0 {
			out = append(out, kept)
			n += len(kept)
		}
	}
	if n > maxFilterStrings {
		return nil, badRequest("%s has more than %d filters", name, maxFilterStrings)
	}
	return out, nil
}
