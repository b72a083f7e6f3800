package sts

import (
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
)

// BenchmarkResolve is the dispatcher's per-request lookup of a session.
func BenchmarkResolve(b *testing.B) {
	e := newEnv(b, nil, dispatch.Options{})
	c, err := e.svc.IssueRoleSession(ctx, account, lambdaARN, "fn", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, _, _, ok := e.svc.Resolve(ctx, c.AccessKeyID); !ok {
				b.Fatal("not resolved")
			}
		}
	})
}
