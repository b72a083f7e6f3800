// Package sdkhttp holds the HTTP client every AWS SDK client in orders uses
// (the CLI, the Lambda function, the tests and benchmarks): the SDK's own
// buildable client behind one fix for a race in the SDK's request path.
//
// The race: smithy-go's ClientHandler closes the request body as soon as
// http.Client.Do returns, which is when the response headers have arrived.
// net/http's writeLoop may not be done with that body yet: after copying
// Content-Length bytes it makes one more copy into io.Discard to see
// whether the body was longer than declared. The SDK wraps each body in a
// safeReadCloser whose WriteTo answers io.EOF once closed — as an error,
// where io.Copy expects nil at the end — so that last copy fails, the
// transport takes it for a write error and closes the connection, and the
// caller, already reading a 200 response, gets "deserialization failed …
// use of closed network connection". The server did everything right. It
// needs only that the server answer before the client's writeLoop runs on
// (a loaded machine, or a fast local server), and it is the failure
// reported in aws/aws-sdk-go-v2 issues #1825, #2737 and #2935.
//
// Hiding WriteTo makes that last copy go through Read, which after Close
// returns (0, io.EOF): io.Copy's normal end, no error, and the connection
// stays usable.
//
// It is not under internal/ so that the Lambda function (which may import
// nothing from internal/) uses the same client against real AWS.
package sdkhttp

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Client wraps an SDK HTTP client so that a request body closed by the SDK
// while the transport still holds it cannot break the response.
type Client struct {
	aws.HTTPClient
}

// New is the SDK's buildable client (its timeouts and proxy settings), with
// opts applied to its transport, behind the fix.
func New(opts ...func(*http.Transport)) Client {
	return Client{HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(opts...)}
}

// Wrap puts c (the SDK's default client when nil) behind the fix. Wrap the
// client the SDK's config loader returns rather than handing it a wrapped
// one: the loader applies AWS_CA_BUNDLE only to its own BuildableClient.
func Wrap(c aws.HTTPClient) aws.HTTPClient {
	switch c := c.(type) {
	case nil:
		return New()
	case Client:
		return c
	default:
		return Client{HTTPClient: c}
	}
}

// Do sends req with its body's WriteTo hidden (see the package comment).
func (c Client) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		if _, ok := req.Body.(io.WriterTo); ok {
			req.Body = readCloser{req.Body}
		}
	}
	return c.HTTPClient.Do(req)
}

// readCloser exposes only Read and Close of the body it holds.
type readCloser struct{ rc io.ReadCloser }

func (r readCloser) Read(p []byte) (int, error) { return r.rc.Read(p) }
func (r readCloser) Close() error               { return r.rc.Close() }
