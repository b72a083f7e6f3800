package ui

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/orders-dev/orders/internal/pipeline"
)

// RenderStatus writes the status table: one row per resource with its
// state and ARN, and what drifted indented under a drifted row.
func RenderStatus(w io.Writer, st *Styles, rows []pipeline.ResourceStatus) error {
	st = plain(st)
	header := []string{"KIND", "NAME", "STATE", "ARN"}
	cells := make([][]string, len(rows))
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = lipgloss.Width(h)
	}
	for i, r := range rows {
		arn := r.ARN
		if arn == "" {
			arn = "-"
		}
		cells[i] = []string{r.Kind, r.Name, string(r.State), arn}
		for j, c := range cells[i] {
			widths[j] = max(widths[j], lipgloss.Width(c))
		}
	}

	var b strings.Builder
	writeRow(&b, widths, header, func(int, string) lipgloss.Style { return st.Bold })
	for i, r := range rows {
		writeRow(&b, widths, cells[i], func(col int, _ string) lipgloss.Style {
			if col == 2 {
				return stateStyle(r.State, st)
			}
			return lipgloss.Style{}
		})
		for _, d := range r.Drift {
			fmt.Fprintf(&b, "  %s %s\n", st.Warn.Render("↳"), indentRest(d, "    "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeRow pads each cell to its column's width before styling it, so
// escape sequences never count towards the width.
func writeRow(b *strings.Builder, widths []int, cells []string, style func(col int, cell string) lipgloss.Style) {
	for j, c := range cells {
		s := style(j, c).Render(c)
		b.WriteString(s)
		if j < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", widths[j]-lipgloss.Width(c)+2))
		}
	}
	b.WriteByte('\n')
}

func stateStyle(s pipeline.State, st *Styles) lipgloss.Style {
	switch s {
	case pipeline.Present:
		return st.OK
	case pipeline.Missing:
		return st.Fail
	case pipeline.Drifted, pipeline.Foreign:
		return st.Warn
	}
	return lipgloss.Style{}
}
