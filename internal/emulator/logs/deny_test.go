package logs

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
)

const groupARN = "arn:aws:logs:us-east-1:000000000000:log-group:" + fnGroup

// calls exercises every operation with a request that succeeds for an
// administrator on logsFixture's state.
func calls() map[string]func(c *cwl.Client) error {
	g, s := aws.String(fnGroup), aws.String("s")
	now := aws.Int64(time.Now().UnixMilli())
	return map[string]func(c *cwl.Client) error{
		"CreateLogGroup": func(c *cwl.Client) error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/new")})
			return err
		},
		"DeleteLogGroup": func(c *cwl.Client) error {
			_, err := c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: g})
			return err
		},
		"DescribeLogGroups": func(c *cwl.Client) error {
			_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
			return err
		},
		"PutRetentionPolicy": func(c *cwl.Client) error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: g, RetentionInDays: aws.Int32(7)})
			return err
		},
		"DeleteRetentionPolicy": func(c *cwl.Client) error {
			_, err := c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: g})
			return err
		},
		"CreateLogStream": func(c *cwl.Client) error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: g, LogStreamName: aws.String("new")})
			return err
		},
		"DeleteLogStream": func(c *cwl.Client) error {
			_, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: g, LogStreamName: s})
			return err
		},
		"DescribeLogStreams": func(c *cwl.Client) error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: g})
			return err
		},
		"PutLogEvents": func(c *cwl.Client) error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: g, LogStreamName: s, LogEvents: []types.InputLogEvent{{Timestamp: now, Message: aws.String("m")}}})
			return err
		},
		"GetLogEvents": func(c *cwl.Client) error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: g, LogStreamName: s})
			return err
		},
		"FilterLogEvents": func(c *cwl.Client) error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: g, FilterPattern: aws.String("m")})
			return err
		},
		"TagResource": func(c *cwl.Client) error {
			_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(groupARN), Tags: map[string]string{"k": "v"}})
			return err
		},
		"UntagResource": func(c *cwl.Client) error {
			_, err := c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(groupARN), TagKeys: []string{"a"}})
			return err
		},
		"ListTagsForResource": func(c *cwl.Client) error {
			_, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(groupARN)})
			return err
		},
		"TagLogGroup": func(c *cwl.Client) error {
			_, err := c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: g, Tags: map[string]string{"k": "v"}})
			return err
		},
		"UntagLogGroup": func(c *cwl.Client) error {
			_, err := c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: g, Tags: []string{"a"}})
			return err
		},
		"ListTagsLogGroup": func(c *cwl.Client) error {
			_, err := c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: g})
			return err
		},
	}
}

func logsFixture(t *testing.T, e *env) {
	t.Helper()
	must(e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fnGroup), Tags: map[string]string{"a": "1"}}))(t)
	e.stream(t, fnGroup, "s")
	e.put(t, fnGroup, "s", time.Now(), "m")
}

func TestDenyAllAuthorizer(t *testing.T) {
	caller := service.Principal{ARN: "arn:aws:sts::000000000000:assumed-role/R/S", RoleName: "R", SessionName: "S", AccessKeyID: "ASIADENIED0000000000"}
	admin := newEnv(t, nil, dispatch.Options{})
	logsFixture(t, admin)
	denied := serve(t, admin.svc, admin.st, dispatch.Options{Authz: denyAll{},
		Identity: staticIdentity{akid: caller.AccessKeyID, secret: "secret", p: caller}})
	client := cwl.NewFromConfig(emutest.ConfigFor(denied.url, caller.AccessKeyID, "secret", ""))
	before := dump(t, admin.st)
	all := calls()
	for _, op := range admin.svc.Operations() {
		call, ok := all[op]
		if !ok {
			t.Errorf("%s: not exercised", op)
			continue
		}
		err := call(client)
		if apiCode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "User: "+caller.ARN+" is not authorized to perform: logs:") {
			t.Errorf("%s: %v", op, err)
		}
	}
	if !reflect.DeepEqual(before, dump(t, admin.st)) {
		t.Error("denied requests changed the store")
	}
	// Each request succeeds for the administrator on a fresh fixture.
	for op, call := range all {
		e := newEnv(t, nil, dispatch.Options{})
		logsFixture(t, e)
		if err := call(e.client); err != nil {
			t.Errorf("%s as administrator: %v", op, err)
		}
	}
}

// The resources actions are authorized on, as AWS evaluates them: group
// actions on log-group:NAME:log-stream: (so grants on log-group:NAME:*
// cover them), stream actions on the stream's ARN, and TagResource,
// UntagResource and ListTagsForResource on log-group:NAME without ":*"
// ("The permissions for those three actions require the ARN version that
// doesn't include a trailing :*",
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html).
func TestAuthorizedResources(t *testing.T) {
	rec := &recordAuthz{}
	caller := service.Principal{ARN: "arn:aws:sts::000000000000:assumed-role/R/S", RoleName: "R", AccessKeyID: "ASIAREC0000000000000"}
	admin := newEnv(t, nil, dispatch.Options{})
	logsFixture(t, admin)
	e := serve(t, admin.svc, admin.st, dispatch.Options{Authz: rec, Identity: staticIdentity{akid: caller.AccessKeyID, secret: "s", p: caller}})
	c := cwl.NewFromConfig(emutest.ConfigFor(e.url, caller.AccessKeyID, "s", ""))
	all := calls()
	for _, op := range []string{"PutLogEvents", "CreateLogStream", "GetLogEvents", "DescribeLogStreams", "DescribeLogGroups", "CreateLogGroup", "TagResource"} {
		if err := all[op](c); err != nil {
			t.Fatalf("%s: %v", op, err)
		}
	}
	stream := "arn:aws:logs:us-east-1:000000000000:log-group:" + fnGroup + ":log-stream:"
	want := []string{
		"logs:PutLogEvents " + stream + "s",
		"logs:CreateLogStream " + stream + "new",
		"logs:GetLogEvents " + stream + "s",
		"logs:DescribeLogStreams " + stream,
		"logs:DescribeLogGroups arn:aws:logs:us-east-1:000000000000:log-group::log-stream:",
		"logs:CreateLogGroup arn:aws:logs:us-east-1:000000000000:log-group:/new:log-stream:",
		"logs:TagResource arn:aws:logs:us-east-1:000000000000:log-group:" + fnGroup,
	}
	if !reflect.DeepEqual(rec.asked, want) {
		t.Errorf("authorized:\n%s\nwant:\n%s", strings.Join(rec.asked, "\n"), strings.Join(want, "\n"))
	}
}
