package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Check is one line of the verify checklist.
// Its fields mirror verify.Result's, so a check converts field for field.
type Check struct {
	Name     string   // what was checked, e.g. "least privilege"
	OK       bool     // passed
	Detail   string   // why: the evidence, or the gist of the failure
	Problems []string // each thing wrong, one per line, shown under the check
}

// CheckWidth is the column verify's lines fit in: a longer detail goes on
// its own lines under the check's name, and every line is wrapped between
// words (a word longer than the width, an ARN, stays whole).
const CheckWidth = 100

// RenderCheck writes one check: ✓ or ✗, its name and why, then its problems
// indented. verify calls it as each check finishes.
func RenderCheck(w io.Writer, st *Styles, c Check) error {
	st = plain(st)
	var b strings.Builder
	mark, name := st.OK.Render(MarkOK), c.Name
	if !c.OK {
		mark, name = st.Fail.Render(MarkFail), st.Fail.Render(c.Name)
	}
	head := MarkOK + " " + c.Name
	b.WriteString(mark + " " + name)
	if c.Detail != "" {
		if !strings.Contains(c.Detail, "\n") && ansi.StringWidth(head+" — "+c.Detail) <= CheckWidth {
			b.WriteString(st.Muted.Render(" — ") + c.Detail)
		} else {
			b.WriteString("\n" + Wrap(c.Detail, CheckWidth, "    ", "    "))
		}
	}
	b.WriteByte('\n')
	for _, d := range c.Problems {
		if d == c.Detail {
			continue // a lone problem often is the detail: say it once
		}
		fmt.Fprintf(&b, "%s\n", Wrap(d, CheckWidth, "    ", "      "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Wrap fits text in width columns, breaking only between words: the first
// line starts with first, the others with rest. Line breaks in text are
// kept. A `code span` (a command to copy, such as `orders policy operator`)
// counts as one word, so it is never split across lines.
func Wrap(text string, width int, first, rest string) string {
	var b strings.Builder
	indent := first
	for i, para := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if i > 0 {
			b.WriteByte('\n')
			indent = rest
		}
		line := indent
		lineWords := 0
		for _, word := range wrapWords(para) {
			if lineWords > 0 && ansi.StringWidth(line)+1+ansi.StringWidth(word) > width {
				b.WriteString(line + "\n")
				line, lineWords = rest, 0
			}
			if lineWords > 0 {
				line += " "
			}
			line += word
			lineWords++
		}
		b.WriteString(line)
	}
	return b.String()
}

// wrapWords splits a paragraph at white space, keeping each `code span`
// whole (its inner spaces included).
func wrapWords(para string) []string {
	var words []string
	open := ""
	for _, f := range strings.Fields(para) {
		switch {
		case open != "":
			open += " " + f
			if strings.Count(f, "`")%2 == 1 {
				words, open = append(words, open), ""
			}
		case strings.Count(f, "`")%2 == 1:
			open = f
		default:
			words = append(words, f)
		}
	}
	if open != "" {
		words = append(words, strings.Fields(open)...) // unclosed: plain words
	}
	return words
}
