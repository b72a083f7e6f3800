package sts

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

func wantSTSError(t *testing.T, what string, err error, status int, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	var re *awshttp.ResponseError
	if !errors.As(err, &ae) || ae.ErrorCode() != code || ae.ErrorMessage() != msg || !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Errorf("%s:\n got: %v\nwant: %d %s: %s", what, err, status, code, msg)
	}
}

// AssumeRole's parameters are checked against the model before anything
// else: a 400 ValidationError counting the violations, never AccessDenied.
// roleSessionNameType: 2-64 of [\w+=,.@-]*; roleDurationSecondsType:
// 900-43200; sourceIdentityType, externalIdType alike.
// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html#API_AssumeRole_RequestParameters
func TestAssumeRoleParameterValidation(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	long := strings.Repeat("s", 65)
	cases := []struct {
		name string
		in   *awssts.AssumeRoleInput
		msg  string
	}{
		{"session name too short", &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String("a")},
			"1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{"session name too long", &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String(long)},
			"1 validation error detected: Value '" + long + "' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"session name pattern", &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String("has space")},
			`1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"duration too long", &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(43201)},
			"1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"two violations", &awssts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::1:role"), RoleSessionName: aws.String("a"), DurationSeconds: aws.Int32(60)},
			"3 validation errors detected: Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; " +
				"Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
				"Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"source identity", &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String("s1"), SourceIdentity: aws.String("x y")},
			`1 validation error detected: Value 'x y' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{"external id", &awssts.AssumeRoleInput{RoleArn: aws.String(lambdaARN), RoleSessionName: aws.String("s1"), ExternalId: aws.String("x")},
			"1 validation error detected: Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2"},
	}
	for _, c := range cases {
		// lambdaARN does not trust the caller: a 403 would mean the
		// parameters were not checked first.
		_, err := e.client.AssumeRole(ctx, c.in)
		wantSTSError(t, c.name, err, http.StatusBadRequest, "ValidationError", c.msg)
	}
}

// Session tags: at most 50, keys 1-128 and values 0-256 characters of the
// model's pattern, keys unique regardless of case, every transitive key
// among the tags, and the role's trust policy must allow sts:TagSession.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_know
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
func TestAssumeRoleSessionTags(t *testing.T) {
	e := newEnv(t, nil, dispatch.Options{})
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }
	in := func(tags []types.Tag, transitive ...string) *awssts.AssumeRoleInput {
		return &awssts.AssumeRoleInput{RoleArn: aws.String(taggingARN), RoleSessionName: aws.String("tagged"), Tags: tags, TransitiveTagKeys: transitive}
	}
	if _, err := e.client.AssumeRole(ctx, in([]types.Tag{tag("team", "orders"), tag("cost-center", "")}, "team")); err != nil {
		t.Fatalf("valid tags: %v", err)
	}
	many := make([]types.Tag, 51)
	for i := range many {
		many[i] = tag("k"+strings.Repeat("x", i), "v")
	}
	_, err := e.client.AssumeRole(ctx, in(many))
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" || !strings.HasSuffix(ae.ErrorMessage(), "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50") {
		t.Errorf("51 tags: %v", err)
	}
	_, err = e.client.AssumeRole(ctx, in([]types.Tag{tag("bad!", "v")}))
	wantSTSError(t, "key pattern", err, 400, "ValidationError",
		`1 validation error detected: Value 'bad!' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
	_, err = e.client.AssumeRole(ctx, in([]types.Tag{tag("k", strings.Repeat("v", 257))}))
	wantSTSError(t, "value length", err, 400, "ValidationError",
		"1 validation error detected: Value '"+strings.Repeat("v", 257)+"' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256")
	_, err = e.client.AssumeRole(ctx, in([]types.Tag{tag("Team", "a"), tag("team", "b")}))
	wantSTSError(t, "duplicate keys", err, 400, "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
	_, err = e.client.AssumeRole(ctx, in([]types.Tag{tag("team", "a")}, "project"))
	wantSTSError(t, "transitive key without its tag", err, 400, "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.")
	_, err = e.client.AssumeRole(ctx, in([]types.Tag{tag("team", "a")}, "bad!"))
	wantSTSError(t, "transitive key pattern", err, 400, "ValidationError",
		`1 validation error detected: Value 'bad!' at 'transitiveTagKeys.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`)
	// A role whose trust policy allows sts:AssumeRole but not sts:TagSession.
	_, err = e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("tagged"), Tags: []types.Tag{tag("team", "a")}})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "is not authorized to perform: sts:TagSession on resource: "+openARN) {
		t.Errorf("tags without sts:TagSession in the trust policy: %v", err)
	}
	if _, err := e.client.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("untagged")}); err != nil {
		t.Errorf("no tags: %v", err)
	}
}
