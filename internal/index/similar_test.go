package index

import (
	"context"
	"errors"
	"slices"
	"testing"

	"filmsearch/internal/corpus"
)

// TestSimilar: the films like a film share its director, its cast, its genres or its rare
// words, the best sharing the most; the film itself is never among them.
func TestSimilar(t *testing.T) {
	root := t.TempDir()
	films := []corpus.Film{
		{ID: "heist", Title: "The Vault", Year: 1972, Description: "A safecracker plans one last heist in Chicago.",
			Director: "Ada Marsh", Cast: []string{"Leo Quint", "Mia Vale"}, Genres: []string{"crime", "thriller"}, Companies: []string{"Apex"}},
		{ID: "same-director", Title: "Night Run", Year: 1975, Description: "A driver flees through the city.",
			Director: "Ada Marsh", Genres: []string{"drama"}},
		{ID: "same-star", Title: "Cold Harbor", Year: 1990, Description: "A fisherman finds a body.",
			Cast: []string{"Leo Quint"}, Genres: []string{"mystery"}},
		{ID: "same-genre", Title: "Blue Streets", Year: 1979, Description: "Detectives chase a gang.",
			Genres: []string{"crime"}},
		{ID: "same-words", Title: "Last Job", Year: 2001, Description: "A safecracker is hired for a heist.",
			Genres: []string{"comedy"}},
		{ID: "unrelated", Title: "Sunny Fields", Year: 1940, Description: "A farm family sings.",
			Director: "Bo Green", Cast: []string{"Kim Ash"}, Genres: []string{"musical"}},
		{ID: "alone", Title: "Zzyzx", Year: 1960},
	}
	if _, err := Publish(context.Background(), films, root, PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()

	res, err := ix.Similar(ctx, "heist", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	for _, want := range []string{"same-director", "same-star", "same-genre", "same-words"} {
		if !slices.Contains(ids, want) {
			t.Errorf("Similar(heist) = %v; want %s among them", ids, want)
		}
	}
	for _, never := range []string{"heist", "unrelated", "alone"} {
		if slices.Contains(ids, never) {
			t.Errorf("Similar(heist) = %v; want no %s", ids, never)
		}
	}
	if res.Total != len(ids) || res.Page != 1 || res.PerPage != 10 || res.Pages != 1 {
		t.Errorf("Similar(heist) total %d page %d per_page %d pages %d; want %d, 1, 10, 1", res.Total, res.Page, res.PerPage, res.Pages, len(ids))
	}
	if len(ids) > 0 && ids[0] != "same-director" {
		t.Errorf("Similar(heist) = %v; want same-director first", ids)
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("Similar(heist): score %v of %s above %v of %s", res.Hits[i].Score, res.Hits[i].ID, res.Hits[i-1].Score, res.Hits[i-1].ID)
		}
	}

	page2, err := ix.Similar(ctx, "heist", 2, 1)
	if err != nil || len(page2.Hits) != 1 || len(ids) < 2 || page2.Hits[0].ID != ids[1] {
		t.Errorf("Similar(heist, page 2 of 1) = %v, %v; want %v", page2, err, ids[1:2])
	}
	// A film whose one rare trait is its own still has films like it by its common ones.
	ix2 := testCollection(t)
	if res, err := ix2.Similar(ctx, "the-nutcracker-1977", 0, 0); err != nil || res.Total < 5 {
		t.Errorf("Similar(the-nutcracker-1977) = %v, %v; want the other ballets", res, err)
	}
	if res, err := ix.Similar(ctx, "alone", 0, 0); err != nil || res.Total != 0 || len(res.Hits) != 0 {
		t.Errorf("Similar(alone) = %v, %v; want no films", res, err)
	}
	if _, err := ix.Similar(ctx, "no-such-film", 0, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("Similar(no-such-film) error = %v; want ErrNotFound", err)
	}
	for _, p := range []struct{ page, perPage int }{{-1, 10}, {1, MaxPerPage + 1}, {MaxDepth, 10}} {
		var qe *QueryError
		if _, err := ix.Similar(ctx, "heist", p.page, p.perPage); !errors.As(err, &qe) || qe.Param != "page" {
			t.Errorf("Similar(heist, page %d of %d) error = %v; want a QueryError on page", p.page, p.perPage, err)
		}
	}
}
