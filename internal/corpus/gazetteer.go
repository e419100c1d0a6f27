package corpus

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"filmsearch/internal/wordsplit"
)

// Gazetteer finds company names in prose. It is built once and then only read, so it is safe for
// concurrent use.
type Gazetteer struct {
	names   []string
	byFirst map[string][]alias // first word of an alias -> aliases, longest first
	byKey   map[string]int     // an alias or name as its words joined by spaces -> company
	sum     [sha256.Size]byte  // of the file, for the collection digest
}

// alias is one way of writing a company, as lower-case words.
type alias struct {
	words   []string
	company int
}

// gazetteerEntry is one company of companies.json.
type gazetteerEntry struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases"`
}

// LoadGazetteer reads a gazetteer file; see ParseGazetteer.
func LoadGazetteer(path string) (*Gazetteer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load gazetteer: %w", err)
	}
	g, err := ParseGazetteer(data)
	if err != nil {
		return nil, fmt.Errorf("load gazetteer %s: %w", path, err)
	}
	return g, nil
}

// ParseGazetteer parses a JSON array of {"name": ..., "aliases": [...]}. A name is matched as well
// as its aliases. It fails on unknown fields, an empty name, or a phrase given to two companies.
func ParseGazetteer(data []byte) (*Gazetteer, error) {
	var entries []gazetteerEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields() // a typo like "alias" would silently match nothing
	if err := dec.Decode(&entries); err != nil {
		return nil, fmt.Errorf("parse gazetteer: %w", err)
	}
	g := &Gazetteer{byFirst: map[string][]alias{}, byKey: map[string]int{}, sum: sha256.Sum256(data)}
	owner := map[string]string{} // phrase -> company, to catch a phrase given twice
	for i, e := range entries {
		name := strings.TrimSpace(e.Name)
		if name == "" {
			return nil, fmt.Errorf("parse gazetteer: entry %d has no name", i+1)
		}
		g.names = append(g.names, name)
		for _, phrase := range append([]string{name}, e.Aliases...) {
			words := matchWords(phrase)
			if len(words) == 0 {
				return nil, fmt.Errorf("parse gazetteer: %s: empty alias", name)
			}
			key := strings.Join(words, " ")
			if prev, ok := owner[key]; ok {
				if prev == name {
					continue
				}
				return nil, fmt.Errorf("parse gazetteer: %q names both %s and %s", phrase, prev, name)
			}
			owner[key] = name
			g.byKey[key] = i
			g.byFirst[words[0]] = append(g.byFirst[words[0]], alias{words: words, company: i})
		}
	}
	for _, list := range g.byFirst {
		sort.SliceStable(list, func(a, b int) bool { return len(list[a].words) > len(list[b].words) })
	}
	return g, nil
}

// Names returns the canonical company names in file order.
func (g *Gazetteer) Names() []string { return append([]string(nil), g.names...) }

// Canonical returns the canonical name of the company that name spells, by the same
// case-insensitive whole-word comparison as Match but over the whole of name ("MGM",
// "metro-goldwyn-mayer" and "Metro-Goldwyn-Mayer" are one company), and ok false with name
// unchanged for a company the gazetteer does not know. A nil Gazetteer knows none.
func (g *Gazetteer) Canonical(name string) (string, bool) {
	if g == nil {
		return name, false
	}
	if i, ok := g.byKey[strings.Join(matchWords(name), " ")]; ok {
		return g.names[i], true
	}
	return name, false
}

// Match returns the canonical names of companies named in any of the texts, in first-seen order,
// each once. Matching is case-insensitive and by whole words, so "Kirov Ballet" does not match
// "Kirov Balletomane" but does match "Kirov Ballet's". A nil Gazetteer matches nothing.
func (g *Gazetteer) Match(texts ...string) []string {
	out := []string{}
	if g == nil {
		return out
	}
	var found []bool
	for _, text := range texts {
		words := matchWords(text)
		for i := 0; i < len(words); i++ {
			for _, a := range g.byFirst[words[i]] {
				if !hasPrefix(words[i:], a.words) {
					continue
				}
				if found == nil {
					found = make([]bool, len(g.names))
				}
				if !found[a.company] {
					found[a.company] = true
					out = append(out, g.names[a.company])
				}
				i += len(a.words) - 1
				break
			}
		}
	}
	return out
}

// matchWords splits text into lower-case words as the index does, a possessive dropped and a
// curly apostrophe read as a straight one, so text and aliases split the same way: hyphens and
// punctuation separate words, and "Kirov Ballet's" has the words of "Kirov Ballet".
func matchWords(text string) []string {
	out := wordsplit.Lower(text)
	for i, w := range out {
		out[i] = wordsplit.Bare(strings.ReplaceAll(w, "’", "'"))
	}
	return out
}

func hasPrefix(words, prefix []string) bool {
	if len(words) < len(prefix) {
		return false
	}
	for i, w := range prefix {
		if words[i] != w {
			return false
		}
	}
	return true
}
