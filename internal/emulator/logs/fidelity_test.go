package logs

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// DescribeLogStreams no longer shows uploadSequenceToken (PutLogEvents
// ignores sequence tokens) and reports a stream's storedBytes as zero.
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogStream.html
func TestDescribeLogStreamsShape(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	e.group(t, fnGroup)
	e.stream(t, fnGroup, "s")
	e.put(t, fnGroup, "s", time.Now(), "hello")
	out := must(e.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(fnGroup)}))(t)
	if len(out.LogStreams) != 1 {
		t.Fatalf("streams = %+v", out.LogStreams)
	}
	s := out.LogStreams[0]
	if s.UploadSequenceToken != nil {
		t.Errorf("uploadSequenceToken = %q, AWS no longer returns it", aws.ToString(s.UploadSequenceToken))
	}
	if s.StoredBytes == nil || *s.StoredBytes != 0 {
		t.Errorf("storedBytes = %v, want 0 (deprecated for streams)", s.StoredBytes)
	}
	groups := must(e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{}))(t)
	if len(groups.LogGroups) != 1 || aws.ToInt64(groups.LogGroups[0].StoredBytes) == 0 {
		t.Errorf("group storedBytes still counts: %+v", groups.LogGroups)
	}
}

// Tags are checked against the model's TagKey/TagValue patterns
// (^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$), on create and on TagResource.
// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_TagResource.html
func TestLogsTagPatterns(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	for name, tags := range map[string]map[string]string{
		"key with a bang":   {"bad!": "v"},
		"value with a bang": {"k": "v!"},
		"aws: prefix":       {"aws:x": "v"},
		"key too long":      {strings.Repeat("k", 129): "v"},
	} {
		_, err := e.client.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: aws.String("g"), Tags: tags})
		if apiCode(err) != "InvalidParameterException" || !strings.Contains(err.Error(), "1 validation error detected") {
			t.Errorf("CreateLogGroup %s: %v", name, err)
		}
	}
	e.group(t, "g")
	_, err := e.client.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g"), Tags: map[string]string{"k": "v#"}})
	if apiCode(err) != "InvalidParameterException" {
		t.Errorf("TagResource bad value: %v", err)
	}
	tags := must(e.client.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:logs:us-east-1:000000000000:log-group:g")}))(t)
	if len(tags.Tags) != 0 {
		t.Errorf("a refused tag was stored: %v", tags.Tags)
	}
}

// Logs words a limit out of range without the value, as AWS answers
// DescribeLogGroups with limit 51.
func TestLimitMessageLeavesOutTheValue(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	_, err := e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{Limit: aws.Int32(51)})
	if apiCode(err) != "InvalidParameterException" || !strings.HasSuffix(err.Error(), "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50") {
		t.Errorf("limit 51: %v", err)
	}
}
