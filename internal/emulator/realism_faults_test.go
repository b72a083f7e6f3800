package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

// faultProbe makes one cheap call per service and reports its error.
func faultProbes(url string) map[string]func(context.Context) error {
	cfg := adminConfig(url)
	return map[string]func(context.Context) error{
		"dynamodb": func(ctx context.Context) error {
			_, err := dynamodb.NewFromConfig(cfg).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		},
		"sqs": func(ctx context.Context) error {
			_, err := sqs.NewFromConfig(cfg).ListQueues(ctx, &sqs.ListQueuesInput{})
			return err
		},
		"sns": func(ctx context.Context) error {
			_, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		},
		"lambda": func(ctx context.Context) error {
			_, err := lambda.NewFromConfig(cfg).ListFunctions(ctx, &lambda.ListFunctionsInput{})
			return err
		},
		"iam": func(ctx context.Context) error {
			_, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
			return err
		},
		"sts": func(ctx context.Context) error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		},
		"logs": func(ctx context.Context) error {
			_, err := cloudwatchlogs.NewFromConfig(cfg).DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{})
			return err
		},
	}
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// Every service answers an injected fault in its own code and status, as
// the real SDK decodes it; the health endpoint is never faulted.
func TestRealismFaultsInEachServicesShape(t *testing.T) {
	url, _, _ := openRealism(t, realism.Config{Mode: realism.Off, Scale: 1, FaultRate: 1, Seed: 11})
	ctx := context.Background()
	seen := map[string]map[string]bool{}
	for svc, probe := range faultProbes(url) {
		seen[svc] = map[string]bool{}
		for i := 0; i < 40; i++ {
			err := probe(ctx)
			if err == nil {
				t.Fatalf("%s call %d succeeded at fault rate 1", svc, i)
			}
			seen[svc][fmt.Sprintf("%d %s", httpStatus(err), errorCode(err))] = true
		}
	}
	want := map[string][]string{
		"dynamodb": {"400 ThrottlingException", "500 InternalServerError", "503 ServiceUnavailable"},
		"sqs":      {"403 RequestThrottled", "500 InternalFailure", "503 ServiceUnavailable"},
		"sns":      {"429 Throttled", "500 InternalError", "503 ServiceUnavailable"},
		"lambda":   {"429 TooManyRequestsException", "500 ServiceException", "503 ServiceUnavailable"},
		"iam":      {"400 Throttling", "500 ServiceFailure", "503 ServiceUnavailable"},
		"sts":      {"400 Throttling", "500 InternalFailure", "503 ServiceUnavailable"},
		"logs":     {"400 ThrottlingException", "500 ServiceUnavailableException", "503 ServiceUnavailable"},
	}
	for svc, codes := range want {
		for _, c := range codes {
			if !seen[svc][c] {
				t.Errorf("%s: never answered %s in 40 faulted calls (saw %v)", svc, c, seen[svc])
			}
		}
		if len(seen[svc]) != len(codes) {
			t.Errorf("%s: answered %v, want only %v", svc, seen[svc], codes)
		}
	}
	resp, err := http.Get(url + HealthPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("health endpoint answered %s at fault rate 1", resp.Status)
	}
	h, err := FetchHealth(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if h.Realism == nil || h.Realism.FaultRate != 1 || h.Realism.Seed != 11 || h.Realism.Mode != realism.Off {
		t.Errorf("health realism = %+v, want mode off, fault rate 1, seed 11", h.Realism)
	}
}

// The same seed and the same calls give the same faults, call for call;
// the SDK's standard retryer rides them out.
func TestRealismFaultsRepeatWithTheSeed(t *testing.T) {
	run := func(seed int64) []string {
		url, _, _ := openRealism(t, realism.Config{Mode: realism.Off, Scale: 1, FaultRate: 0.3, Seed: seed})
		probes := faultProbes(url)
		var got []string
		for i := 0; i < 30; i++ {
			for _, svc := range []string{"dynamodb", "sqs", "sns", "lambda", "iam", "sts", "logs"} {
				got = append(got, svc+":"+errorCode(probes[svc](context.Background())))
			}
		}
		return got
	}
	a, b, c := run(21), run(21), run(22)
	faulted := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d: seed 21 answered %s, then %s", i, a[i], b[i])
		}
		if a[i][len(a[i])-1] != ':' {
			faulted++
		}
	}
	if faulted == 0 || faulted == len(a) {
		t.Errorf("%d of %d calls faulted at rate 0.3", faulted, len(a))
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Error("seeds 21 and 22 faulted the same calls")
	}

	url, _, _ := openRealism(t, realism.Config{Mode: realism.Off, Scale: 1, FaultRate: 0.3, Seed: 21})
	cfg := adminConfig(url)
	cfg.Retryer = nil // the SDK's standard retryer, not the test clients' first answer
	cfg.RetryMaxAttempts = 10
	db := dynamodb.NewFromConfig(cfg)
	for i := 0; i < 20; i++ {
		if _, err := db.ListTables(context.Background(), &dynamodb.ListTablesInput{}); err != nil {
			t.Fatalf("ListTables with the standard retryer: %v", err)
		}
	}
}
