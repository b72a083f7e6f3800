package pipeline

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	ltypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/function"
	"github.com/orders-dev/orders/policies"
)

// The function: the embedded bootstrap zip on provided.al2023.
const (
	functionRuntime = ltypes.RuntimeProvidedal2023
	functionHandler = "bootstrap" // ignored by custom runtimes, but shown by the console
)

type functionState struct {
	exists bool
	arn    string
	conf   ltypes.FunctionConfiguration
	tags   map[string]string
}

func (s *Stack) readFunction(ctx context.Context, arn string) (functionState, error) {
	out, err := s.c.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &s.names.Function})
	if hasCode(err, "ResourceNotFoundException") {
		return functionState{arn: arn}, nil
	}
	if err != nil {
		return functionState{arn: arn}, fail("get", "function", s.names.Function, err)
	}
	st := functionState{exists: true, arn: arn, tags: out.Tags}
	if out.Configuration != nil {
		st.conf = *out.Configuration
		if a := aws.ToString(st.conf.FunctionArn); a != "" {
			st.arn = a
		}
	}
	if out.TagsError != nil {
		// GetFunction returns the tags only to a caller allowed
		// lambda:ListTags, and a TagsError instead of them otherwise (Lambda
		// API reference, GetFunction): no tags then means "not shown", not
		// "untagged". Ask ListTags, whose refusal names what is missing.
		tags, err := s.c.Lambda.ListTags(ctx, &lambda.ListTagsInput{Resource: &st.arn})
		if err != nil {
			return functionState{arn: arn}, fail("list tags of", "function", s.names.Function,
				fmt.Errorf("%w (GetFunction withheld them: %s: %s)", err, aws.ToString(out.TagsError.ErrorCode), aws.ToString(out.TagsError.Message)))
		}
		st.tags = tags.Tags
	}
	return st, nil
}

// functionEnv is the environment the handler reads.
func (s *Stack) functionEnv(arns policies.ARNs) map[string]string {
	return map[string]string{
		"TABLE_NAME": s.names.Table,
		"TOPIC_ARN":  arns.Topic,
		"THRESHOLD":  s.cfg.Threshold,
	}
}

