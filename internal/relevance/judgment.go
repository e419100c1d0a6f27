package relevance

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// Judgment is one line of a judgments file: a query and what a reader expects of its results.
// Every expectation that is set must hold.
type Judgment struct {
	Q       string   `json:"q"`
	Top1    string   `json:"top1,omitempty"`     // title of the first hit
	InTop3  []string `json:"in_top3,omitempty"`  // titles among the first three hits
	InTop10 []string `json:"in_top10,omitempty"` // titles among the first ten hits
	// Top10Names: each of the first ten hits names this text in its title, description, cast
	// or director (a person's films); Top10Phrase: in its title or description (a phrase).
	Top10Names  string         `json:"top10_names,omitempty"`
	Top10Phrase string         `json:"top10_phrase,omitempty"`
	Absent      []string       `json:"absent,omitempty"` // titles that must not match at all
	Total       *int           `json:"total,omitempty"`  // exact number of matches
	Facet       string         `json:"facet,omitempty"`  // a facet whose counts are judged
	Counts      map[string]int `json:"counts,omitempty"` // value -> count; other values must be 0
	Why         string         `json:"why,omitempty"`

	Line int `json:"-"` // 1-based line in its file
}

// Outcome is what a search returned, as much as judgments look at.
type Outcome struct {
	Total  int
	Titles []string                  // every hit of the page, in order
	Texts  []HitText                 // the same hits' texts, when the judgments need them
	Facets map[string]map[string]int // facet -> value -> count
}

// HitText is what a hit says of itself, lower-cased.
type HitText struct {
	TitleDescription string // title and description
	People           string // cast and director
}

// ReadJudgments reads a JSON Lines file of judgments; blank lines are skipped. It fails on the
// first line that is not a judgment, naming file and line.
func ReadJudgments(path string) ([]Judgment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Judgment
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var j Judgment
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&j); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if j.Top1 == "" && len(j.InTop3) == 0 && len(j.InTop10) == 0 && len(j.Absent) == 0 && j.Total == nil && j.Facet == "" && j.Top10Names == "" && j.Top10Phrase == "" {
			return nil, fmt.Errorf("%s:%d: judgment of %q expects nothing", path, n, j.Q)
		}
		j.Line = n
		out = append(out, j)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// Expectation describes what j expects, for a report.
func (j Judgment) Expectation() string {
	var parts []string
	if j.Top1 != "" {
		parts = append(parts, "top1 "+j.Top1)
	}
	if len(j.InTop3) > 0 {
		parts = append(parts, "top3 ∋ "+strings.Join(j.InTop3, ", "))
	}
	if len(j.InTop10) > 0 {
		parts = append(parts, "top10 ∋ "+strings.Join(j.InTop10, ", "))
	}
	if j.Top10Names != "" {
		parts = append(parts, "top10 all name "+j.Top10Names)
	}
	if j.Top10Phrase != "" {
		parts = append(parts, fmt.Sprintf("top10 all say %q", j.Top10Phrase))
	}
	if len(j.Absent) > 0 {
		parts = append(parts, "without "+strings.Join(j.Absent, ", "))
	}
	if j.Total != nil {
		parts = append(parts, fmt.Sprintf("total %d", *j.Total))
	}
	if j.Facet != "" {
		parts = append(parts, j.Facet+" "+formatCounts(j.Counts))
	}
	return strings.Join(parts, "; ")
}

// Check reports whether o meets every expectation of j, and what failed.
func (j Judgment) Check(o Outcome) (ok bool, failed []string) {
	if j.Top1 != "" && (len(o.Titles) == 0 || o.Titles[0] != j.Top1) {
		failed = append(failed, "top1")
	}
	top3 := o.Titles[:min(3, len(o.Titles))]
	for _, t := range j.InTop3 {
		if !slices.Contains(top3, t) {
			failed = append(failed, "top3 "+t)
		}
	}
	top10 := o.Titles[:min(10, len(o.Titles))]
	for _, t := range j.InTop10 {
		if !slices.Contains(top10, t) {
			failed = append(failed, "top10 "+t)
		}
	}
	for _, c := range []struct {
		want   string
		people bool
	}{{j.Top10Names, true}, {j.Top10Phrase, false}} {
		if c.want == "" {
			continue
		}
		want := strings.ToLower(c.want)
		if len(o.Texts) < 10 {
			failed = append(failed, fmt.Sprintf("%d hits", len(o.Texts)))
		}
		for i, h := range o.Texts[:min(10, len(o.Texts))] {
			if !strings.Contains(h.TitleDescription, want) && !(c.people && strings.Contains(h.People, want)) {
				failed = append(failed, fmt.Sprintf("hit %d (%s) lacks %q", i+1, o.Titles[i], c.want))
			}
		}
	}
	for _, t := range j.Absent {
		if slices.Contains(o.Titles, t) {
			failed = append(failed, "present "+t)
		}
	}
	if j.Total != nil && o.Total != *j.Total {
		failed = append(failed, "total")
	}
	if j.Facet != "" {
		got := o.Facets[j.Facet]
		for v, n := range j.Counts {
			if got[v] != n {
				failed = append(failed, "count "+v)
			}
		}
		for v, n := range got {
			if _, want := j.Counts[v]; !want && n != 0 {
				failed = append(failed, "count "+v)
			}
		}
	}
	return len(failed) == 0, failed
}

func formatCounts(c map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, c[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// FormatCounts renders facet counts in a stable order, for a report.
func FormatCounts(c map[string]int) string { return formatCounts(c) }
