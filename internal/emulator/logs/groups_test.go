package logs

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
)

func TestLogGroupLifecycle(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	before := time.Now().UnixMilli()
	must(e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fnGroup), Tags: map[string]string{"orders:stack": "orders"}}))(t)
	_, err := e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fnGroup)})
	var exists *types.ResourceAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Errorf("duplicate group: %v", err)
	}
	_, err = e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("has space")})
	var ipe *types.InvalidParameterException
	if !errors.As(err, &ipe) {
		t.Errorf("invalid name: %v", err)
	}

	out := must(e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("/aws/lambda/")}))(t)
	if len(out.LogGroups) != 1 {
		t.Fatalf("DescribeLogGroups = %+v", out.LogGroups)
	}
	g := out.LogGroups[0]
	wantARN := "arn:aws:logs:us-east-1:000000000000:log-group:" + fnGroup
	if aws.ToString(g.Arn) != wantARN+":*" || aws.ToString(g.LogGroupArn) != wantARN || g.RetentionInDays != nil ||
		aws.ToInt64(g.CreationTime) < before || aws.ToInt64(g.CreationTime) > time.Now().UnixMilli() || g.LogGroupClass != types.LogGroupClassStandard {
		t.Errorf("group = %+v", g)
	}

	must(e.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(fnGroup), RetentionInDays: aws.Int32(14)}))(t)
	out = must(e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))(t)
	if aws.ToInt32(out.LogGroups[0].RetentionInDays) != 14 {
		t.Errorf("retention = %v", out.LogGroups[0].RetentionInDays)
	}
	for _, bad := range []int32{0, 2, 15, 4000} {
		_, err := e.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String(fnGroup), RetentionInDays: aws.Int32(bad)})
		if !errors.As(err, &ipe) {
			t.Errorf("retention %d: %v", bad, err)
		}
	}
	_, err = e.client.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: aws.String("/nope"), RetentionInDays: aws.Int32(14)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("retention on a missing group: %v", err)
	}
	must(e.client.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: aws.String(fnGroup)}))(t)
	out = must(e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))(t)
	if out.LogGroups[0].RetentionInDays != nil {
		t.Errorf("retention after delete = %v", *out.LogGroups[0].RetentionInDays)
	}

	must(e.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(fnGroup)}))(t)
	_, err = e.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(fnGroup)})
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "The specified log group does not exist.") {
		t.Errorf("delete twice: %v", err)
	}
	if out := must(e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))(t); out.LogGroups == nil || len(out.LogGroups) != 0 {
		t.Errorf("groups after delete: %+v", out.LogGroups)
	}
}

func TestDescribeLogGroupsPagesAndFilters(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	for _, n := range []string{"/b", "/a", "/app/one", "/app/two", "/c"} {
		e.group(t, n)
	}
	var names []string
	p := cwl.NewDescribeLogGroupsPaginator(e.client, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		for _, g := range must(p.NextPage(ctx))(t).LogGroups {
			names = append(names, aws.ToString(g.LogGroupName))
		}
	}
	if got := strings.Join(names, ","); got != "/a,/app/one,/app/two,/b,/c" {
		t.Errorf("paged = %s", got)
	}
	out := must(e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("TWO")}))(t)
	if len(out.LogGroups) != 1 || aws.ToString(out.LogGroups[0].LogGroupName) != "/app/two" {
		t.Errorf("pattern = %+v", out.LogGroups)
	}
	_, err := e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePattern: aws.String("a"), LogGroupNamePrefix: aws.String("/a")})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("prefix and pattern: %v", err)
	}
	_, err = e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{NextToken: aws.String("garbage!")})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("bad token: %v", err)
	}
	// Groups are per region, as the SigV4 scope says.
	cfg := emutest.ConfigFor(e.url, "test", "test", "")
	cfg.Region = "eu-west-1"
	west := cwl.NewFromConfig(cfg)
	if out := must(west.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))(t); len(out.LogGroups) != 0 {
		t.Errorf("eu-west-1 sees us-east-1's groups: %+v", out.LogGroups)
	}
	must(west.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("/a")}))(t)
	out = must(west.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))(t)
	if len(out.LogGroups) != 1 || aws.ToString(out.LogGroups[0].Arn) != "arn:aws:logs:eu-west-1:000000000000:log-group:/a:*" {
		t.Errorf("eu-west-1 groups = %+v", out.LogGroups)
	}
}

func TestTags(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	must(e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String(fnGroup), Tags: map[string]string{"a": "1"}}))(t)
	arn := "arn:aws:logs:us-east-1:000000000000:log-group:" + fnGroup
	must(e.client.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"b": "2"}}))(t)
	tags := must(e.client.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String(arn)}))(t).Tags
	if len(tags) != 2 || tags["a"] != "1" || tags["b"] != "2" {
		t.Errorf("tags = %v", tags)
	}
	must(e.client.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: aws.String(arn + ":*"), TagKeys: []string{"a"}}))(t)
	must(e.client.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: aws.String(fnGroup), Tags: map[string]string{"c": "3"}}))(t)
	must(e.client.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: aws.String(fnGroup), Tags: []string{"b"}}))(t)
	legacy := must(e.client.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: aws.String(fnGroup)}))(t).Tags
	if len(legacy) != 1 || legacy["c"] != "3" {
		t.Errorf("legacy tags = %v", legacy)
	}
	_, err := e.client.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:/nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("tags of a missing group: %v", err)
	}
	_, err = e.client.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:sqs:us-east-1:000000000000:q"), Tags: map[string]string{"x": "y"}})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("tagging a queue ARN: %v", err)
	}
}
