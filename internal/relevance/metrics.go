package relevance

// Ranks collects, for a set of known-item queries, the 1-based rank at which each query found
// its item (0: not within the cut-off).
type Ranks []int

// MRR is the mean reciprocal rank: 1/rank averaged over the queries, 0 for a miss.
func (r Ranks) MRR() float64 {
	if len(r) == 0 {
		return 0
	}
	sum := 0.0
	for _, k := range r {
		if k > 0 {
			sum += 1 / float64(k)
		}
	}
	return sum / float64(len(r))
}

// Recall is the share of queries that found their item at all.
func (r Ranks) Recall() float64 {
	if len(r) == 0 {
		return 0
	}
	n := 0
	for _, k := range r {
		if k > 0 {
			n++
		}
	}
	return float64(n) / float64(len(r))
}
