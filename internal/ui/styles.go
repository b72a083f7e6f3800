// Package ui renders what orders shows a person: the steps of up and
// destroy as they run, the status table, the verify checklist and the
// progress of a load run. Every renderer writes to the stream it is given,
// styled by that stream's own lipgloss renderer, so stderr on a terminal can
// be coloured while stdout piped to a file stays plain.
package ui

import (
	"io"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Marks used at the start of result lines.
const (
	MarkOK   = "✓"
	MarkFail = "✗"
	MarkLeft = "!" // a resource left alone: not the stack's
)

// ColorEnabled reports whether a stream should be coloured: only a terminal,
// and never when NO_COLOR is set (https://no-color.org) or TERM is "dumb".
func ColorEnabled(isTTY bool, getenv func(string) string) bool {
	return isTTY && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// Styles are the styles of one output stream.
type Styles struct {
	OK, Fail, Warn, Muted, Bold lipgloss.Style
}

// NewStyles returns the styles for w. With color false every style renders
// its text unchanged. The profile is set, never detected, so nothing queries
// the terminal and tests see exactly what a user would.
func NewStyles(w io.Writer, color bool) *Styles {
	r := lipgloss.NewRenderer(w)
	if color {
		// The 16 basic colours follow the user's terminal theme.
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	r.SetHasDarkBackground(true) // known, so lipgloss never asks the terminal
	return &Styles{
		OK:    r.NewStyle().Foreground(lipgloss.Color("2")),
		Fail:  r.NewStyle().Foreground(lipgloss.Color("1")),
		Warn:  r.NewStyle().Foreground(lipgloss.Color("3")),
		Muted: r.NewStyle().Faint(true),
		Bold:  r.NewStyle().Bold(true),
	}
}

// plain returns uncoloured styles, for renderers given none.
func plain(st *Styles) *Styles {
	if st != nil {
		return st
	}
	return NewStyles(io.Discard, false)
}
