package iam

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const account = "000000000000"

var ctx = context.Background()

const trustLambda = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"Service": "lambda.amazonaws.com"},
      "Action": "sts:AssumeRole"
    }
  ]
}`

const tableARN = "arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable"

const functionPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PutOrders",
      "Effect": "Allow",
      "Action": "dynamodb:PutItem",
      "Resource": "arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable"
    },
    {
      "Sid": "NoDeletes",
      "Effect": "Deny",
      "Action": "dynamodb:DeleteTable",
      "Resource": "*"
    }
  ]
}`

type env struct {
	svc    *Service
	st     *store.Store
	dir    string
	client *awsiam.Client
	url    string
}

func openStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// newEnv serves a fresh IAM over HTTP with the options given, closing
// everything at the end of the test.
func newEnv(t testing.TB, opts dispatch.Options) *env {
	t.Helper()
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, svc, st, "", opts)
}

func serve(t testing.TB, svc *Service, st *store.Store, dir string, opts dispatch.Options) *env {
	t.Helper()
	d := dispatch.New(opts)
	svc.Register(d)
	cfg, srv := emutest.Config(t, d)
	return &env{svc: svc, st: st, dir: dir, client: awsiam.NewFromConfig(cfg), url: srv.URL}
}

// apiCode returns the AWS error code of err ("" if none).
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// must fails the test on err; use as must(client.Op(ctx, in))(t).
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// decodeDoc undoes IAM's URL encoding, as clients must.
func decodeDoc(t *testing.T, s *string) string {
	t.Helper()
	if s == nil {
		t.Fatal("document missing")
	}
	d, err := url.QueryUnescape(*s)
	if err != nil {
		t.Fatalf("document %q is not URL-encoded: %v", *s, err)
	}
	return d
}

func createRole(t testing.TB, e *env, name string) {
	t.Helper()
	must(e.client.CreateRole(ctx, &awsiam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trustLambda)}))(t)
}

// signedQuery posts an awsQuery form signed with the given keys and returns
// the status and body.
func signedQuery(t *testing.T, endpoint, svc, akid, secret string, form url.Values) (int, string) {
	t.Helper()
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req,
		hex.EncodeToString(sum[:]), svc, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// staticIdentity resolves one access key to a non-administrator principal.
type staticIdentity struct {
	akid, secret string
	p            service.Principal
}

func (s staticIdentity) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != s.akid {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return s.p, s.secret, "", time.Time{}, true
}

// denyAll refuses everything, as the lead's authorizer would for a
// principal without permissions.
type denyAll struct{}

func (denyAll) Authorize(_ context.Context, call *service.Call, action, resource string, _ map[string][]string) error {
	return service.AccessDenied(call.Service, call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
}

// dump returns every key and value IAM has in the store.
func dump(t *testing.T, st *store.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, b := range []string{bucketRoles, bucketUsers, bucketPolicies, bucketDeletedKeys} {
		if err := st.ForEach(b, func(k, v []byte) error {
			out[b+"/"+string(k)] = string(v)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
