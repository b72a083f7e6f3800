package ui

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/orders-dev/orders/internal/pipeline"
)

// spinnerFrames animate the line of a running step on a terminal.
var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

const (
	spinnerInterval = 100 * time.Millisecond
	// plainProgressEvery bounds how often a plain (non-terminal) stream
	// repeats a progress message that only differs in its counters, so a
	// two-minute IAM wait is a handful of lines in a CI log, not hundreds.
	plainProgressEvery = 10 * time.Second
)

// StepOptions configure a StepRenderer.
type StepOptions struct {
	// TTY redraws running steps in place with a spinner; otherwise each
	// finished step is one plain line.
	TTY    bool
	Styles *Styles // nil: no styling
	// Width is the terminal's width. Running-step lines are cut to fit, so
	// the in-place redraw moves the cursor over exactly the lines it drew.
	// 0: no limit.
	Width int
	Now   func() time.Time // clock for elapsed times; nil: time.Now
}

// StepRenderer shows the steps of up and destroy as they run. It implements
// pipeline.Reporter and is safe for concurrent use: the pipeline runs
// independent steps at the same time, each calling Start, Progress and Done
// from its own goroutine. Call Close when the pipeline returns.
type StepRenderer struct {
	w     io.Writer
	st    *Styles
	tty   bool
	width int
	now   func() time.Time

	mu      sync.Mutex
	running []*liveStep // in start order: the block redrawn under the finished lines
	drawn   int         // lines of that block on screen now
	frame   int

	stop      chan struct{} // nil when not animating
	stopped   chan struct{}
	closeOnce sync.Once
}

type liveStep struct {
	step, resource, message string
	started                 time.Time
	// plain output: the last progress line printed, to throttle repeats
	lastKey     string
	lastPrinted time.Time
}

var _ pipeline.Reporter = (*StepRenderer)(nil)

// NewStepRenderer returns a renderer writing to w. On a TTY it animates the
// spinners until Close.
func NewStepRenderer(w io.Writer, o StepOptions) *StepRenderer {
	r := newStepRenderer(w, o)
	if r.tty {
		r.stop, r.stopped = make(chan struct{}), make(chan struct{})
		go r.animate(spinnerInterval)
	}
	return r
}

// newStepRenderer builds a renderer without the animation goroutine: tests
// call tick themselves, so every frame is deterministic.
func newStepRenderer(w io.Writer, o StepOptions) *StepRenderer {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &StepRenderer{
		w: w, st: plain(o.Styles), tty: o.TTY, width: o.Width, now: now,
	}
}

func (r *StepRenderer) animate(every time.Duration) {
	defer close(r.stopped)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			r.tick()
		case <-r.stop:
			return
		}
	}
}

// tick advances the spinners one frame.
func (r *StepRenderer) tick() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frame++
	if r.tty && len(r.running) > 0 {
		r.redraw("")
	}
}

// Start shows that step began working on resource.
func (r *StepRenderer) Start(step, resource string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if s := r.find(step); s != nil { // restarted: keep one line
		s.resource, s.message, s.started = resource, "", r.now()
	} else {
		r.running = append(r.running, &liveStep{step: step, resource: resource, started: r.now()})
	}
	if r.tty {
		r.redraw("")
	}
}

// Progress shows what a running step is waiting for.
func (r *StepRenderer) Progress(step, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.find(step)
	if s == nil { // progress of a step never started: show it anyway
		s = &liveStep{step: step, started: r.now()}
		r.running = append(r.running, s)
	}
	s.message = message
	if r.tty {
		r.redraw("")
		return
	}
	now := r.now()
	key := counters.ReplaceAllString(message, "#")
	if key == s.lastKey && now.Sub(s.lastPrinted) < plainProgressEvery {
		return
	}
	s.lastKey, s.lastPrinted = key, now
	fmt.Fprintf(r.w, "  %s %s\n", label(s.step, s.resource)+":", r.st.Muted.Render(message))
}

// counters match the numbers in a progress message ("waiting (12s)"), so
// messages that differ only there count as a repeat.
var counters = regexp.MustCompile(`[0-9]+`)

// Done turns the step's line into its result, with the result's details
// indented under it.
func (r *StepRenderer) Done(step string, res pipeline.StepResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	resource := res.Resource
	for i, s := range r.running {
		if s.step == step {
			if resource == "" {
				resource = s.resource
			}
			r.running = append(r.running[:i], r.running[i+1:]...)
			break
		}
	}
	line := r.resultLines(step, resource, res)
	if r.tty {
		r.redraw(line)
		return
	}
	io.WriteString(r.w, line)
}

