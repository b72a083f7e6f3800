package ui

import (
	"fmt"
	"io"
	"strings"
)

// Check is one line of the verify checklist.
// Its fields mirror verify.Result's, so a check converts field for field.
type Check struct {
	Name     string   // what was checked, e.g. "least privilege"
	OK       bool     // passed
	Detail   string   // why: the evidence, or the gist of the failure
	Problems []string // each thing wrong, one per line, shown under the check
}

// RenderCheck writes one check: ✓ or ✗, its name and why, then its problems
// indented. verify calls it as each check finishes.
func RenderCheck(w io.Writer, st *Styles, c Check) error {
	st = plain(st)
	var b strings.Builder
	mark, name := st.OK.Render(MarkOK), c.Name
	if !c.OK {
		mark, name = st.Fail.Render(MarkFail), st.Fail.Render(c.Name)
	}
	b.WriteString(mark + " " + name)
	if c.Detail != "" {
		b.WriteString(st.Muted.Render(" — ") + indentRest(c.Detail, "    "))
	}
	b.WriteByte('\n')
	for _, d := range c.Problems {
		fmt.Fprintf(&b, "    %s\n", indentRest(d, "      "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// RenderChecklist writes every check and a closing line counting the
// failures. It reports whether all passed.
func RenderChecklist(w io.Writer, st *Styles, checks []Check) (bool, error) {
	st = plain(st)
	failed := 0
	for _, c := range checks {
		if !c.OK {
			failed++
		}
		if err := RenderCheck(w, st, c); err != nil {
			return false, err
		}
	}
	var err error
	if failed == 0 {
		_, err = fmt.Fprintf(w, "%s\n", st.OK.Render(fmt.Sprintf("all %d checks passed", len(checks))))
	} else {
		_, err = fmt.Fprintf(w, "%s\n", st.Fail.Render(fmt.Sprintf("%d of %d checks failed", failed, len(checks))))
	}
	return failed == 0, err
}
