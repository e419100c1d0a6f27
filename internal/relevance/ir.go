package relevance

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// IR test collections (CACM, NPL, LISA, TIME) in the format of ../shared/relevance/ir: documents
// as JSON Lines films, queries as qid<TAB>text, judgments as qid<TAB>docid<TAB>gain.

// IRQuery is one query of a collection.
type IRQuery struct {
	ID, Text string
}

// Qrels maps a query id to its judged documents and their gains.
type Qrels map[string]map[string]int

// IRMetrics are the four figures of the collections' README, averaged over queries.
type IRMetrics struct {
	NDCG10, MAP100, Recall100, MRR10 float64
}

// ReadIRQueries reads a qid<TAB>text file.
func ReadIRQueries(path string) ([]IRQuery, error) {
	var out []IRQuery
	err := eachLine(path, func(n int, line string) error {
		id, text, ok := strings.Cut(line, "\t")
		if !ok {
			return fmt.Errorf("%s:%d: want qid<TAB>text", path, n)
		}
		out = append(out, IRQuery{ID: id, Text: text})
		return nil
	})
	return out, err
}

// ReadQrels reads a qid<TAB>docid<TAB>gain file.
func ReadQrels(path string) (Qrels, error) {
	q := Qrels{}
	err := eachLine(path, func(n int, line string) error {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return fmt.Errorf("%s:%d: want qid<TAB>docid<TAB>gain", path, n)
		}
		g, err := strconv.Atoi(strings.TrimSpace(f[2]))
		if err != nil {
			return fmt.Errorf("%s:%d: gain: %w", path, n, err)
		}
		if q[f[0]] == nil {
			q[f[0]] = map[string]int{}
		}
		q[f[0]][f[1]] = g
		return nil
	})
	return q, err
}

func eachLine(path string, fn func(n int, line string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		if err := fn(n, sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}

// EvaluateIR scores run (document ids in rank order per query id) against qrels, averaged over
// queries, exactly as the collections' bm25_reference.py does: linear gain, log2 discount, the
// ideal from every judged document, only the first 100 documents counted.
func EvaluateIR(run map[string][]string, qrels Qrels, queries []IRQuery) IRMetrics {
	var m IRMetrics
	if len(queries) == 0 {
		return m
	}
	for _, q := range queries {
		judged := qrels[q.ID]
		ranked := run[q.ID]
		if len(ranked) > 100 {
			ranked = ranked[:100]
		}
		relevant := 0
		var gains []int
		for _, g := range judged {
			if g > 0 {
				relevant++
				gains = append(gains, g)
			}
		}
		dcg := 0.0
		for r, d := range ranked[:min(10, len(ranked))] {
			dcg += float64(judged[d]) / math.Log2(float64(r)+2)
		}
		sortDesc(gains)
		idcg := 0.0
		for r, g := range gains[:min(10, len(gains))] {
			idcg += float64(g) / math.Log2(float64(r)+2)
		}
		hits, ap, rr := 0, 0.0, 0.0
		for r, d := range ranked {
			if judged[d] > 0 {
				hits++
				ap += float64(hits) / float64(r+1)
				if rr == 0 && r < 10 {
					rr = 1 / float64(r+1)
				}
			}
		}
		if idcg > 0 {
			m.NDCG10 += dcg / idcg
		}
		if relevant > 0 {
			m.MAP100 += ap / float64(relevant)
			m.Recall100 += float64(hits) / float64(relevant)
		}
		m.MRR10 += rr
	}
	n := float64(len(queries))
	return IRMetrics{m.NDCG10 / n, m.MAP100 / n, m.Recall100 / n, m.MRR10 / n}
}

func sortDesc(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] > a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
