package handler

import (
	"errors"
	"strings"
	"testing"
)

// Every bad event is a *ValidationError naming the problem, stores nothing,
// publishes nothing, and logs one "rejected" line.
func TestHandleRejectsBadEvents(t *testing.T) {
	long := strings.Repeat("A", 1000)
	tests := []struct {
		name    string
		payload string
		want    []string // substrings of the error message
	}{
		{"empty id", `{"OrderId":"","Amount":5}`, []string{"OrderId: must not be empty"}},
		{"string amount abc", `{"OrderId":"ORD-1","Amount":"abc"}`, []string{`Amount: must be a JSON number, got string "abc"`}},
		{"numeric string amount", `{"OrderId":"ORD-1","Amount":"250"}`, []string{"Amount: must be a JSON number, got string", `write 250, not "250"`}},
		{"negative", `{"OrderId":"ORD-1","Amount":-3}`, []string{"Amount: must be >= 0, got -3"}},
		{"negative cents", `{"OrderId":"ORD-1","Amount":-0.01}`, []string{"Amount: must be >= 0"}},
		{"overflow 1e400", `{"OrderId":"ORD-1","Amount":1e400}`, []string{"Amount: too large: 1e400"}},
		{"at the cap", `{"OrderId":"ORD-1","Amount":1000000000000000}`, []string{"Amount: too large"}},
		{"three decimals", `{"OrderId":"ORD-1","Amount":1.234}`, []string{"Amount: at most 2 decimal places, got 1.234"}},
		{"tiny exponent", `{"OrderId":"ORD-1","Amount":1e-3}`, []string{"Amount: at most 2 decimal places"}},
		{"missing both", `{}`, []string{"OrderId: missing", "Amount: missing"}},
		{"missing amount", `{"OrderId":"ORD-1"}`, []string{"Amount: missing"}},
		{"missing id", `{"Amount":5}`, []string{"OrderId: missing"}},
		{"wrong-case names", `{"orderId":"ORD-1","amount":5}`, []string{`found "orderId", expected "OrderId"`, `found "amount", expected "Amount"`}},
		{"null amount", `{"OrderId":"ORD-1","Amount":null}`, []string{"Amount: must be a JSON number, got null"}},
		{"null id", `{"OrderId":null,"Amount":5}`, []string{"OrderId: must be a string, got null"}},
		{"number id", `{"OrderId":1001,"Amount":5}`, []string{"OrderId: must be a string, got number"}},
		{"bool amount", `{"OrderId":"ORD-1","Amount":true}`, []string{"Amount: must be a JSON number, got boolean"}},
		{"object amount", `{"OrderId":"ORD-1","Amount":{"value":5}}`, []string{"Amount: must be a JSON number, got object"}},
		{"array amount", `{"OrderId":"ORD-1","Amount":[5]}`, []string{"Amount: must be a JSON number, got array"}},
		{"null payload", `null`, []string{"event: must be a JSON object", "got null"}},
		{"array payload", `[{"OrderId":"ORD-1","Amount":5}]`, []string{"event: must be a JSON object", "got array"}},
		{"string payload", `"ORD-1"`, []string{"got string"}},
		{"number payload", `250`, []string{"got number"}},
		{"bool payload", `true`, []string{"got boolean"}},
		{"empty payload", ``, []string{"event: empty payload"}},
		{"blank payload", " \n\t", []string{"event: empty payload"}},
		{"invalid JSON", `{"OrderId":"ORD-1",`, []string{"event: not valid JSON"}},
		{"NaN literal", `{"OrderId":"ORD-1","Amount":NaN}`, []string{"event: not valid JSON"}},
		{"trailing data", `{"OrderId":"ORD-1","Amount":5} x`, []string{"event: not valid JSON"}},
		{"two objects", `{"OrderId":"ORD-1","Amount":5}{"OrderId":"ORD-2","Amount":6}`, []string{"event: not valid JSON"}},
		{"duplicate id", `{"OrderId":"ORD-1","OrderId":"ORD-2","Amount":5}`, []string{"field OrderId appears more than once"}},
		{"duplicate amount", `{"OrderId":"ORD-1","Amount":5,"Amount":500}`, []string{"field Amount appears more than once"}},
		{"huge id", `{"OrderId":"` + long + `","Amount":5}`, []string{"OrderId: too long: 1000 characters (at most 64)"}},
		{"65-char id", `{"OrderId":"` + strings.Repeat("x", 65) + `","Amount":5}`, []string{"too long: 65 characters"}},
		{"space in id", `{"OrderId":"ORD 1","Amount":5}`, []string{`OrderId: character ' ' at position 4 is not allowed`}},
		{"slash in id", `{"OrderId":"a/b","Amount":5}`, []string{"character '/'"}},
		{"unicode in id", `{"OrderId":"ORD-é","Amount":5}`, []string{"character 'é'"}},
		{"escaped newline in id", `{"OrderId":"ORD\n1","Amount":5}`, []string{`character '\n'`}},
		{"both bad", `{"OrderId":"","Amount":-1}`, []string{"OrderId: must not be empty", "Amount: must be >= 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, "100")
			res, err := r.handle(t, tt.payload)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v (%T), want *ValidationError", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nwant it to contain %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "nothing stored") {
				t.Errorf("error %q does not say nothing was stored", err)
			}
			if res.Stored || res.Notified || res.Duplicate || res.MessageID != "" {
				t.Errorf("result %+v for a rejected event", res)
			}
			if r.table.puts != 0 || r.table.count() != 0 {
				t.Errorf("%d PutItem calls, %d items for a rejected event", r.table.puts, r.table.count())
			}
			if r.topic.attempts != 0 {
				t.Errorf("%d Publish calls for a rejected event", r.topic.attempts)
			}
			lines := r.logLines(t)
			if len(lines) != 1 || lines[0]["outcome"] != "rejected" {
				t.Fatalf("log lines %v, want one with outcome rejected", lines)
			}
			if len(r.logs.String()) > 2000 {
				t.Errorf("log line is %d bytes: untrusted input is not shortened", len(r.logs.String()))
			}
		})
	}
}

