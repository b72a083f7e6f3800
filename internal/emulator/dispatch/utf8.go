package dispatch

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Every string AWS's APIs take is Unicode: a request whose bytes are not
// valid UTF-8 is refused, where a lenient decoder would put U+FFFD in their
// place and store something the client never sent. awsJson services fail
// to parse it (SerializationException); SQS names the character it
// refuses (InvalidMessageContents, its error for characters outside the
// allowed set); Lambda cannot read the body (InvalidRequestContentException);
// awsQuery services refuse the parameter (SNS InvalidParameter, IAM
// InvalidInput, STS ValidationError).

// invalidUTF8 is the offset of the first byte of b that is not valid
// UTF-8, or -1.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// checkUTF8Body refuses a JSON (awsJson or REST) body that is not valid UTF-8.
func checkUTF8Body(svc string, body []byte) *service.Error {
	at := invalidUTF8(body)
	if at < 0 {
		return nil
	}
	switch svc {
	case "sqs":
		return &service.Error{Status: 400, Code: "InvalidMessageContents", QueryCode: "InvalidMessageContents", Sender: true,
			Message: "Invalid binary character was found in the request at byte " + strconv.Itoa(at) + ": it is not valid UTF-8; the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"}
	case "lambda":
		return service.Errorf(400, "InvalidRequestContentException", "Could not parse request body into json: invalid UTF-8 at byte %d", at)
	}
	return service.Errorf(400, "SerializationException", "could not parse request body: invalid UTF-8 at byte %d; strings must be UTF-8", at)
}

// checkUTF8Form refuses an awsQuery form with a name or value that is not
// valid UTF-8 once decoded.
func checkUTF8Form(svc string, form url.Values) *service.Error {
	for k, vs := range form {
		bad := !utf8.ValidString(k)
		for _, v := range vs {
			bad = bad || !utf8.ValidString(v)
		}
		if !bad {
			continue
		}
		msg := "Invalid parameter: " + printable(k) + " is not valid UTF-8"
		switch svc {
		case "iam":
			return service.Errorf(400, "InvalidInput", "%s", msg)
		case "sts":
			return service.Errorf(400, "ValidationError", "%s", msg)
		}
		return service.Errorf(400, "InvalidParameter", "%s", msg)
	}
	return nil
}

// printable is s with invalid bytes shown as U+FFFD, for a message.
func printable(s string) string {
	return string([]rune(s))
}

// checkContentType refuses an awsJson request that does not say it is JSON.
// AWS's JSON front end routes on X-Amz-Target and Content-Type together: a
// request with any other content type (or none) is an operation it does not
// know, answered <UnknownOperationException/> with 404 (DynamoDB answers
// application/x-amz-json-1.1 so, and Kinesis application/octet-stream),
// while the service's own application/x-amz-json-1.x and plain
// application/json (with or without a charset) are served. The answer here
// keeps the awsJson error shape so SDKs can read it.
func checkContentType(r *http.Request, want string) *service.Error {
	got := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(got)
	if err == nil && (mt == want || mt == "application/json") {
		return nil
	}
	if got == "" {
		got = "none"
	}
	return service.Errorf(404, "UnknownOperationException", "Content-Type %s is not %s: send the request as %s", got, want, want)
}