// functionChanges says what correct looks like for the function:
// configuration, code and tags.
func (s *Stack) functionChanges(st functionState, arns policies.ARNs) ([]change, error) {
	name := s.names.Function
	c := st.conf
	var out []change

	var conf []string
	if c.Runtime != functionRuntime {
		conf = append(conf, fmt.Sprintf("runtime is %q, want %q", c.Runtime, functionRuntime))
	}
	if h := aws.ToString(c.Handler); h != functionHandler {
		conf = append(conf, fmt.Sprintf("handler is %q, want %q", h, functionHandler))
	}
	if r := aws.ToString(c.Role); r != arns.Role {
		conf = append(conf, fmt.Sprintf("role is %s, want %s", r, arns.Role))
	}
	if t := aws.ToInt32(c.Timeout); t != s.cfg.Timeout {
		conf = append(conf, fmt.Sprintf("timeout is %ds, want %ds", t, s.cfg.Timeout))
	}
	if m := aws.ToInt32(c.MemorySize); m != s.cfg.MemoryMB {
		conf = append(conf, fmt.Sprintf("memory is %d MB, want %d MB", m, s.cfg.MemoryMB))
	}
	var have map[string]string
	if c.Environment != nil {
		have = c.Environment.Variables
	}
	want := s.functionEnv(arns)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		switch v, ok := have[k]; {
		case !ok:
			conf = append(conf, fmt.Sprintf("environment variable %s missing, want %q", k, want[k]))
		case v != want[k]:
			conf = append(conf, fmt.Sprintf("environment variable %s is %q, want %q", k, v, want[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(have)) {
		if _, ok := want[k]; !ok {
			conf = append(conf, fmt.Sprintf("environment variable %s is set, want it unset", k))
		}
	}
	if conf != nil {
		out = append(out, change{details: conf, fix: func(ctx context.Context) error {
			return s.updateFunctionConfiguration(ctx, arns)
		}})
	}

	wantSha, err := function.CodeSha256(s.cfg.Arch)
	if err != nil {
		return nil, fmt.Errorf("function %s: embedded code for %s: %w", name, s.cfg.Arch, err)
	}
	var code []string
	if archs := c.Architectures; len(archs) != 1 || string(archs[0]) != s.cfg.Arch {
		have := "x86_64" // Lambda's default when none is listed
		if len(archs) > 0 {
			have = fmt.Sprint(archs)
		}
		code = append(code, fmt.Sprintf("architecture is %s, want %s", have, s.cfg.Arch))
	}
	if sha := aws.ToString(c.CodeSha256); sha != wantSha {
		code = append(code, fmt.Sprintf("code is %s, want %s (this orders' %s build)", sha, wantSha, s.cfg.Arch))
	}
	if code != nil {
		out = append(out, change{details: code, updated: true, fix: s.updateFunctionCode})
	}

	if d := s.tagDrift(st.tags); d != nil {
		arn := st.arn
		out = append(out, change{details: d, tag: true, fix: func(ctx context.Context) error {
			_, err := s.c.Lambda.TagResource(ctx, &lambda.TagResourceInput{Resource: &arn, Tags: s.stackTags()})
			return wrapErr(err, "tag", "function", name)
		}})
	}
	return out, nil
}

func (s *Stack) updateFunctionConfiguration(ctx context.Context, arns policies.ARNs) error {
	name := s.names.Function
	in := &lambda.UpdateFunctionConfigurationInput{
		FunctionName: &name,
		Runtime:      functionRuntime,
		Handler:      aws.String(functionHandler),
		Role:         &arns.Role,
		Timeout:      &s.cfg.Timeout,
		MemorySize:   &s.cfg.MemoryMB,
		Environment:  &ltypes.Environment{Variables: s.functionEnv(arns)},
	}
	err := s.retryWhileRoleNotAssumable(ctx, func() error {
		_, err := s.c.Lambda.UpdateFunctionConfiguration(ctx, in)
		return err
	})
	if err != nil {
		return fail("update configuration of", "function", name, err)
	}
	return s.waitFunctionUpdated(ctx)
}

func (s *Stack) updateFunctionCode(ctx context.Context) error {
	name := s.names.Function
	zip, err := function.Zip(s.cfg.Arch)
	if err != nil {
		return fmt.Errorf("update code of function %s: embedded code for %s: %w", name, s.cfg.Arch, err)
	}
	_, err = s.c.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{
		FunctionName:  &name,
		ZipFile:       zip,
		Architectures: []ltypes.Architecture{ltypes.Architecture(s.cfg.Arch)},
	})
	if err != nil {
		return fail("update code of", "function", name, err)
	}
	return s.waitFunctionUpdated(ctx)
}

// roleNotAssumable is Lambda saying a new role has not reached it yet:
// "The role defined for the function cannot be assumed by Lambda."
func roleNotAssumable(err error) bool {
	return hasCode(err, "InvalidParameterValueException") && strings.Contains(strings.ToLower(err.Error()), "cannot be assumed")
}

// retryWhileRoleNotAssumable calls call until it stops failing because the
// role cannot be assumed yet (IAM is eventually consistent: a role is
// usable by Lambda some seconds after CreateRole), for at most cfg.IAMWait.
func (s *Stack) retryWhileRoleNotAssumable(ctx context.Context, call func() error) error {
	start := time.Now()
	for {
		err := call()
		if err == nil || !roleNotAssumable(err) {
			return err
		}
		waited := time.Since(start)
		if waited >= s.cfg.IAMWait {
			return fmt.Errorf("role %s still cannot be assumed after waiting %s for IAM (raise --iam-wait): %w",
				s.names.Role, waited.Round(time.Second), err)
		}
		progress(ctx, fmt.Sprintf("waiting for IAM role to propagate (%s)", waited.Round(time.Second)))
		t := time.NewTimer(min(s.t.iamRetry, s.cfg.IAMWait-waited))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Stack) waitFunctionActive(ctx context.Context) error {
	w := lambda.NewFunctionActiveV2Waiter(s.c.Lambda, func(o *lambda.FunctionActiveV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = s.t.waitMin, s.t.waitMax
	})
	err := s.waiting(ctx, "waiting for function "+s.names.Function+" to become Active", func() error {
		return w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: &s.names.Function}, s.t.waitTimeout)
	})
	if err != nil {
		return fail("wait for State Active of", "function", s.names.Function, err)
	}
	return nil
}

func (s *Stack) waitFunctionUpdated(ctx context.Context) error {
	w := lambda.NewFunctionUpdatedV2Waiter(s.c.Lambda, func(o *lambda.FunctionUpdatedV2WaiterOptions) {
		o.MinDelay, o.MaxDelay = s.t.waitMin, s.t.waitMax
	})
	err := s.waiting(ctx, "waiting for the update of function "+s.names.Function+" to finish", func() error {
		return w.Wait(ctx, &lambda.GetFunctionInput{FunctionName: &s.names.Function}, s.t.waitTimeout)
	})
	if err != nil {
		return fail("wait for LastUpdateStatus Successful of", "function", s.names.Function, err)
	}
	return nil
}

// upFunction creates the function or converges it.
func (s *Stack) upFunction(ctx context.Context, read *future[functionState], arns policies.ARNs, res *StepResult) error {
	name := s.names.Function
	st, err := read.get(ctx)
	if err != nil {
		return err
	}
	res.ARN = st.arn
	if !st.exists {
		return s.createFunction(ctx, arns, res)
	}
	// An earlier run may have been interrupted mid-change: Lambda refuses
	// updates until it settles.
	if st.conf.State == ltypes.StatePending {
		if err := s.waitFunctionActive(ctx); err != nil {
			return err
		}
	}
	if st.conf.LastUpdateStatus == ltypes.LastUpdateStatusInProgress {
		if err := s.waitFunctionUpdated(ctx); err != nil {
			return err
		}
	}
	changes, err := s.functionChanges(st, arns)
	if err != nil {
		return err
	}
	return apply(ctx, res, changes, "converge", "function", name)
}

func (s *Stack) createFunction(ctx context.Context, arns policies.ARNs, res *StepResult) error {
	name := s.names.Function
	zip, err := function.Zip(s.cfg.Arch)
	if err != nil {
		return fmt.Errorf("create function %s: embedded code for %s: %w", name, s.cfg.Arch, err)
	}
	in := &lambda.CreateFunctionInput{
		FunctionName:  &name,
		Runtime:       functionRuntime,
		Handler:       aws.String(functionHandler),
		Role:          &arns.Role,
		Code:          &ltypes.FunctionCode{ZipFile: zip},
		Architectures: []ltypes.Architecture{ltypes.Architecture(s.cfg.Arch)},
		Environment:   &ltypes.Environment{Variables: s.functionEnv(arns)},
		Timeout:       &s.cfg.Timeout,
		MemorySize:    &s.cfg.MemoryMB,
		PackageType:   ltypes.PackageTypeZip,
		Description:   aws.String("orders: stores each order and notifies high-value ones"),
		Tags:          s.stackTags(),
	}
	var out *lambda.CreateFunctionOutput
	err = s.retryWhileRoleNotAssumable(ctx, func() (err error) {
		out, err = s.c.Lambda.CreateFunction(ctx, in)
		return err
	})
	if err != nil {
		return fail("create", "function", name, err)
	}
	if a := aws.ToString(out.FunctionArn); a != "" {
		res.ARN = a
	}
	res.Outcome = Created
	return s.waitFunctionActive(ctx)
}

func (s *Stack) destroyFunction(ctx context.Context, arn string, res *StepResult) error {
	st, err := s.readFunction(ctx, arn)
	if err != nil {
		return err
	}
	if leave(res, KindFunction, s.names.Function, st.exists, s.ownerOf(st.tags)) {
		return nil
	}
	_, err = s.c.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: &s.names.Function})
	switch {
	case hasCode(err, "ResourceNotFoundException"):
		res.Outcome = Absent
	case err != nil:
		return fail("delete", "function", s.names.Function, err)
	default:
		res.Outcome = Deleted
	}
	return nil
}
