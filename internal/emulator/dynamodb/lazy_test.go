package dynamodb

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// fillTable creates table Orders (hash pk, numeric sort key sk) on a durable
// store in a new dir, with count items in partitions p0..p9, and returns it.
func fillTable(t *testing.T, count int) *testEnv {
	t.Helper()
	e := newDiskEnv(t, t.TempDir())
	e.createTable("Orders", "pk", types.ScalarAttributeTypeN)
	for i := 0; i < count; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < min(count, i+25); j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": s(fmt.Sprintf("p%d", j%10)), "sk": n(fmt.Sprint(j)), "note": s("some text of an order"),
			}}})
		}
		if _, err := e.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Orders": reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Opening the service reads tables, not items: it allocates as much for a
// table of 2,000 items as for one of 10.
func TestOpenDoesNotReadItems(t *testing.T) {
	small, big := fillTable(t, 10), fillTable(t, 2000)
	open := func(e *testEnv) float64 {
		return testing.AllocsPerRun(3, func() {
			if _, err := New(e.st, Options{}); err != nil {
				t.Fatal(err)
			}
		})
	}
	a, b := open(small), open(big)
	if b > 2*a+50 {
		t.Fatalf("opening a table of 2000 items allocates %.0f times, of 10 items %.0f: items are read at open", b, a)
	}

	// The reopened service answers from the store.
	e2 := serve(t, big.st, dispatch.Options{})
	d, err := e2.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")})
	if err != nil || aws.ToInt64(d.Table.ItemCount) != 2000 {
		t.Fatalf("DescribeTable after reopen: %v %+v", err, d)
	}
	q, err := e2.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("Orders"), KeyConditionExpression: aws.String("pk = :p AND sk > :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p3"), ":s": n("100")},
		ScanIndexForward:          aws.Bool(false), Limit: aws.Int32(3),
	})
	if err != nil || len(q.Items) != 3 || render(q.Items[0]["sk"]) != "N:1993" || render(q.Items[2]["sk"]) != "N:1973" || q.LastEvaluatedKey == nil {
		t.Fatalf("Query after reopen: %v %+v", err, q)
	}
	if got := big.get("Orders", map[string]types.AttributeValue{"pk": s("p7"), "sk": n("1007")}); render(got["note"]) != `S:"some text of an order"` {
		t.Fatalf("GetItem after reopen: %v", got)
	}
}

// A data dir written before table statistics were kept gets them counted
// once, at open.
func TestOpenCountsItemsOfOldDataDir(t *testing.T) {
	e := fillTable(t, 60)
	if err := e.st.Write(store.Del(statsBucket, tableKey("us-east-1", "Orders"))); err != nil {
		t.Fatal(err)
	}
	e2 := serve(t, e.st, dispatch.Options{})
	d, err := e2.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")})
	if err != nil || aws.ToInt64(d.Table.ItemCount) != 60 || aws.ToInt64(d.Table.TableSizeBytes) == 0 {
		t.Fatalf("DescribeTable: %v %+v", err, d.Table)
	}
	if b, err := e.st.Get(statsBucket, tableKey("us-east-1", "Orders")); err != nil || b == nil {
		t.Fatalf("statistics not recorded at open: %q %v", b, err)
	}
}
