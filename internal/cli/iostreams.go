package cli

import (
	"bytes"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
	"golang.org/x/term"

	"github.com/orders-dev/orders/internal/ui"
)

// IOStreams are the standard streams of one run, and what is known about
// them. Commands never touch os.Stdin/Stdout/Stderr: tests run them against
// buffers (see TestIO), and a flag set here decides spinner vs plain lines.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer // results: the table, the summary, the JSON document
	ErrOut io.Writer // progress, prompts, errors

	InTTY, OutTTY, ErrTTY bool

	// NoColor turns colour off even on a terminal (NO_COLOR, TERM=dumb).
	NoColor bool
	// ErrWidth returns the width of the terminal behind ErrOut, 0 if unknown.
	ErrWidth func() int
}

// System returns the process's streams.
func System() *IOStreams {
	s := &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:   isTerminal(os.Stdin),
		OutTTY:  isTerminal(os.Stdout),
		ErrTTY:  isTerminal(os.Stderr),
		NoColor: !ui.ColorEnabled(true, os.Getenv),
		ErrWidth: func() int {
			w, _, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return 0
			}
			return w
		},
	}
	// Windows consoles interpret escape sequences only when asked to; where
	// that fails, fall back to what a pipe gets: no colour, no redraw.
	if s.OutTTY {
		if _, err := termenv.EnableVirtualTerminalProcessing(termenv.NewOutput(os.Stdout)); err != nil {
			s.OutTTY = false
		}
	}
	if s.ErrTTY {
		if _, err := termenv.EnableVirtualTerminalProcessing(termenv.NewOutput(os.Stderr)); err != nil {
			s.ErrTTY = false
		}
	}
	return s
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// TestIO returns streams over buffers, none a terminal, like cli/cli's
// iostreams.Test: write the input to in, read what a command printed from
// out and errOut. Set the TTY fields to act as a terminal.
func TestIO() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, NoColor: true}, in, out, errOut
}

// OutStyles are the styles for Out: coloured only on a terminal.
func (s *IOStreams) OutStyles() *ui.Styles {
	return ui.NewStyles(s.Out, s.OutTTY && !s.NoColor)
}

// ErrStyles are the styles for ErrOut: coloured only on a terminal.
func (s *IOStreams) ErrStyles() *ui.Styles {
	return ui.NewStyles(s.ErrOut, s.ErrTTY && !s.NoColor)
}

func (s *IOStreams) errWidth() int {
	if s.ErrWidth == nil {
		return 0
	}
	return s.ErrWidth()
}
