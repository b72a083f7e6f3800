package sns

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// notification is what SNS wraps a message in for non-raw deliveries.
type notification struct {
	MessageID, TopicARN, Subject, Message, Timestamp string
	HasSubject                                       bool
	SignatureVersion, Signature, SigningCertURL      string
	Attributes                                       map[string]service.MessageAttribute
}

// envelope writes the notification exactly as SNS does: two-space indent,
// `"Key" : value`, fields in this order, Subject and MessageAttributes only
// when present; the UnsubscribeURL names the subscription.
func envelope(n notification, unsubscribeURL string) string {
	var b strings.Builder
	b.WriteString("{\n")
	first := true
	field := func(k, v string) {
		if !first {
			b.WriteString(",\n")
		}
		first = false
		b.WriteString("  ")
		b.WriteString(jsonString(k))
		b.WriteString(" : ")
		b.WriteString(v)
	}
	field("Type", jsonString("Notification"))
	field("MessageId", jsonString(n.MessageID))
	field("TopicArn", jsonString(n.TopicARN))
	if n.HasSubject {
		field("Subject", jsonString(n.Subject))
	}
	field("Message", jsonString(n.Message))
	field("Timestamp", jsonString(n.Timestamp))
	field("SignatureVersion", jsonString(n.SignatureVersion))
	field("Signature", jsonString(n.Signature))
	field("SigningCertURL", jsonString(n.SigningCertURL))
	field("UnsubscribeURL", jsonString(unsubscribeURL))
	if len(n.Attributes) > 0 {
		var a strings.Builder
		a.WriteString("{\n")
		for i, name := range slices.Sorted(maps.Keys(n.Attributes)) {
			attr := n.Attributes[name]
			v := attr.StringValue
			if isBinaryType(attr.DataType) {
				v = base64.StdEncoding.EncodeToString(attr.BinaryValue)
			}
			if i > 0 {
				a.WriteString(",\n")
			}
			a.WriteString("    ")
			a.WriteString(jsonString(name))
			a.WriteString(` : {"Type":`)
			a.WriteString(jsonString(attr.DataType))
			a.WriteString(`,"Value":`)
			a.WriteString(jsonString(v))
			a.WriteString("}")
		}
		a.WriteString("\n  }")
		field("MessageAttributes", a.String())
	}
	b.WriteString("\n}")
	return b.String()
}

// jsonString quotes s as JSON without Go's HTML escaping (SNS writes < > &
// as they are).
func jsonString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(buf.String(), "\n")
}

func isBinaryType(dataType string) bool {
	return dataType == "Binary" || strings.HasPrefix(dataType, "Binary.")
}
