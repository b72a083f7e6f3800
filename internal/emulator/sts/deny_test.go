package sts

import (
	"context"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssts "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type denyAll struct{}

func (denyAll) Authorize(_ context.Context, call *service.Call, action, resource string, _ map[string][]string) error {
	return service.AccessDenied(call.Service, call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
}

func dump(t *testing.T, st *store.Store) map[string]string {
	out := map[string]string{}
	for _, b := range []string{bucketSessions, bucketExpired} {
		_ = st.ForEach(b, func(k, v []byte) error { out[b+"/"+string(k)] = string(v); return nil })
	}
	return out
}

// Every operation but GetCallerIdentity is denied; GetCallerIdentity needs
// no permission on AWS (an explicit deny of it has no effect).
func TestDenyAllAuthorizer(t *testing.T) {
	caller := service.Principal{ARN: "arn:aws:iam::000000000000:user/U", UserName: "U", AccessKeyID: "AKIADENIED0000000000"}
	e := newEnv(t, nil, dispatch.Options{Authz: denyAll{},
		Identity: staticIdentity{akid: caller.AccessKeyID, secret: "secret", p: caller}})
	c := awssts.NewFromConfig(emutest.ConfigFor(e.url, caller.AccessKeyID, "secret", ""))
	before := dump(t, e.st)
	calls := map[string]func() error{
		"AssumeRole": func() error {
			_, err := c.AssumeRole(ctx, &awssts.AssumeRoleInput{RoleArn: aws.String(openARN), RoleSessionName: aws.String("s1")})
			return err
		},
		"GetCallerIdentity": func() error {
			_, err := c.GetCallerIdentity(ctx, &awssts.GetCallerIdentityInput{})
			return err
		},
	}
	for _, op := range e.svc.Operations() {
		call, ok := calls[op]
		if !ok {
			t.Errorf("%s: not exercised", op)
			continue
		}
		err := call()
		switch op {
		case "GetCallerIdentity":
			if err != nil {
				t.Errorf("GetCallerIdentity denied: %v", err)
			}
		default:
			if apiCode(err) != "AccessDenied" {
				t.Errorf("%s: %v, want AccessDenied", op, err)
			}
		}
	}
	if !reflect.DeepEqual(before, dump(t, e.st)) {
		t.Error("denied requests changed the store")
	}
}
