package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	itypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/orders-dev/orders/policies"
)

// The function's role: trusted by Lambda only, one inline policy exactly as
// policies.Render("function"), nothing else attached.

type roleState struct {
	exists   bool
	arn      string
	trust    string // as IAM returns it: URL-encoded JSON
	boundary string // permissions boundary ARN, "" if none
	tags     map[string]string
	inline   []string // names of every inline policy, ours included
	ownDoc   string   // our inline policy's document, "" if it has none
	managed  []itypes.AttachedPolicy
}

func (s *Stack) readRole(ctx context.Context, arn string) (roleState, error) {
	name := s.names.Role
	st := roleState{arn: arn}
	var got *iam.GetRoleOutput
	err := parallel(
		func() (err error) {
			got, err = s.c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &name})
			if hasCode(err, "NoSuchEntity") {
				got, err = nil, nil
			}
			return wrapErr(err, "get", "role", name)
		},
		func() error {
			in := &iam.ListRolePoliciesInput{RoleName: &name}
			for {
				out, err := s.c.IAM.ListRolePolicies(ctx, in)
				if hasCode(err, "NoSuchEntity") {
					return nil
				}
				if err != nil {
					return fail("list inline policies of", "role", name, err)
				}
				st.inline = append(st.inline, out.PolicyNames...)
				if !out.IsTruncated {
					return nil
				}
				in.Marker = out.Marker
			}
		},
		func() error {
			in := &iam.ListAttachedRolePoliciesInput{RoleName: &name}
			for {
				out, err := s.c.IAM.ListAttachedRolePolicies(ctx, in)
				if hasCode(err, "NoSuchEntity") {
					return nil
				}
				if err != nil {
					return fail("list managed policies of", "role", name, err)
				}
				st.managed = append(st.managed, out.AttachedPolicies...)
				if !out.IsTruncated {
					return nil
				}
				in.Marker = out.Marker
			}
		},
		func() error {
			out, err := s.c.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: &name, PolicyName: &s.names.RolePolicy})
			if hasCode(err, "NoSuchEntity") {
				return nil
			}
			if err != nil {
				return fail("get inline policy "+s.names.RolePolicy+" of", "role", name, err)
			}
			st.ownDoc = aws.ToString(out.PolicyDocument)
			return nil
		},
	)
	if err != nil || got == nil || got.Role == nil {
		return roleState{arn: arn}, err
	}
	r := got.Role
	st.exists = true
	st.arn = aws.ToString(r.Arn)
	st.trust = aws.ToString(r.AssumeRolePolicyDocument)
	if r.PermissionsBoundary != nil {
		st.boundary = aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn)
	}
	st.tags = map[string]string{}
	for _, t := range r.Tags {
		st.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return st, nil
}

// roleDocs are the two documents the role must carry.
func roleDocs(arns policies.ARNs) (trust, function []byte, err error) {
	if trust, err = policies.Render("trust", arns); err != nil {
		return nil, nil, fmt.Errorf("render trust policy: %w", err)
	}
	if function, err = policies.Render("function", arns); err != nil {
		return nil, nil, fmt.Errorf("render function policy: %w", err)
	}
	return trust, function, nil
}

