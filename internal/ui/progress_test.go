package ui

import (
	"bytes"
	"testing"
	"time"
)

func TestProgressBarGolden(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	p := NewProgressBar(&out, NewStyles(&out, false), true, 200, c.now)
	c.advance(time.Second)
	p.Update(50, 0)
	c.advance(50 * time.Millisecond)
	p.Update(60, 0) // within the redraw interval: not drawn
	c.advance(950 * time.Millisecond)
	p.Update(120, 2)
	c.advance(10 * time.Millisecond)
	p.Update(200, 3) // the last unit is always drawn
	p.Finish()
	golden(t, "progress_tty", out.Bytes())
}

func TestProgressBarSilentWhenNotATerminal(t *testing.T) {
	var out bytes.Buffer
	p := NewProgressBar(&out, nil, false, 10, nil)
	p.Update(5, 1)
	p.Update(10, 1)
	p.Finish()
	if out.Len() != 0 {
		t.Errorf("progress bar wrote %q to a non-terminal", out.String())
	}
}
