package service

import "context"

type callKey struct{}

// WithCall attaches the call to a context; REST services (Lambda) read it
// back in their http.Handler.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

// CallFrom returns the call served in ctx, or nil.
func CallFrom(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}
