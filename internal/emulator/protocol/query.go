package protocol

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// QueryService describes an awsQuery service's wire details.
type QueryService struct {
	XMLNamespace string // e.g. http://sns.amazonaws.com/doc/2010-03-31/
	// LegacyCodes answers errors with their QueryCode where they have one:
	// SQS's awsQuery codes (AWS.SimpleQueueService.NonExistentQueue) differ
	// from the names its awsJson protocol uses.
	LegacyCodes bool
	// OmitNilResult writes no result element for a nil result: AWS answers
	// an operation that has no output shape (SQS DeleteMessage, SNS
	// DeleteTopic) with ResponseMetadata alone.
	OmitNilResult bool
}

// WriteResult answers <OpResponse><OpResult>v</OpResult><ResponseMetadata/>.
// v's own XMLName, if any, is overridden: the result element is always named
// after the operation, which is where SDKs start parsing.
func (s QueryService) WriteResult(w http.ResponseWriter, op, requestID string, v any) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString("<" + op + `Response xmlns="` + s.XMLNamespace + `">`)
	if v != nil {
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: op + "Result"}}); err != nil {
			s.WriteError(w, requestID, service.Internal(err))
			return
		}
		if err := enc.Flush(); err != nil {
			s.WriteError(w, requestID, service.Internal(err))
			return
		}
	} else if !s.OmitNilResult {
		buf.WriteString("<" + op + "Result/>")
	}
	buf.WriteString("<ResponseMetadata><RequestId>")
	_ = xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</RequestId></ResponseMetadata></" + op + "Response>")
	write(w, http.StatusOK, "text/xml", requestID, buf.Bytes())
}

// WriteError answers <ErrorResponse><Error><Type/><Code/><Message/></Error>.
func (s QueryService) WriteError(w http.ResponseWriter, requestID string, e *service.Error) {
	var buf bytes.Buffer
	fault := "Sender"
	if !e.Sender {
		fault = "Receiver"
	}
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString(`<ErrorResponse xmlns="` + s.XMLNamespace + `"><Error><Type>` + fault + `</Type><Code>`)
	code := e.Code
	if s.LegacyCodes && e.QueryCode != "" {
		code = e.QueryCode
	}
	_ = xml.EscapeText(&buf, []byte(code))
	buf.WriteString("</Code><Message>")
	_ = xml.EscapeText(&buf, []byte(e.Message))
	buf.WriteString("</Message>")
	if s.LegacyCodes {
		buf.WriteString("<Detail/>") // as SQS writes its errors
	}
	buf.WriteString("</Error><RequestId>")
	_ = xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</RequestId></ErrorResponse>")
	write(w, e.HTTPStatus(), "text/xml", requestID, buf.Bytes())
}

func write(w http.ResponseWriter, status int, contentType, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
