package ui

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestRenderChecklistGolden(t *testing.T) {
	checks := []Check{
		{Name: "resources", OK: true, Detail: "7 present, configured as up makes them"},
		{Name: "least privilege", OK: false, Detail: "the role may do more than it needs",
			Problems: []string{`inline policy "extra" grants dynamodb:* on *`, "managed policy AdministratorAccess attached"}},
		{Name: "end-to-end probe", OK: true},
	}
	for name, color := range map[string]bool{"checklist_plain": false, "checklist_color": true} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			ok, err := RenderChecklist(&out, NewStyles(&out, color), checks)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				t.Error("RenderChecklist reported all passed with a failed check")
			}
			golden(t, name, out.Bytes())
		})
	}
}

func TestRenderChecklistAllPassed(t *testing.T) {
	var out bytes.Buffer
	ok, err := RenderChecklist(&out, nil, []Check{{Name: "a", OK: true}, {Name: "b", OK: true}})
	if err != nil || !ok {
		t.Fatalf("RenderChecklist = %v, %v; want true, nil", ok, err)
	}
	if want := "✓ a\n✓ b\nall 2 checks passed\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// verify's lines fit 100 columns: a long detail goes under the name,
// indented, and lines break only between words.
func TestRenderCheckFitsWidth(t *testing.T) {
	detail := strings.Repeat("exactly one message for VERIFY-20260102T150405Z-1a2b3c4d5e6f-HIGH after 1.2s ", 3)
	arn := "arn:aws:lambda:us-east-1:000000000000:function:" + strings.Repeat("x", 80)
	var out bytes.Buffer
	if err := RenderCheck(&out, nil, Check{Name: "probe: SNS → SQS message", OK: false, Detail: detail,
		Problems: []string{detail, "function " + arn + " is missing"}}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	if lines[0] != "✗ probe: SNS → SQS message" || !strings.HasPrefix(lines[1], "    exactly") {
		t.Errorf("the long detail is not under the name:\n%s", out.String())
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > CheckWidth && !strings.Contains(l, arn) {
			t.Errorf("line of %d columns: %q", w, l)
		}
	}
	if !strings.Contains(out.String(), arn) {
		t.Errorf("a word longer than the width was broken:\n%s", out.String())
	}
	words := strings.Fields(detail)
	if got := strings.Fields(strings.Join(lines[1:], " ")); strings.Join(got[:len(words)], " ") != strings.Join(words, " ") {
		t.Errorf("words were split or lost:\n%s", out.String())
	}
}

// A command in backticks is copied as a whole, so a wrap never splits it,
// and a problem that only repeats the detail is not printed twice (CI saw
// "`orders" and "policy operator`" on two lines, the error twice).
func TestRenderCheckKeepsCodeSpansAndSaysItOnce(t *testing.T) {
	detail := "create the probe's queue HighValueQueue-probe-c5bac318: access denied: your AWS identity lacks " +
		"sqs:CreateQueue on arn:aws:sqs:us-east-1:000000000000:HighValueQueue-probe-c5bac318 — `orders " +
		"policy operator` prints the policy orders needs"
	var out bytes.Buffer
	if err := RenderCheck(&out, nil, Check{Name: "probe: SNS → SQS message", Detail: detail, Problems: []string{detail}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "`orders policy operator`") {
		t.Errorf("the command in backticks was split:\n%s", out.String())
	}
	if n := strings.Count(out.String(), "create the probe's queue"); n != 1 {
		t.Errorf("the detail is printed %d times:\n%s", n, out.String())
	}
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		if w := ansi.StringWidth(l); w > CheckWidth {
			t.Errorf("line of %d columns: %q", w, l)
		}
	}
}

// RenderChecklist writes every check and a closing line counting the
// failures, as a list verify could print, for the golden files. It reports
// whether all passed.
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
