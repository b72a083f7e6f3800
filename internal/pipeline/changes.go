package pipeline

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/orders-dev/orders/internal/awsapi"
	"github.com/orders-dev/orders/internal/config"
)

// change is one way a resource differs from what up makes of it, with how
// to put it back. Each resource's changes function is the single place that
// says what correct looks like: Status shows the details, Up applies the
// fixes.
type change struct {
	details []string                        // human-readable, one difference per line
	fix     func(ctx context.Context) error // nil when it cannot be changed in place
	// updated marks a change orders itself brought (new function code or
	// architecture) rather than drift; it is reported Updated, not Repaired.
	updated bool
	// tag marks the change that puts the stack tag on: apply makes it
	// first, so a resource is marked the stack's before it is changed.
	tag bool
}

// driftOf flattens changes into Status's Drift lines.
func driftOf(changes []change) []string {
	var out []string
	for _, c := range changes {
		out = append(out, c.details...)
	}
	return out
}

// apply makes every change and records what it did in res: Repaired if any
// drift was repaired, Updated if only orders' own changes were made,
// Unchanged if there was nothing to do. It stops at the first failure.
func apply(ctx context.Context, res *StepResult, changes []change, action, kind, name string) error {
	if len(changes) == 0 {
		if res.Outcome == "" {
			res.Outcome = Unchanged
		}
		return nil
	}
	repaired, updated := false, false
	changes = slices.Clone(changes)
	slices.SortStableFunc(changes, func(a, b change) int {
		switch {
		case a.tag && !b.tag:
			return -1
		case b.tag && !a.tag:
			return 1
		}
		return 0
	})
	for _, c := range changes {
		if c.fix == nil {
			return fmt.Errorf("%s %s %s: cannot be changed in place: %s; delete it (orders destroy) or choose another --prefix",
				action, kind, name, strings.Join(c.details, "; "))
		}
		if err := c.fix(ctx); err != nil {
			return err
		}
		if res.Outcome != Created {
			// What was missing from a resource made in this very run is
			// part of making it, not news.
			res.Details = append(res.Details, c.details...)
		}
		if c.updated {
			updated = true
		} else {
			repaired = true
		}
	}
	switch {
	case res.Outcome == Created:
		// A resource created in this run keeps that outcome.
	case repaired:
		res.Outcome = Repaired
	case updated:
		res.Outcome = Updated
	}
	return nil
}

// fail wraps an AWS error with what was being done and to what:
// "create queue HighValueQueue: <AWS's error>". An AccessDenied gains the
// missing action and a pointer to the operator policy.
func fail(action, kind, name string, err error) error {
	return fmt.Errorf("%s %s %s: %w", action, kind, name, awsapi.ExplainAccessDenied(err))
}

// hasCode reports whether err is an AWS error with one of codes.
func hasCode(err error, codes ...string) bool {
	if err == nil {
		return false
	}
	return slices.Contains(codes, awsapi.ErrorCode(err))
}

// stackTags are the tags every taggable resource carries.
func (s *Stack) stackTags() map[string]string {
	return map[string]string{config.StackTagKey: s.names.Stack}
}

// tagDrift describes how have lacks the stack tags, or returns nil.
func (s *Stack) tagDrift(have map[string]string) []string {
	var out []string
	want := s.stackTags()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		switch v, ok := have[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("tag %s missing, want %q", k, want[k]))
		case v != want[k]:
			out = append(out, fmt.Sprintf("tag %s is %q, want %q", k, v, want[k]))
		}
	}
	return out
}

// wrapErr is fail for calls whose only result is the error.
func wrapErr(err error, action, kind, name string) error {
	if err == nil {
		return nil
	}
	return fail(action, kind, name, err)
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
