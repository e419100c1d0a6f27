package main

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

// TestWarmHeap: once warmed, the heap holds about as much memory as its goal, and keeps it
// rather than return it to the kernel, so the first searches allocate without growing it.
func TestWarmHeap(t *testing.T) {
	live := make([][]byte, 64) // some live heap, as an open index has
	for i := range live {
		live[i] = make([]byte, 64<<10)
	}
	touched, _ := warmHeap()
	s := []metrics.Sample{
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(s)
	goal := s[0].Value.Uint64()
	held := s[1].Value.Uint64() + s[2].Value.Uint64() + s[3].Value.Uint64()
	if touched == 0 || held < goal/2 && touched < maxWarmHeap {
		t.Errorf("warmHeap touched %d MB; the heap holds %d MB of a goal of %d MB", touched>>20, held>>20, goal>>20)
	}
	runtime.KeepAlive(live)
}
