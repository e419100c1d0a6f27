package main

import (
	"os"
	"runtime/metrics"
	"time"
)

// maxWarmHeap bounds what warmHeap touches, so that a large build (a live heap of hundreds of
// MB, a goal five times that) does not take a second of start-up and all its memory at once.
const maxWarmHeap = 256 << 20

// warmHeap, once the index is open, allocates and touches garbage until the collector has run
// twice: the heap then holds, already faulted in, the memory it fills between two collections
// (the first collection comes before the heap reaches its goal, the second at about it). A
// fresh process otherwise takes each page its first searches allocate from the kernel at
// first touch: some 40 pages a search, at about 15 µs each on a virtual machine (well under
// 1 µs on bare metal), which made the first few hundred searches of a fresh searchd twice as
// slow as the same searches later. A collection forced instead would not do: the runtime
// keeps about 10% more than the heap in use at the last collection and gives the rest back
// to the kernel, and a forced one finds little in use. It reports the bytes touched.
func warmHeap() (touched uint64, took time.Duration) {
	const chunk = 256 << 10
	start := time.Now()
	before := gcCycles()
	page := os.Getpagesize()
	for touched < maxWarmHeap && gcCycles() < before+2 {
		b := make([]byte, chunk) // too large for the stack
		// make leaves memory fresh from the kernel untouched, since it is zero already.
		for i := 0; i < len(b); i += page {
			b[i] = 1
		}
		touched += chunk
	}
	return touched, time.Since(start)
}

// gcCycles is the number of collections completed.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
