package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress draws one status line on a terminal, at most a few times a second.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, start: time.Now()}
}

func (p *progress) update(done, total int, rows int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if done < total && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	width := 30
	filled := width
	if total > 0 {
		filled = width * done / total
	}
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < filled {
			bar[i] = '#'
		}
	}
	rate := float64(rows) / now.Sub(p.start).Seconds()
	fmt.Fprintf(p.w, "\r[%s] %d/%d objects, %d rows, %.0f rows/s ", bar, done, total, rows, rate)
	p.drawn = true
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}
