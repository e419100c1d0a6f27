// Package corpus reads film collections from disk: the card format of the first collection and
// JSON Lines. It validates records, assigns stable ids and extracts companies. It knows nothing of
// Bleve or HTTP.
package corpus

import "strconv"

// Film is one record of a collection. Optional fields are empty when unknown.
type Film struct {
	ID            string   `json:"id"`
	Title         string   `json:"title"`
	Year          int      `json:"year"`
	Description   string   `json:"description"`
	Facts         []string `json:"facts"`
	Companies     []string `json:"companies"`
	Director      string   `json:"director,omitempty"`
	Country       string   `json:"country,omitempty"`
	Genres        []string `json:"genres,omitempty"`
	Cast          []string `json:"cast,omitempty"` // in billing order
	OriginalTitle string   `json:"original_title,omitempty"`
	SourceURL     string   `json:"source_url,omitempty"`
}

// Decade returns the film's decade like "1970s".
func (f Film) Decade() string { return Decade(f.Year) }

// Decade returns the decade of year like "1970s".
func Decade(year int) string { return strconv.Itoa(year-year%10) + "s" }
