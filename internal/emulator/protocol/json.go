package protocol

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"net/http"
	"strconv"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// JSONService describes an awsJson service's wire details.
type JSONService struct {
	ContentType string // application/x-amz-json-1.0 or -1.1
	// ErrorNamespace prefixes __type (com.amazonaws.dynamodb.v20120810#);
	// SDKs strip everything up to '#'.
	ErrorNamespace string
	// QueryCompatible services (SQS) also send x-amzn-query-error so SDKs
	// built for the older awsQuery protocol map the legacy code.
	QueryCompatible bool
	// CRC32 adds X-Amz-Crc32 (the IEEE CRC32 of the body), which DynamoDB
	// always sends and its SDKs verify on every response.
	CRC32 bool
}

// WriteJSON answers 200 with v encoded as JSON.
func (s JSONService) WriteJSON(w http.ResponseWriter, requestID string, v any) {
	var buf bytes.Buffer
	if v == nil {
		buf.WriteString("{}")
	} else if err := json.NewEncoder(&buf).Encode(v); err != nil {
		s.WriteError(w, requestID, service.Internal(err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", s.ContentType)
	h.Set("X-Amzn-Requestid", requestID)
	if s.CRC32 {
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(buf.Bytes())), 10))
	}
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// WriteError answers an error as {"__type": ..., "message": ...}.
func (s JSONService) WriteError(w http.ResponseWriter, requestID string, e *service.Error) {
	members := map[string]any{
		"__type":  s.ErrorNamespace + e.Code,
		"message": e.Message,
	}
	for k, v := range e.Fields {
		if _, taken := members[k]; !taken {
			members[k] = v
		}
	}
	body, err := json.Marshal(members)
	if err != nil { // a field that cannot be encoded: answer without the extras
		body, _ = json.Marshal(map[string]string{"__type": s.ErrorNamespace + e.Code, "message": e.Message})
	}
	h := w.Header()
	h.Set("Content-Type", s.ContentType)
	h.Set("X-Amzn-Requestid", requestID)
	if s.QueryCompatible {
		code := e.QueryCode
		if code == "" {
			code = e.Code
		}
		fault := "Sender"
		if !e.Sender {
			fault = "Receiver"
		}
		h.Set("X-Amzn-Query-Error", code+";"+fault)
	}
	if s.CRC32 {
		h.Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.HTTPStatus())
	_, _ = w.Write(body)
}

// DecodeJSON decodes a request body, answering malformed input the way
// awsJson services do (SerializationException), never a 500.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return service.Errorf(400, "SerializationException", "could not parse request body: %v", err)
	}
	return nil
}
