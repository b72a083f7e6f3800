package ui

import (
	"bytes"
	"testing"
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
