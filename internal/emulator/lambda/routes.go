package lambda

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// ServeHTTP routes a restJson1 request to its operation by method and path,
// as Lambda's HTTP bindings define them.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	call := service.CallFrom(r.Context())
	if call == nil {
		writeError(w, service.UUID(), service.Internal(errors.New("lambda request arrived without a call")))
		return
	}
	segs, err := pathSegments(r.URL.EscapedPath())
	if err != nil {
		writeError(w, call.RequestID, service.Errorf(400, "InvalidParameterValueException", "malformed request path: %v", err))
		return
	}
	status, out, herr := s.route(w, r, call, segs)
	switch {
	case herr != nil:
		e := service.AsError(herr)
		if e.HTTPStatus() >= 500 {
			s.log.Error("lambda request failed", "op", call.Operation, "err", herr)
		}
		writeError(w, call.RequestID, e)
	case status == 0:
		// The operation wrote its own answer (Invoke).
	case status == http.StatusNoContent:
		w.Header().Set("X-Amzn-Requestid", call.RequestID)
		w.WriteHeader(status)
	default:
		protocol.WriteRESTJSON(w, status, call.RequestID, out)
	}
}

func (s *Service) route(w http.ResponseWriter, r *http.Request, call *service.Call, segs []string) (int, any, error) {
	m := r.Method
	switch {
	case len(segs) == 2 && segs[0] == "2015-03-31" && segs[1] == "functions":
		switch m {
		case http.MethodPost:
			call.Operation = "CreateFunction"
			return s.createFunction(call, r)
		case http.MethodGet:
			call.Operation = "ListFunctions"
			return s.listFunctions(call, r.URL.Query())
		}
	case len(segs) == 3 && segs[0] == "2015-03-31" && segs[1] == "functions":
		switch m {
		case http.MethodGet:
			call.Operation = "GetFunction"
			if err := checkQualifierParam(call.Operation, segs[2], r.URL.Query()); err != nil {
				return 0, nil, err
			}
			return s.getFunction(call, segs[2], r.URL.Query().Get("Qualifier"))
		case http.MethodDelete:
			call.Operation = "DeleteFunction"
			if err := checkQualifierParam(call.Operation, segs[2], r.URL.Query()); err != nil {
				return 0, nil, err
			}
			return s.deleteFunction(call, segs[2], r.URL.Query().Get("Qualifier"))
		}
	case len(segs) == 4 && segs[0] == "2015-03-31" && segs[1] == "functions":
		name := segs[2]
		switch segs[3] + " " + m {
		case "configuration GET":
			call.Operation = "GetFunctionConfiguration"
			if err := checkQualifierParam(call.Operation, name, r.URL.Query()); err != nil {
				return 0, nil, err
			}
			return s.getFunctionConfiguration(call, name, r.URL.Query().Get("Qualifier"))
		case "configuration PUT":
			call.Operation = "UpdateFunctionConfiguration"
			return s.updateFunctionConfiguration(call, name, r)
		case "code PUT":
			call.Operation = "UpdateFunctionCode"
			return s.updateFunctionCode(call, name, r)
		case "code GET":
			// Not an AWS operation: where GetFunction's Code.Location
			// points, so the zip can be downloaded as from S3.
			call.Operation = "GetFunction"
			return s.downloadCode(w, call, name)
		case "invocations POST":
			call.Operation = "Invoke"
			if err := checkQualifierParam(call.Operation, name, r.URL.Query()); err != nil {
				return 0, nil, err
			}
			return s.invoke(w, r, call, name)
		}
	case len(segs) == 2 && segs[0] == "2016-08-19" && segs[1] == "account-settings" && m == http.MethodGet:
		call.Operation = "GetAccountSettings"
		return s.getAccountSettings(call)
	case len(segs) == 3 && segs[0] == "2017-03-31" && segs[1] == "tags":
		switch m {
		case http.MethodPost:
			call.Operation = "TagResource"
			return s.tagResource(call, segs[2], r)
		case http.MethodDelete:
			call.Operation = "UntagResource"
			return s.untagResource(call, segs[2], r.URL.Query()["tagKeys"])
		case http.MethodGet:
			call.Operation = "ListTags"
			return s.listTags(call, segs[2])
		}
	}
	return 0, nil, service.Errorf(404, "UnknownOperationException", "Unknown operation %s %s", m, "/"+strings.Join(segs, "/"))
}

// pathSegments splits an escaped path and unescapes each segment, so an
// ARN label (arn%3Aaws%3Alambda...) or a name with %24LATEST survives.
func pathSegments(escaped string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(escaped, "/") {
		if p == "" {
			continue
		}
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// capitalMessage lists Lambda errors whose model names the message member
// "Message" rather than "message"; the SDKs fill the typed error's Message
// only from the member name the model declares.
var capitalMessage = map[string]bool{
	"ResourceNotFoundException":       true,
	"ServiceException":                true,
	"ResourceInUseException":          true,
	"InvalidRuntimeException":         true,
	"InvalidZipFileException":         true,
	"CodeVerificationFailedException": true,
	"InvalidCodeSignatureException":   true,
}

// writeError answers e in Lambda's restJson1 error shape.
func writeError(w http.ResponseWriter, requestID string, e *service.Error) {
	if e.Code == "InternalFailure" {
		// Lambda's own 500 is ServiceException; the SDK maps it.
		e = &service.Error{Status: e.HTTPStatus(), Code: "ServiceException", Message: e.Message}
	}
	if e.Code == "TooManyRequestsException" {
		w.Header().Set("Retry-After", "1")
	}
	if !capitalMessage[e.Code] {
		protocol.WriteRESTError(w, requestID, e)
		return
	}
	typ := "User"
	if !e.Sender {
		typ = "Service"
	}
	body, _ := json.Marshal(map[string]string{"Type": typ, "Message": e.Message})
	h := w.Header()
	h.Set("X-Amzn-Errortype", e.Code)
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// Errors with AWS's codes and messages.

func notFound(arn string) *service.Error {
	return service.Errorf(404, "ResourceNotFoundException", "Function not found: %s", arn)
}

func invalidParam(format string, args ...any) *service.Error {
	return service.Errorf(400, "InvalidParameterValueException", format, args...)
}

func conflict(format string, args ...any) *service.Error {
	return service.Errorf(409, "ResourceConflictException", format, args...)
}

func service413(format string, args ...any) *service.Error {
	return service.Errorf(413, "RequestEntityTooLargeException", format, args...)
}