func TestParseOrderAcceptsGoodEvents(t *testing.T) {
	tests := []struct {
		payload, id, amount string
	}{
		{`{"OrderId":"ORD-1001","Amount":250}`, "ORD-1001", "250"},
		{` {"Amount": 99.99, "OrderId": "ORD-1002"} `, "ORD-1002", "99.99"},
		{`{"OrderId":"a.b:c_d-E9","Amount":0}`, "a.b:c_d-E9", "0"},
		{`{"OrderId":"ORD-1","Amount":250.00}`, "ORD-1", "250"},
		{`{"OrderId":"ORD-1","Amount":1.5e2}`, "ORD-1", "150"},
		{`{"OrderId":"ORD-1","Amount":999999999999999.99}`, "ORD-1", "999999999999999.99"},
		{`{"OrderId":"` + strings.Repeat("x", 64) + `","Amount":1}`, strings.Repeat("x", 64), "1"},
		// Lenient on extra fields: events may carry context.
		{`{"OrderId":"ORD-1","Amount":5,"Customer":{"id":7},"Note":null,"orderid":"x"}`, "ORD-1", "5"},
		{`{"OrderId":"ORD\u002d1","Amount":5}`, "ORD-1", "5"},
	}
	for _, tt := range tests {
		o, err := ParseOrder([]byte(tt.payload))
		if err != nil {
			t.Errorf("ParseOrder(%s): %v", tt.payload, err)
			continue
		}
		if o.OrderID != tt.id || o.Amount.String() != tt.amount {
			t.Errorf("ParseOrder(%s) = %q %s, want %q %s", tt.payload, o.OrderID, o.Amount, tt.id, tt.amount)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := ConfigFromEnv(env(map[string]string{"TABLE_NAME": "OrdersTable", "TOPIC_ARN": testTopic}))
	if err != nil {
		t.Fatal(err)
	}
	if c.TableName != "OrdersTable" || c.TopicARN != testTopic || c.Threshold.String() != "100" {
		t.Fatalf("got %+v", c)
	}
	c, err = ConfigFromEnv(env(map[string]string{"TABLE_NAME": "T", "TOPIC_ARN": testTopic, "THRESHOLD": " 99.50 "}))
	if err != nil || c.Threshold.String() != "99.5" {
		t.Fatalf("THRESHOLD 99.50: %+v, %v", c, err)
	}

	bad := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{}, []string{"TABLE_NAME: not set", "TOPIC_ARN: not set"}},
		{map[string]string{"TABLE_NAME": "T", "TOPIC_ARN": "HighValueOrderTopic"}, []string{"TOPIC_ARN: not an ARN"}},
		{map[string]string{"TABLE_NAME": "T", "TOPIC_ARN": testTopic, "THRESHOLD": "abc"}, []string{"THRESHOLD: not a decimal number"}},
		{map[string]string{"TABLE_NAME": "T", "TOPIC_ARN": testTopic, "THRESHOLD": "-1"}, []string{"THRESHOLD: must be >= 0"}},
		{map[string]string{"TABLE_NAME": "T", "TOPIC_ARN": testTopic, "THRESHOLD": "1.001"}, []string{"THRESHOLD: at most 2 decimal places"}},
	}
	for _, b := range bad {
		_, err := ConfigFromEnv(env(b.env))
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("env %v: err %v, want *ConfigError", b.env, err)
			continue
		}
		for _, w := range b.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("env %v: error %q lacks %q", b.env, err, w)
			}
		}
	}
}
