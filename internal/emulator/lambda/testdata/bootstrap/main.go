// Command bootstrap is the function the lambda package's tests run: one
// binary whose behaviour each event chooses, built at test time.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action  string   `json:"action"`
	SleepMs int      `json:"sleepMs"`
	Code    int      `json:"code"`
	Lines   []string `json:"lines"`
	Env     []string `json:"env"`
	Message string   `json:"message"`
	Echo    any      `json:"echo"`
}

// OrderError is a typed error: callers see errorType "OrderError".
type OrderError struct{ msg string }

func (e *OrderError) Error() string { return e.msg }

func handle(ctx context.Context, ev event) (map[string]any, error) {
	out := map[string]any{"pid": os.Getpid(), "echo": ev.Echo}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		out["requestId"] = lc.AwsRequestID
		out["arn"] = lc.InvokedFunctionArn
	}
	if d, ok := ctx.Deadline(); ok {
		out["deadlineInMs"] = time.Until(d).Milliseconds()
	}
	switch ev.Action {
	case "error":
		return nil, &OrderError{msg: ev.Message}
	case "panic":
		panic(ev.Message)
	case "sleep":
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	case "exit":
		os.Exit(ev.Code)
	case "print":
		for _, l := range ev.Lines {
			fmt.Println(l)
			fmt.Fprintln(os.Stderr, "stderr: "+l)
		}
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	case "file":
		b, err := os.ReadFile(ev.Message)
		if err != nil {
			return nil, err
		}
		out["file"] = string(b)
	case "ping":
		// Reach the emulator the function was pointed at, as the SDK would.
		resp, err := http.Get(os.Getenv("AWS_ENDPOINT_URL") + "/ping/" + ev.Message)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("ping: %s", resp.Status)
		}
	case "env":
		m := map[string]string{}
		for _, k := range ev.Env {
			m[k] = os.Getenv(k)
		}
		out["env"] = m
	}
	return out, nil
}

func main() {
	if os.Getenv("TEST_INIT_EXIT") != "" {
		fmt.Println("init: giving up")
		os.Exit(3)
	}
	if os.Getenv("TEST_INIT_ERROR") != "" {
		// What a runtime does when the function cannot initialise.
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"errorMessage":"TABLE_NAME is not set","errorType":"ConfigError"}`))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "ConfigError")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		os.Exit(1)
	}
	fmt.Println("init: ready")
	lambda.Start(handle)
}
