package ui

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

const (
	barWidth       = 30
	progressRedraw = 100 * time.Millisecond // at most ten frames a second, however fast orders complete
)

// ProgressBar shows how far a load run got, redrawn in place on a
// terminal. Elsewhere it prints nothing: the run's summary says it all. Safe
// for concurrent use by the run's workers.
type ProgressBar struct {
	w     io.Writer
	st    *Styles
	tty   bool
	total int
	now   func() time.Time

	mu        sync.Mutex
	start     time.Time
	lastDrawn time.Time
	drawn     bool
}

// NewProgressBar returns a bar for total units of work starting now. now
// nil means time.Now.
func NewProgressBar(w io.Writer, st *Styles, tty bool, total int, now func() time.Time) *ProgressBar {
	if now == nil {
		now = time.Now
	}
	return &ProgressBar{w: w, st: plain(st), tty: tty, total: total, now: now, start: now()}
}

// Update shows done units (failed of them failed).
func (p *ProgressBar) Update(done, failed int) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.drawn && done < p.total && now.Sub(p.lastDrawn) < progressRedraw {
		return
	}
	p.lastDrawn, p.drawn = now, true
	io.WriteString(p.w, "\r\x1b[K"+p.line(done, failed, now))
}

// Finish erases the bar so the summary starts on a clean line.
func (p *ProgressBar) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *ProgressBar) line(done, failed int, now time.Time) string {
	frac := 1.0
	if p.total > 0 {
		frac = min(1, float64(done)/float64(p.total))
	}
	filled := int(frac * barWidth)
	bar := p.st.OK.Render(strings.Repeat("█", filled)) + p.st.Muted.Render(strings.Repeat("░", barWidth-filled))
	s := fmt.Sprintf("%s %d/%d %3.0f%%", bar, done, p.total, frac*100)
	if secs := now.Sub(p.start).Seconds(); secs > 0 {
		s += p.st.Muted.Render(fmt.Sprintf("  %.0f/s", float64(done)/secs))
	}
	if failed > 0 {
		s += "  " + p.st.Fail.Render(fmt.Sprintf("%d failed", failed))
	}
	return s
}
