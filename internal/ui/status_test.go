package ui

import (
	"bytes"
	"testing"

	"github.com/orders-dev/orders/internal/pipeline"
)

var statusRows = []pipeline.ResourceStatus{
	{Kind: "table", Name: "OrdersTable", ARN: "arn:aws:dynamodb:us-east-1:123456789012:table/OrdersTable", State: "present"},
	{Kind: "topic", Name: "HighValueOrderTopic", State: "missing"},
	{Kind: "function", Name: "ProcessOrderFunction", ARN: "arn:aws:lambda:us-east-1:123456789012:function:ProcessOrderFunction", State: "drifted",
		Drift: []string{"environment THRESHOLD is 50, want 100", "architecture x86_64, want arm64"}},
}

func TestRenderStatusGolden(t *testing.T) {
	for name, color := range map[string]bool{"status_plain": false, "status_color": true} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RenderStatus(&out, NewStyles(&out, color), statusRows); err != nil {
				t.Fatal(err)
			}
			golden(t, name, out.Bytes())
		})
	}
}
