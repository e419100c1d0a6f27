package index

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// Synonyms are the collection's themes: groups of words that stand for each other, and one-way
// rules (a word also finds others, not the reverse). The query builder expands a reader's words
// with them at a lower weight than the words themselves. We do not use Bleve's synonym feature:
// its synonyms are documents, and on disk a phrase containing a synonym term matches nothing.
type Synonyms struct {
	Groups [][]string          `json:"groups"`
	OneWay map[string][]string `json:"one_way"`

	expand map[string][]string // lower-cased word -> what else it finds
}

// LoadSynonyms reads a synonyms file; a missing file means no synonyms.
func LoadSynonyms(path string) (*Synonyms, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &Synonyms{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("synonyms: %w", err)
	}
	return ParseSynonyms(b)
}

// ParseSynonyms parses and checks the JSON form of Synonyms.
func ParseSynonyms(b []byte) (*Synonyms, error) {
	var s Synonyms
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("synonyms: %w", err)
	}
	for i, g := range s.Groups {
		if len(g) < 2 {
			return nil, fmt.Errorf("synonyms: group %d has %d words; want 2 or more", i+1, len(g))
		}
		for _, w := range g {
			if strings.TrimSpace(w) == "" {
				return nil, fmt.Errorf("synonyms: group %d has an empty word", i+1)
			}
		}
	}
	for w, to := range s.OneWay {
		if strings.TrimSpace(w) == "" || len(to) == 0 {
			return nil, fmt.Errorf("synonyms: rule %q is empty", w)
		}
	}
	s.prepare()
	return &s, nil
}

func (s *Synonyms) prepare() {
	s.expand = map[string][]string{}
	add := func(from, to string) {
		from, to = strings.ToLower(strings.TrimSpace(from)), strings.ToLower(strings.TrimSpace(to))
		if from == to || from == "" || to == "" {
			return
		}
		for _, t := range s.expand[from] {
			if t == to {
				return
			}
		}
		s.expand[from] = append(s.expand[from], to)
	}
	for _, g := range s.Groups {
		for _, a := range g {
			for _, b := range g {
				add(a, b)
			}
		}
	}
	for w, to := range s.OneWay {
		for _, t := range to {
			add(w, t)
		}
	}
}

// For returns what word also finds, lower-cased; words of several terms are phrases.
func (s *Synonyms) For(word string) []string {
	if s == nil || s.expand == nil {
		return nil
	}
	return s.expand[strings.ToLower(word)]
}
