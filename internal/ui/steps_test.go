package ui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/orders-dev/orders/internal/pipeline"
)

// upScenario drives a renderer the way a converging `up` does: steps
// overlapping, progress while waiting, a repair with details, a failure
// with a two-line error, and a step still running at Close.
func upScenario(r *StepRenderer, c *clock) {
	r.Start("table", "OrdersTable")
	r.Start("topic", "HighValueOrderTopic")
	r.Start("log group", "/aws/lambda/ProcessOrderFunction")
	c.advance(400 * time.Millisecond)
	r.tick()
	r.Done("topic", pipeline.StepResult{Step: "topic", Resource: "HighValueOrderTopic", Outcome: "unchanged", Duration: 400 * time.Millisecond})
	r.Progress("table", "waiting for ACTIVE")
	c.advance(800 * time.Millisecond)
	r.tick()
	r.Done("table", pipeline.StepResult{Step: "table", Resource: "OrdersTable", Outcome: "created", Duration: 1200 * time.Millisecond})
	r.Start("queue", "HighValueQueue")
	r.Done("log group", pipeline.StepResult{Step: "log group", Outcome: "repaired",
		Details: []string{"retention 7 → 14 days"}, Duration: 1500 * time.Millisecond})
	r.Done("queue", pipeline.StepResult{Step: "queue", Resource: "HighValueQueue", Outcome: "updated",
		Details: []string{"queue policy restored", "encryption (SSE) turned on"}, Duration: 300 * time.Millisecond})
	r.Start("function", "ProcessOrderFunction")
	for i := 1; i <= 3; i++ {
		c.advance(time.Second)
		r.Progress("function", fmt.Sprintf("waiting for IAM role to propagate (%ds)", i))
	}
	c.advance(15 * time.Second)
	r.Progress("function", "waiting for IAM role to propagate (18s)")
	r.Start("role", "ProcessOrderFunction-role")
	r.tick()
	r.Done("function", pipeline.StepResult{Step: "function", Resource: "ProcessOrderFunction", Outcome: "failed",
		Err:      errors.New("create function ProcessOrderFunction: InvalidParameterValueException: role cannot be assumed\nre-run orders up to continue"),
		Duration: 20 * time.Second})
	c.advance(2 * time.Second)
	r.Close()
}

func TestStepRendererGolden(t *testing.T) {
	for _, tc := range []struct {
		name       string
		tty, color bool
	}{
		{"steps_plain", false, false},
		{"steps_tty", true, false},
		{"steps_tty_color", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			c := newClock()
			r := newStepRenderer(&out, StepOptions{TTY: tc.tty, Styles: NewStyles(&out, tc.color), Now: c.now})
			upScenario(r, c)
			golden(t, tc.name, out.Bytes())
		})
	}
}

// The renderer is called from one goroutine per step; with the animation
// running too, -race checks the locking, and every result must come out.
func TestStepRendererConcurrentSteps(t *testing.T) {
	var out lockedBuffer
	r := NewStepRenderer(&out, StepOptions{TTY: true, Width: 80})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			step := fmt.Sprintf("step%d", i)
			r.Start(step, "R")
			r.Progress(step, "working")
			r.Done(step, pipeline.StepResult{Outcome: "created"})
		}()
	}
	wg.Wait()
	r.Close()
	got := out.String()
	for i := range 8 {
		if want := fmt.Sprintf("✓ step%d R created", i); !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "did not finish") {
		t.Errorf("every step finished, yet Close reported one as unfinished:\n%s", got)
	}
}

func TestStepRendererPlainHasNoEscapes(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	r := NewStepRenderer(&out, StepOptions{Styles: NewStyles(&out, false), Now: c.now})
	upScenario(r, c)
	if bytes.ContainsAny(out.Bytes(), "\x1b\r") {
		t.Errorf("plain output has escape sequences or carriage returns: %q", out.String())
	}
}

// Running-step lines are cut to the terminal width, or the redraw, which
// moves up one row per line, would leave wrapped remnants behind.
func TestStepRendererCutsLiveLinesToWidth(t *testing.T) {
	var out bytes.Buffer
	c := newClock()
	r := newStepRenderer(&out, StepOptions{TTY: true, Width: 30, Styles: NewStyles(&out, true), Now: c.now})
	r.Start("function", "ProcessOrderFunction")
	r.Progress("function", "waiting for the IAM role to propagate, which can take a while")
	for _, frame := range strings.Split(out.String(), "\x1b[J") {
		for _, line := range strings.Split(frame, "\n") {
			if w := ansi.StringWidth(line); w >= 30 {
				t.Errorf("live line is %d columns wide on a 30-column terminal: %q", w, line)
			}
		}
	}
}

func TestStepRendererFailureWithoutErr(t *testing.T) {
	var out bytes.Buffer
	r := NewStepRenderer(&out, StepOptions{})
	r.Done("queue", pipeline.StepResult{Resource: "Q", Outcome: "failed", Duration: time.Second})
	if got, want := out.String(), "✗ queue Q failed (1.0s)\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0.0s",
		-time.Second:            "0.0s",
		1234 * time.Millisecond: "1.2s",
		59 * time.Second:        "59.0s",
		125 * time.Second:       "2m5s",
		time.Hour + time.Second: "1h0m1s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestColorEnabled(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name string
		tty  bool
		env  func(string) string
		want bool
	}{
		{"terminal", true, env("TERM", "xterm"), true},
		{"pipe", false, env("TERM", "xterm"), false},
		{"NO_COLOR", true, env("NO_COLOR", "1", "TERM", "xterm"), false},
		{"dumb terminal", true, env("TERM", "dumb"), false},
	} {
		if got := ColorEnabled(tc.tty, tc.env); got != tc.want {
			t.Errorf("%s: ColorEnabled = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStylesColorOnlyWhenAsked(t *testing.T) {
	if s := NewStyles(&bytes.Buffer{}, false).OK.Render("ok"); s != "ok" {
		t.Errorf("uncoloured style rendered %q", s)
	}
	if s := NewStyles(&bytes.Buffer{}, true).OK.Render("ok"); !strings.Contains(s, "\x1b[") {
		t.Errorf("coloured style rendered no escape sequence: %q", s)
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
