//go:build linux

package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/orders-dev/orders/function"
)

// TestFunctionCodeStaysInDataDir: the emulator unpacks function code under
// its data dir (0700), never at the shared $TMPDIR/orders-lambda-code of
// earlier versions, where another user could plant a bootstrap.
func TestFunctionCodeStaysInDataDir(t *testing.T) {
	zip, err := function.Zip(function.HostArch())
	if err != nil {
		t.Skipf("no function zip for this host: %v", err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	sum := sha256.Sum256(zip)
	shaDir := hex.EncodeToString(sum[:])
	marker := filepath.Join(t.TempDir(), "planted-code-ran")
	planted := filepath.Join(tmp, "orders-lambda-code", shaDir)
	if err := os.MkdirAll(planted, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(planted, "bootstrap"), []byte("#!/bin/sh\ntouch '"+marker+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	dataDir := t.TempDir()
	_, url := openAt(t, dataDir)
	ctx := context.Background()
	cfg := adminConfig(url)
	role, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn-role"), AssumeRolePolicyDocument: aws.String(trustPolicy)})
	if err != nil {
		t.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	if _, err := lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
		FunctionName: aws.String("ProcessOrderFunction"), Runtime: lambdatypes.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
		Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: zip},
		Architectures: []lambdatypes.Architecture{lambdatypes.Architecture(function.HostArch())},
		Environment: &lambdatypes.Environment{Variables: map[string]string{"TABLE_NAME": "OrdersTable",
			"TOPIC_ARN": "arn:aws:sns:us-east-1:" + DefaultAccount + ":HighValueOrderTopic"}},
	}); err != nil {
		t.Fatal(err)
	}
	// A bad event: the real function rejects it without touching a table.
	out, err := lc.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String("ProcessOrderFunction"), Payload: []byte(`{"OrderId":"","Amount":1}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out.Payload), "ValidationError") {
		t.Errorf("invoke answered %s, want the real function's ValidationError", out.Payload)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the bootstrap planted in TMPDIR ran")
	}
	codeDir := filepath.Join(dataDir, "lambda-code")
	fi, err := os.Stat(codeDir)
	if err != nil {
		t.Fatalf("code dir: %v", err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("%s has mode %v, want 0700", codeDir, fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(codeDir, shaDir, "bootstrap")); err != nil {
		t.Errorf("unpacked bootstrap not in the data dir: %v", err)
	}
}
