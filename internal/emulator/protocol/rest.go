package protocol

import (
	"encoding/json"
	"net/http"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// WriteRESTJSON answers a restJson1 success with v as the body.
func WriteRESTJSON(w http.ResponseWriter, status int, requestID string, v any) {
	body := []byte("{}")
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			WriteRESTError(w, requestID, service.Internal(err))
			return
		}
	}
	write(w, status, "application/json", requestID, body)
}

// WriteRESTError answers a restJson1 error: the code in X-Amzn-ErrorType
// (what the SDKs read first) and {"Type","message"} in the body.
func WriteRESTError(w http.ResponseWriter, requestID string, e *service.Error) {
	typ := "User"
	if !e.Sender {
		typ = "Service"
	}
	body, _ := json.Marshal(map[string]string{"Type": typ, "message": e.Message})
	w.Header().Set("X-Amzn-Errortype", e.Code)
	write(w, e.HTTPStatus(), "application/json", requestID, body)
}