// Close stops the animation and leaves any step that never finished on
// screen as stopped. The renderer must not be used afterwards.
func (r *StepRenderer) Close() {
	r.closeOnce.Do(func() {
		if r.stop != nil {
			close(r.stop)
			<-r.stopped
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		var b strings.Builder
		for _, s := range r.running {
			fmt.Fprintf(&b, "%s %s %s\n", r.st.Warn.Render("…"), label(s.step, s.resource),
				r.st.Muted.Render("did not finish ("+FormatDuration(r.now().Sub(s.started))+")"))
		}
		r.running = nil
		if r.tty {
			r.redraw(b.String())
		} else {
			io.WriteString(r.w, b.String())
		}
	})
}

func (r *StepRenderer) find(step string) *liveStep {
	for _, s := range r.running {
		if s.step == step {
			return s
		}
	}
	return nil
}

// redraw replaces the running block with finished (permanent lines, each
// ending in "\n") followed by the running block as it is now, in one write.
func (r *StepRenderer) redraw(finished string) {
	var b strings.Builder
	if r.drawn > 0 {
		// Each live line ended with "\n", so the cursor is at column 0 of
		// the line below the block: go up to its first line, erase down.
		fmt.Fprintf(&b, "\x1b[%dA\r\x1b[J", r.drawn)
	}
	b.WriteString(finished)
	for _, s := range r.running {
		b.WriteString(r.liveLine(s))
		b.WriteByte('\n')
	}
	r.drawn = len(r.running)
	if b.Len() > 0 {
		io.WriteString(r.w, b.String())
	}
}

func (r *StepRenderer) liveLine(s *liveStep) string {
	spin := spinnerFrames[r.frame%len(spinnerFrames)]
	elapsed := r.now().Sub(s.started).Truncate(time.Second)
	line := r.st.Warn.Render(spin) + " " + label(s.step, s.resource) + " " +
		r.st.Muted.Render(fmt.Sprintf("%ds", int(elapsed.Seconds())))
	if s.message != "" {
		line += r.st.Muted.Render(" · " + s.message)
	}
	if r.width > 1 && ansi.StringWidth(line) >= r.width {
		// One column short of the width: some terminals wrap when a
		// line fills the last column, which would break the redraw.
		line = ansi.Truncate(line, r.width-1, "…")
	}
	return line
}

// resultLines renders a finished step: its result line, then its details.
func (r *StepRenderer) resultLines(step, resource string, res pipeline.StepResult) string {
	var b strings.Builder
	dur := r.st.Muted.Render("(" + FormatDuration(res.Duration) + ")")
	if res.Outcome == pipeline.Failed || res.Err != nil {
		fmt.Fprintf(&b, "%s %s %s %s", r.st.Fail.Render(MarkFail), label(step, resource), r.st.Fail.Render("failed"), dur)
		if res.Err != nil {
			b.WriteString(": " + indentRest(res.Err.Error(), "    "))
		}
		b.WriteByte('\n')
	} else {
		word, style := outcomeWord(res.Outcome, r.st)
		mark := MarkOK
		if res.Outcome == pipeline.Left {
			mark = MarkLeft
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", style.Render(mark), label(step, resource), style.Render(word), dur)
	}
	for _, d := range res.Details {
		fmt.Fprintf(&b, "    %s\n", r.st.Muted.Render(indentRest(d, "      ")))
	}
	return b.String()
}

// outcomeWord says what happened, styled by whether it changed anything:
// changes stand out, no-ops recede.
func outcomeWord(o pipeline.Outcome, st *Styles) (string, lipgloss.Style) {
	switch o {
	case pipeline.Unchanged:
		return "unchanged", st.Muted
	case pipeline.Absent:
		return "already absent", st.Muted
	case pipeline.Repaired:
		return "repaired", st.Warn
	case pipeline.Left:
		return "left alone (not ours)", st.Warn
	case "":
		return "done", st.OK
	}
	return string(o), st.OK
}

func label(step, resource string) string {
	if resource == "" {
		return step
	}
	return step + " " + resource
}

// indentRest indents every line of s after the first, so a multi-line
// error or detail stays under its step.
func indentRest(s, indent string) string {
	s = strings.TrimRight(s, "\n")
	return strings.ReplaceAll(s, "\n", "\n"+indent)
}

// FormatDuration renders a step's duration the way the step lines show it:
// tenths of a second under a minute ("1.2s"), whole seconds above ("2m5s").
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
