package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
)

// The function's log group is made by up, not left to Lambda, so that it
// has a retention (Lambda's own would keep logs forever) and a tag.

type logGroupState struct {
	exists    bool
	arn       string // without the ":*" DescribeLogGroups appends
	retention int32  // 0: never expire
	tags      map[string]string
}

func (s *Stack) readLogGroup(ctx context.Context, arn string) (logGroupState, error) {
	name := s.names.LogGroup
	st := logGroupState{arn: arn}
	var found bool
	err := parallel(
		func() error {
			// Groups come sorted by name, so the exact name is the first
			// with that prefix: the first page is enough.
			out, err := s.c.Logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: &name})
			if err != nil {
				return fail("describe", "log group", name, err)
			}
			for _, g := range out.LogGroups {
				if aws.ToString(g.LogGroupName) == name {
					found = true
					st.retention = aws.ToInt32(g.RetentionInDays)
					if a := aws.ToString(g.LogGroupArn); a != "" {
						st.arn = a
					} else if a := aws.ToString(g.Arn); a != "" {
						st.arn = strings.TrimSuffix(a, ":*")
					}
				}
			}
			return nil
		},
		func() error {
			out, err := s.c.Logs.ListTagsForResource(ctx, &cloudwatchlogs.ListTagsForResourceInput{ResourceArn: &arn})
			if hasCode(err, "ResourceNotFoundException") {
				return nil
			}
			if err != nil {
				return fail("list tags of", "log group", name, err)
			}
			st.tags = out.Tags
			return nil
		},
	)
	if err != nil || !found {
		return logGroupState{arn: arn}, err
	}
	st.exists = true
	return st, nil
}

// logGroupChanges says what correct looks like for the log group.
func (s *Stack) logGroupChanges(st logGroupState) []change {
	name := s.names.LogGroup
	var out []change
	if want := s.cfg.LogRetentionDays; st.retention != want {
		have := "never expire"
		if st.retention > 0 {
			have = days(st.retention)
		}
		out = append(out, change{
			details: []string{fmt.Sprintf("retention is %s, want %s", have, days(want))},
			fix:     s.setRetention,
		})
	}
	if d := s.tagDrift(st.tags); d != nil {
		arn := st.arn
		out = append(out, change{details: d, tag: true, fix: func(ctx context.Context) error {
			_, err := s.c.Logs.TagResource(ctx, &cloudwatchlogs.TagResourceInput{ResourceArn: &arn, Tags: s.stackTags()})
			return wrapErr(err, "tag", "log group", name)
		}})
	}
	return out
}

func (s *Stack) setRetention(ctx context.Context) error {
	_, err := s.c.Logs.PutRetentionPolicy(ctx, &cloudwatchlogs.PutRetentionPolicyInput{
		LogGroupName: &s.names.LogGroup, RetentionInDays: aws.Int32(s.cfg.LogRetentionDays)})
	return wrapErr(err, "set retention of", "log group", s.names.LogGroup)
}

func (s *Stack) upLogGroup(ctx context.Context, read *future[logGroupState], res *StepResult) error {
	name := s.names.LogGroup
	st, err := read.get(ctx)
	if err != nil {
		return err
	}
	res.ARN = st.arn
	if !st.exists {
		_, err := s.c.Logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: &name, Tags: s.stackTags()})
		switch {
		case hasCode(err, "ResourceAlreadyExistsException"):
			// Made meanwhile, e.g. by Lambda on a first invoke: converge it.
			if st, err = s.readLogGroup(ctx, st.arn); err != nil {
				return err
			}
			return apply(ctx, res, s.logGroupChanges(st), "converge", "log group", name)
		case err != nil:
			return fail("create", "log group", name, err)
		}
		res.Outcome = Created
		return s.setRetention(ctx)
	}
	return apply(ctx, res, s.logGroupChanges(st), "converge", "log group", name)
}

func (s *Stack) destroyLogGroup(ctx context.Context, arn string, res *StepResult) error {
	st, err := s.readLogGroup(ctx, arn)
	if err != nil {
		return err
	}
	if leave(res, KindLogGroup, s.names.LogGroup, st.exists, s.ownerOf(st.tags)) {
		return nil
	}
	_, err = s.c.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: &s.names.LogGroup})
	switch {
	case hasCode(err, "ResourceNotFoundException"):
		res.Outcome = Absent
	case err != nil:
		return fail("delete", "log group", s.names.LogGroup, err)
	default:
		res.Outcome = Deleted
	}
	return nil
}

// days is n days in words: "1 day", "14 days".
func days(n int32) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}
