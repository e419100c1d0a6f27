// Package testctx holds contexts for tests. It imports nothing of the module, so that any
// package's own tests can use it.
package testctx

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// PassesAfter is a context whose deadline passes once it has been asked n times whether it
// has: a deadline that comes in the middle of a search, with no clock and so no flakiness on a
// loaded machine. Safe for concurrent use: a search may ask from several goroutines.
type PassesAfter struct {
	context.Context
	n     int64
	asked atomic.Int64
	once  sync.Once
	done  chan struct{}
}

// NewPassesAfter returns a context that answers its first n Err calls with nil.
func NewPassesAfter(n int) *PassesAfter {
	return &PassesAfter{Context: context.Background(), n: int64(n), done: make(chan struct{})}
}

func (c *PassesAfter) Err() error {
	if c.asked.Add(1) <= c.n {
		return nil
	}
	c.once.Do(func() { close(c.done) })
	return context.DeadlineExceeded
}

func (c *PassesAfter) Done() <-chan struct{} { return c.done }

func (c *PassesAfter) Deadline() (time.Time, bool) { return time.Now().Add(time.Hour), true }
