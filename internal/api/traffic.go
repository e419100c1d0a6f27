package api

import (
	"math"
	"sync"
	"time"
)

// Traffic for the dashboard: searches per minute and their latency over the last day, one
// bucket a minute. A bucket is a few hundred bytes (a latency histogram of fixed, log-spaced
// bounds), so the day costs about 330 KB whatever the traffic. Times are the index's work on
// a search (what took_ms says); answers from the response cache are counted but not timed.
const (
	trafficMinutes = 24 * 60
	latBuckets     = 56   // bounds latMin × latGrowth^i: 0.05 ms to about 10 s
	latMin         = 0.05 // ms
	latGrowth      = 1.25
)

// traffic is safe for concurrent use.
type traffic struct {
	mu      sync.Mutex
	now     func() time.Time
	minutes [trafficMinutes]trafficMinute
}

type trafficMinute struct {
	minute   int64 // Unix minute the bucket holds; 0: unused
	searches [protocols]int32
	zero     int32
	lat      [latBuckets]uint32
}

func newTraffic() *traffic { return &traffic{now: time.Now} }

// bucket returns the bucket of the current minute, emptied if it held an older one. The
// caller holds mu.
func (t *traffic) bucket() *trafficMinute {
	m := t.now().Unix() / 60
	b := &t.minutes[m%trafficMinutes]
	if b.minute != m {
		*b = trafficMinute{minute: m}
	}
	return b
}

// count counts one search through p that matched total films, without a time (a cache hit).
func (t *traffic) count(p protocol, total int) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket()
	b.searches[p]++
	if total == 0 {
		b.zero++
	}
}

// record counts one search through p that matched total films and took took.
func (t *traffic) record(p protocol, total int, took time.Duration) {
	if t == nil {
		return
	}
	i := latBucket(float64(took) / float64(time.Millisecond))
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucket()
	b.searches[p]++
	if total == 0 {
		b.zero++
	}
	b.lat[i]++
}

// latBucket is the histogram bucket of a time in ms: the first whose upper bound holds it.
func latBucket(ms float64) int {
	if ms <= latMin {
		return 0
	}
	i := int(math.Ceil(math.Log(ms/latMin) / math.Log(latGrowth)))
	return min(max(i, 0), latBuckets-1)
}

// latUpper is the upper bound of bucket i in ms.
func latUpper(i int) float64 { return latMin * math.Pow(latGrowth, float64(i)) }

// trafficSlot sums consecutive minutes.
type trafficSlot struct {
	Start    time.Time
	Searches [protocols]int
	Zero     int
	lat      [latBuckets]uint32
	timed    int
}

// Percentile returns the p-th percentile (0..100) of the slot's times in ms, to the upper bound
// of its histogram bucket (at most 25% above the true value), and false when nothing was timed.
func (s *trafficSlot) Percentile(p float64) (float64, bool) {
	if s.timed == 0 {
		return 0, false
	}
	rank := int(math.Ceil(p / 100 * float64(s.timed)))
	seen := 0
	for i, n := range s.lat {
		seen += int(n)
		if seen >= max(rank, 1) {
			return latUpper(i), true
		}
	}
	return latUpper(latBuckets - 1), true
}

// Total is the slot's searches through every protocol.
func (s *trafficSlot) Total() int { return s.Searches[native] + s.Searches[instantSearch] }

func (s *trafficSlot) add(b *trafficMinute) {
	for p := range s.Searches {
		s.Searches[p] += int(b.searches[p])
	}
	s.Zero += int(b.zero)
	for i, n := range b.lat {
		s.lat[i] += n
		s.timed += int(n)
	}
}

// series returns n slots of width minutes each, oldest first, the last holding the current
// minute. Slots start at multiples of width minutes (10: at :00, :10, ...), so a chart's
// hours fall on slot boundaries.
func (t *traffic) series(n, width int) []trafficSlot {
	now := t.now()
	cur := now.Unix() / 60
	first := (cur/int64(width) - int64(n) + 1) * int64(width)
	out := make([]trafficSlot, n)
	for i := range out {
		out[i].Start = time.Unix((first+int64(i*width))*60, 0).UTC()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for m := first; m <= cur; m++ {
		b := &t.minutes[m%trafficMinutes]
		if b.minute != m {
			continue
		}
		out[(m-first)/int64(width)].add(b)
	}
	return out
}
