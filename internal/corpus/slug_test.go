package corpus

import (
	"fmt"
	"strings"
	"testing"
)

func TestSlug(t *testing.T) {
	tests := []struct {
		title string
		year  int
		want  string
	}{
		{"The Swan Lake", 1982, "the-swan-lake-1982"},
		{"  Romeo & Juliet!! ", 1974, "romeo-and-juliet-1974"},
		{"Pushkin's Fountain", 1979, "pushkins-fountain-1979"},
		{"Lebedinoye ozero — Лебединое озеро", 1957, "lebedinoye-ozero-lebedinoe-ozero-1957"},
		{"Crème Brûlée Æsop Straße", 2000, "creme-brulee-aesop-strasse-2000"},
		{"8½ Women", 1999, "8-women-1999"},
		{"東京物語", 1953, "film-" + Slug("東京物語", 0)[5:] + "-1953"},
		{"Untitled", 0, "untitled"},
	}
	for _, tt := range tests {
		if got := Slug(tt.title, tt.year); got != tt.want {
			t.Errorf("Slug(%q, %d) = %q; want %q", tt.title, tt.year, got, tt.want)
		}
	}
	if a, b := Slug("東京物語", 1953), Slug("晩春", 1953); a == b {
		t.Errorf("Slug gives %q for two different untransliterable titles", a)
	}
	long := Slug(strings.Repeat("word ", 60), 2000)
	if !validID(long) || strings.Contains(long, "--") {
		t.Errorf("Slug(long title) = %q (%d bytes); want a valid id", long, len(long))
	}
}

// ExampleSlug shows the ids given to films that have none.
func ExampleSlug() {
	fmt.Println(Slug("The Swan Lake", 1982))
	fmt.Println(Slug("Romeo & Juliet", 1974))
	fmt.Println(Slug("Жизель", 1975))
	// Output:
	// the-swan-lake-1982
	// romeo-and-juliet-1974
	// zhizel-1975
}