// roleChanges says what correct looks like for the role: trust policy,
// exactly one inline policy, no managed policies, the configured
// permissions boundary, the stack tag.
func (s *Stack) roleChanges(st roleState, arns policies.ARNs) ([]change, error) {
	name, own := s.names.Role, s.names.RolePolicy
	trust, function, err := roleDocs(arns)
	if err != nil {
		return nil, err
	}
	var out []change
	if same, err := policies.Equal([]byte(st.trust), trust); err != nil || !same {
		out = append(out, change{
			details: []string{"trust policy differs from the template (orders policy trust)"},
			fix: func(ctx context.Context) error {
				_, err := s.c.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: &name, PolicyDocument: aws.String(string(trust))})
				return wrapErr(err, "update trust policy of", "role", name)
			},
		})
	}
	var detail string
	if st.ownDoc == "" {
		detail = fmt.Sprintf("inline policy %s missing", own)
	} else if same, err := policies.Equal([]byte(st.ownDoc), function); err != nil || !same {
		detail = fmt.Sprintf("inline policy %s differs from the template (orders policy function)", own)
	}
	if detail != "" {
		out = append(out, change{details: []string{detail}, fix: s.putRolePolicy(function)})
	}
	for _, p := range st.inline {
		if p == own {
			continue
		}
		out = append(out, change{
			details: []string{fmt.Sprintf("extra inline policy %s (the role holds only %s)", p, own)},
			fix: func(ctx context.Context) error {
				_, err := s.c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &p})
				if hasCode(err, "NoSuchEntity") {
					return nil
				}
				return wrapErr(err, "delete inline policy "+p+" of", "role", name)
			},
		})
	}
	for _, m := range st.managed {
		arn := aws.ToString(m.PolicyArn)
		out = append(out, change{
			details: []string{fmt.Sprintf("managed policy %s attached (the role takes no managed policies)", arn)},
			fix: func(ctx context.Context) error {
				_, err := s.c.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: &arn})
				if hasCode(err, "NoSuchEntity") {
					return nil
				}
				return wrapErr(err, "detach managed policy "+arn+" from", "role", name)
			},
		})
	}
	// A boundary is kept once set; up only adds or changes it when one is
	// configured.
	if want := s.cfg.PermissionsBoundary; want != "" && st.boundary != want {
		have := st.boundary
		if have == "" {
			have = "none"
		}
		out = append(out, change{
			details: []string{fmt.Sprintf("permissions boundary is %s, want %s", have, want)},
			fix: func(ctx context.Context) error {
				_, err := s.c.IAM.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: &name, PermissionsBoundary: &want})
				return wrapErr(err, "set permissions boundary of", "role", name)
			},
		})
	}
	if d := s.tagDrift(st.tags); d != nil {
		out = append(out, change{details: d, tag: true, fix: func(ctx context.Context) error {
			_, err := s.c.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: &name, Tags: s.iamTags()})
			return wrapErr(err, "tag", "role", name)
		}})
	}
	return out, nil
}

func (s *Stack) putRolePolicy(doc []byte) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := s.c.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: &s.names.Role, PolicyName: &s.names.RolePolicy, PolicyDocument: aws.String(string(doc))})
		return wrapErr(err, "put inline policy "+s.names.RolePolicy+" on", "role", s.names.Role)
	}
}

func (s *Stack) iamTags() []itypes.Tag {
	var tags []itypes.Tag
	for _, k := range sortedKeys(s.stackTags()) {
		tags = append(tags, itypes.Tag{Key: aws.String(k), Value: aws.String(s.stackTags()[k])})
	}
	return tags
}

// RoleChangedTagKey tags the role with when up last created or repaired it
// (RFC 3339, UTC). IAM applies a change to the role's sessions only some
// seconds later, so a command that sees the function refused a permission
// soon after it sends the order again for a while instead of failing (see
// invoke.RoleSettle).
const RoleChangedTagKey = "orders:role-changed"

func roleChangedTag(t time.Time) itypes.Tag {
	return itypes.Tag{Key: aws.String(RoleChangedTagKey), Value: aws.String(t.UTC().Format(time.RFC3339))}
}

// RoleChanged returns when up last created or repaired the function's role,
// as recorded on the role; the zero time when nothing is recorded or the
// role cannot be read.
func (s *Stack) RoleChanged(ctx context.Context) time.Time {
	if s.c == nil || s.c.IAM == nil { // clients for the function only
		return time.Time{}
	}
	out, err := s.c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &s.names.Role})
	if err != nil || out.Role == nil {
		return time.Time{}
	}
	for _, t := range out.Role.Tags {
		if aws.ToString(t.Key) == RoleChangedTagKey {
			at, err := time.Parse(time.RFC3339, aws.ToString(t.Value))
			if err == nil {
				return at
			}
		}
	}
	return time.Time{}
}

