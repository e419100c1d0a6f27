package relevance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filmsearch/internal/corpus"
	"filmsearch/internal/index"
)

const irDir = "../../../shared/relevance/ir"

// bm25Reference is the table of irDir/README.md, made by its bm25_reference.py: Lucene's BM25
// (k1 0.9, b 0.4) with Porter stemming over title and description.
var bm25Reference = map[string]IRMetrics{
	"cacm/queries":       {0.4647, 0.3041, 0.6362, 0.6698},
	"cacm/queries_short": {0.4111, 0.2658, 0.5977, 0.6600},
	"npl/queries":        {0.4396, 0.2636, 0.6211, 0.6801},
	"npl/queries_short":  {0.2204, 0.1145, 0.3136, 0.4194},
	"lisa/queries":       {0.4230, 0.3343, 0.7253, 0.6182},
	"lisa/queries_short": {0.2832, 0.1889, 0.4233, 0.4248},
	"time/queries":       {0.7079, 0.6449, 0.9669, 0.7451},
	"time/queries_short": {0.4171, 0.3657, 0.8078, 0.4911},
}

// irFloors are the nDCG@10 values the service must keep, set just under what was measured.
var irFloors = map[string]float64{
	"cacm/queries": 0.525, "cacm/queries_short": 0.43,
	"npl/queries": 0.44, "npl/queries_short": 0.225,
	"lisa/queries": 0.46, "lisa/queries_short": 0.29,
	"time/queries": 0.75, "time/queries_short": 0.425,
}

// irMeanGain is how far the mean nDCG@10 must stand above the mean of the best baselines: the
// ranking issue's goal.
const irMeanGain = 0.05

// TestIR runs the four classic collections through /api/search (top 100, both query files)
// beside plain Bleve, prints the table (make relevance-ir) and fails below the floors.
func TestIR(t *testing.T) {
	if _, err := os.Stat(irDir); errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no IR collections at %s", irDir)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-20s | %-30s | %-30s | %-30s | %s\n", "collection/queries", "ours nDCG MAP R@100 MRR", "BM25 reference", "plain Bleve", "ours vs best")
	var sumOurs, sumBest float64
	n := 0
	for _, name := range []string{"cacm", "npl", "lisa", "time"} {
		dir := filepath.Join(irDir, name)
		c, err := corpus.LoadFile(filepath.Join(dir, "docs.jsonl"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Err(); err != nil {
			t.Fatal(err)
		}
		qrels, err := ReadQrels(filepath.Join(dir, "qrels.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		h := irServer(t, c.Films)
		base, err := index.BuildBaseline(c.Films, filepath.Join(t.TempDir(), "baseline"))
		if err != nil {
			t.Fatal(err)
		}
		for _, mode := range []string{"queries", "queries_short"} {
			queries, err := ReadIRQueries(filepath.Join(dir, mode+".tsv"))
			if err != nil {
				t.Fatal(err)
			}
			ours, plain := map[string][]string{}, map[string][]string{}
			for _, q := range queries {
				ours[q.ID] = irSearch(t, h, q.Text)
				if plain[q.ID], err = base.Search(context.Background(), q.Text, 100); err != nil {
					t.Fatal(err)
				}
			}
			key := name + "/" + mode
			mo, mb, mr := EvaluateIR(ours, qrels, queries), EvaluateIR(plain, qrels, queries), bm25Reference[key]
			best := max(mb.NDCG10, mr.NDCG10)
			sumOurs += mo.NDCG10
			sumBest += best
			n++
			fmt.Fprintf(&table, "%-20s | %s | %s | %s | %+.1f%%\n", key, mo, mr, mb, 100*(mo.NDCG10/best-1))
			if floor := irFloors[key]; mo.NDCG10 < floor {
				t.Errorf("%s: nDCG@10 %.4f; floor %.4f", key, mo.NDCG10, floor)
			}
		}
		base.Close()
	}
	fmt.Fprintf(&table, "mean nDCG@10: ours %.4f, best baseline %.4f (%+.2f%%)\n", sumOurs/float64(n), sumBest/float64(n), 100*(sumOurs/sumBest-1))
	t.Log(table.String())
	if gain := sumOurs/sumBest - 1; gain < irMeanGain {
		t.Errorf("mean nDCG@10 %+.2f%% over the best baselines; want at least %+.0f%%", 100*gain, 100*irMeanGain)
	}
}

func (m IRMetrics) String() string {
	return fmt.Sprintf("%.4f %.4f %.4f %.4f", m.NDCG10, m.MAP100, m.Recall100, m.MRR10)
}

// irServer publishes films and serves them through the real router.
func irServer(t *testing.T, films []corpus.Film) http.Handler {
	t.Helper()
	root := t.TempDir()
	if _, err := index.Publish(context.Background(), films, root, index.PublishOptions{Version: "test"}); err != nil {
		t.Fatal(err)
	}
	return serve(t, root)
}

// irSearch returns the ids of the first 100 hits of q. A query refused as too long is shortened
// by its last word until it is accepted, as the collections' README asks.
func irSearch(t *testing.T, h http.Handler, q string) []string {
	t.Helper()
	words := strings.Fields(q)
	for len(words) > 0 {
		var ids []string
		refused := false
		for page := 1; page <= 2 && !refused; page++ {
			rec := httptest.NewRecorder()
			target := fmt.Sprintf("/api/search?per_page=50&page=%d&q=%s", page, url.QueryEscape(strings.Join(words, " ")))
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
			switch {
			case rec.Code == http.StatusBadRequest:
				refused = true
				continue
			case rec.Code != http.StatusOK:
				t.Fatalf("search %q: status %d: %s", q, rec.Code, rec.Body)
			}
			var r struct {
				Hits []struct{ ID string } `json:"hits"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			for _, hit := range r.Hits {
				ids = append(ids, hit.ID)
			}
			if len(r.Hits) < 50 {
				break
			}
		}
		if !refused {
			return ids
		}
		words = words[:len(words)-1]
	}
	return nil
}
