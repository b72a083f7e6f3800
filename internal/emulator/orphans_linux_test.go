//go:build linux

package emulator

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/function"
)

// functionProcesses lists the live processes whose environment points their
// SDK at endpoint: the function instances of the emulator serving there.
func functionProcesses(endpoint string) []int {
	want := []byte("AWS_ENDPOINT_URL=" + endpoint + "\x00")
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !bytes.Contains(env, want) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
			// "pid (comm) S ...": a zombie is dead, only not yet reaped.
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// TestKill9LeavesNoFunctionProcess: `orders local serve` running the real
// function (a warm bootstrap process) is killed with SIGKILL; the function
// process dies with it — no orphan keeps running.
func TestKill9LeavesNoFunctionProcess(t *testing.T) {
	t.Parallel()
	zip, err := function.Zip(function.HostArch())
	if err != nil {
		t.Skipf("no function zip for this host: %v", err)
	}
	ctx := context.Background()
	srv := serve(t, t.TempDir())
	cfg := adminConfig(srv.url)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	_, err = lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("ProcessOrderFunction"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: zip},
		Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(function.HostArch())},
		Environment: &lambdatypes.Environment{Variables: map[string]string{"TABLE_NAME": "OrdersTable",
			"TOPIC_ARN": "arn:aws:sns:us-east-1:" + DefaultAccount + ":HighValueOrderTopic"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A bad event needs no table: the function rejects it, and stays warm.
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ProcessOrderFunction"), Payload: []byte(`{"OrderId":"","Amount":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "ValidationError") {
		t.Fatalf("invoke with a bad event: FunctionError %q, payload %s", aws.ToString(out.FunctionError), out.Payload)
	}
	before := functionProcesses(srv.url)
	if len(before) == 0 {
		t.Fatalf("no function process found for %s after an invoke", srv.url)
	}

	srv.kill(t)
	// The kernel's parent-death signal is immediate; the deadline only keeps
	// a failure from hanging the suite.
	deadline := time.Now().Add(30 * time.Second)
	for {
		left := functionProcesses(srv.url)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("function processes %v outlived the kill -9 of orders local serve", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