// upRole creates the role with its inline policy, or converges both.
func (s *Stack) upRole(ctx context.Context, read *future[roleState], arns policies.ARNs, res *StepResult) error {
	name := s.names.Role
	st, err := read.get(ctx)
	if err != nil {
		return err
	}
	res.ARN = st.arn
	if st.exists {
		changes, err := s.roleChanges(st, arns)
		if err != nil {
			return err
		}
		if err := apply(ctx, res, changes, "converge", "role", name); err != nil {
			return err
		}
		if res.Outcome == Repaired {
			_, err := s.c.IAM.TagRole(ctx, &iam.TagRoleInput{RoleName: &name, Tags: []itypes.Tag{roleChangedTag(time.Now())}})
			return wrapErr(err, "record the change of", "role", name)
		}
		return nil
	}
	trust, function, err := roleDocs(arns)
	if err != nil {
		return err
	}
	in := &iam.CreateRoleInput{
		RoleName:                 &name,
		AssumeRolePolicyDocument: aws.String(string(trust)),
		Description:              aws.String("orders: execution role of the " + s.names.Function + " Lambda function"),
		Tags:                     append(s.iamTags(), roleChangedTag(time.Now())),
	}
	if s.cfg.PermissionsBoundary != "" {
		in.PermissionsBoundary = &s.cfg.PermissionsBoundary
	}
	out, err := s.c.IAM.CreateRole(ctx, in)
	if err != nil {
		return fail("create", "role", name, err)
	}
	if out.Role != nil && out.Role.Arn != nil {
		res.ARN = *out.Role.Arn
	}
	res.Outcome = Created
	return s.putRolePolicy(function)(ctx)
}

// destroyRolePolicies deletes every inline policy and detaches every
// managed policy: IAM refuses to delete a role that still has any.
func (s *Stack) destroyRolePolicies(ctx context.Context, res *StepResult) error {
	st, err := s.readRole(ctx, "")
	if err != nil {
		return err
	}
	name := s.names.Role
	// Another's role keeps every policy it has.
	if leave(res, KindRole, name, st.exists, s.ownerOf(st.tags)) {
		return nil
	}
	res.Outcome = Absent
	for _, p := range st.inline {
		_, err := s.c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: &name, PolicyName: &p})
		if hasCode(err, "NoSuchEntity") {
			continue
		}
		if err != nil {
			return fail("delete inline policy "+p+" of", "role", name, err)
		}
		res.Outcome = Deleted
		res.Details = append(res.Details, "deleted inline policy "+p)
	}
	for _, m := range st.managed {
		_, err := s.c.IAM.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: &name, PolicyArn: m.PolicyArn})
		if hasCode(err, "NoSuchEntity") {
			continue
		}
		if err != nil {
			return fail("detach managed policy "+aws.ToString(m.PolicyArn)+" from", "role", name, err)
		}
		res.Outcome = Deleted
		res.Details = append(res.Details, "detached managed policy "+aws.ToString(m.PolicyArn))
	}
	return nil
}

func (s *Stack) destroyRole(ctx context.Context, res *StepResult) error {
	got, err := s.c.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: &s.names.Role})
	if hasCode(err, "NoSuchEntity") {
		res.Outcome = Absent
		return nil
	}
	if err != nil {
		return fail("get", "role", s.names.Role, err)
	}
	tags := map[string]string{}
	if got.Role != nil {
		for _, t := range got.Role.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	if leave(res, KindRole, s.names.Role, true, s.ownerOf(tags)) {
		return nil
	}
	_, err = s.c.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &s.names.Role})
	switch {
	case hasCode(err, "NoSuchEntity"):
		res.Outcome = Absent
	case err != nil:
		return fail("delete", "role", s.names.Role, err)
	default:
		res.Outcome = Deleted
	}
	return nil
}
