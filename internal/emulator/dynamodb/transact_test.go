package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type item = map[string]types.AttributeValue

// TransactWriteItems applies Put, Update, Delete and ConditionCheck
// actions across tables all together.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
func TestTransactWriteCommitsAll(t *testing.T) {
	e := newEnv(t)
	e.createTable("Orders", "pk", "")
	e.createTable("Stock", "pk", "")
	e.put("Stock", item{"pk": s("widget"), "count": n("5")})
	e.put("Orders", item{"pk": s("old")})
	out, err := e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("o1"), "qty": n("2")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{Update: &types.Update{TableName: aws.String("Stock"), Key: item{"pk": s("widget")}, UpdateExpression: aws.String("SET #c = #c - :q"),
				ConditionExpression:       aws.String("#c >= :q"),
				ExpressionAttributeNames:  map[string]string{"#c": "count"},
				ExpressionAttributeValues: item{":q": n("2")}}},
			{Delete: &types.Delete{TableName: aws.String("Orders"), Key: item{"pk": s("old")}}},
			{ConditionCheck: &types.ConditionCheck{TableName: aws.String("Stock"), Key: item{"pk": s("gadget")}, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := renderItem(e.get("Orders", item{"pk": s("o1")})); got != `{pk=S:"o1",qty=N:2}` {
		t.Errorf("put = %s", got)
	}
	if got := renderItem(e.get("Stock", item{"pk": s("widget")})); got != `{count=N:3,pk=S:"widget"}` {
		t.Errorf("update = %s", got)
	}
	if got := e.get("Orders", item{"pk": s("old")}); got != nil {
		t.Errorf("delete left %v", got)
	}
	if len(out.ConsumedCapacity) != 2 || aws.ToString(out.ConsumedCapacity[0].TableName) != "Orders" || aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits) != 4 {
		t.Errorf("ConsumedCapacity = %+v (transactional writes cost 2 units per KB)", out.ConsumedCapacity)
	}
}

// A failed condition cancels the whole transaction: TransactionCanceledException
// lists one reason per action in request order, "None" for those that did
// not fail, and the item when ReturnValuesOnConditionCheckFailure is ALL_OLD.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#API_TransactWriteItems_Errors
func TestTransactWriteCancellationReasons(t *testing.T) {
	e := newEnv(t)
	e.createTable("Orders", "pk", "")
	e.put("Orders", item{"pk": s("taken"), "v": n("1")})
	_, err := e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("new")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("Orders"), Key: item{"pk": s("taken")}, ConditionExpression: aws.String("attribute_not_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		{Update: &types.Update{TableName: aws.String("Orders"), Key: item{"pk": s("other")}, UpdateExpression: aws.String("SET v = :v"),
			ConditionExpression: aws.String("attribute_exists(pk)"), ExpressionAttributeValues: item{":v": n("2")}}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("got %v, want TransactionCanceledException", err)
	}
	if want := "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed]"; aws.ToString(tce.Message) != want {
		t.Errorf("message %q, want %q", aws.ToString(tce.Message), want)
	}
	r := tce.CancellationReasons
	if len(r) != 3 || aws.ToString(r[0].Code) != "None" || r[0].Message != nil || r[0].Item != nil ||
		aws.ToString(r[1].Code) != "ConditionalCheckFailed" || aws.ToString(r[1].Message) != "The conditional request failed" || renderItem(r[1].Item) != `{pk=S:"taken",v=N:1}` ||
		aws.ToString(r[2].Code) != "ConditionalCheckFailed" || r[2].Item != nil {
		t.Errorf("reasons = %s", renderReasons(r))
	}
	if got := e.get("Orders", item{"pk": s("new")}); got != nil {
		t.Errorf("a cancelled transaction wrote %v", got)
	}

	// An update that cannot apply cancels with a ValidationError reason
	// (as AWS answers it: "The provided expression refers to an attribute
	// that does not exist in the item").
	_, err = e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String("Orders"), Key: item{"pk": s("taken")}, UpdateExpression: aws.String("SET v = nothing + :one"), ExpressionAttributeValues: item{":one": n("1")}}},
		{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("new")}}},
	}})
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[0].Code) != "ValidationError" ||
		aws.ToString(tce.CancellationReasons[0].Message) != "The provided expression refers to an attribute that does not exist in the item" || aws.ToString(tce.CancellationReasons[1].Code) != "None" {
		t.Errorf("bad update: %v %s", err, renderReasons(tceReasons(tce)))
	}
	if got := e.get("Orders", item{"pk": s("new")}); got != nil {
		t.Errorf("a cancelled transaction wrote %v", got)
	}
}

func tceReasons(e *types.TransactionCanceledException) []types.CancellationReason {
	if e == nil {
		return nil
	}
	return e.CancellationReasons
}

func renderReasons(rs []types.CancellationReason) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "[%s %q %s]", aws.ToString(r.Code), aws.ToString(r.Message), renderItem(r.Item))
	}
	return b.String()
}

// The request's own rules: 1 to 100 actions, exactly one of Put, Update,
// Delete or ConditionCheck in each, and no item named twice.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
func TestTransactWriteValidation(t *testing.T) {
	e := newEnv(t)
	e.createTable("Orders", "pk", "")
	many := make([]types.TransactWriteItem, 101)
	for i := range many {
		many[i] = types.TransactWriteItem{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s(fmt.Sprint(i))}}}
	}
	cases := map[string]struct {
		items []types.TransactWriteItem
		msg   string
	}{
		"101 actions": {many, "1 validation error detected: Value '[101 items]' at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100"},
		"two actions in one": {[]types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("a")}},
			Delete: &types.Delete{TableName: aws.String("Orders"), Key: item{"pk": s("b")}}}}, msgOneAction},
		"one item twice": {[]types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("a")}}},
			{Delete: &types.Delete{TableName: aws.String("Orders"), Key: item{"pk": s("a")}}}}, msgMultipleOps},
		"wrong key": {[]types.TransactWriteItem{{Delete: &types.Delete{TableName: aws.String("Orders"), Key: item{"id": s("a")}}}}, msgKeySchema},
	}
	for name, c := range cases {
		_, err := e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: c.items})
		apiError(t, err, "ValidationException", c.msg)
		if t.Failed() {
			t.Logf("case %s", name)
		}
	}
	_, err := e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("Missing"), Item: item{"pk": s("a")}}}}})
	var rnf *types.ResourceNotFoundException
	if !errors.As(err, &rnf) {
		t.Errorf("missing table: %v", err)
	}
	scan, err := e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Orders")})
	if err != nil || len(scan.Items) != 0 {
		t.Errorf("refused transactions wrote %v %v", scan, err)
	}
}

// ClientRequestToken is optional; with one, a repeat within ten minutes
// succeeds without writing again, and a different request with the same
// token is IdempotentParameterMismatchException.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html#DDB-TransactWriteItems-request-ClientRequestToken
func TestTransactWriteIdempotency(t *testing.T) {
	e := newEnv(t)
	e.createTable("Counters", "pk", "")
	incr := func(token *string, by string, opts ...func(*dynamodb.Options)) error {
		_, err := e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{ClientRequestToken: token, TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: aws.String("Counters"), Key: item{"pk": s("c")}, UpdateExpression: aws.String("ADD v :by"), ExpressionAttributeValues: item{":by": n(by)}}}}}, opts...)
		return err
	}
	tok := aws.String("order-1001-payment")
	for i := 0; i < 2; i++ {
		if err := incr(tok, "1"); err != nil {
			t.Fatal(err)
		}
	}
	if got := renderItem(e.get("Counters", item{"pk": s("c")})); got != `{pk=S:"c",v=N:1}` {
		t.Errorf("after a repeated token: %s, want the update applied once", got)
	}
	var ipm *types.IdempotentParameterMismatchException
	if err := incr(tok, "5"); !errors.As(err, &ipm) {
		t.Errorf("same token, other parameters: %v", err)
	}
	// Without a token (the SDK fills one unless its middleware is removed)
	// every call applies.
	noToken := func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			_, err := st.Initialize.Remove("OperationIdempotencyTokenAutoFill")
			return err
		})
	}
	for i := 0; i < 2; i++ {
		if err := incr(nil, "10", noToken); err != nil {
			t.Fatal(err)
		}
	}
	if got := renderItem(e.get("Counters", item{"pk": s("c")})); got != `{pk=S:"c",v=N:21}` {
		t.Errorf("without a token: %s", got)
	}
}

// TransactGetItems reads items from several tables at once: one response
// per Get, in order, empty where the item does not exist.
// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactGetItems.html
func TestTransactGetItems(t *testing.T) {
	e := newEnv(t)
	e.createTable("Orders", "pk", "")
	e.createTable("Stock", "pk", "")
	e.put("Orders", item{"pk": s("o1"), "qty": n("2"), "note": s("x")})
	e.put("Stock", item{"pk": s("widget"), "count": n("5")})
	out, err := e.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("Orders"), Key: item{"pk": s("o1")}, ProjectionExpression: aws.String("#q"), ExpressionAttributeNames: map[string]string{"#q": "qty"}}},
		{Get: &types.Get{TableName: aws.String("Orders"), Key: item{"pk": s("missing")}}},
		{Get: &types.Get{TableName: aws.String("Stock"), Key: item{"pk": s("widget")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.Responses
	if len(r) != 3 || renderItem(r[0].Item) != `{qty=N:2}` || r[1].Item != nil || renderItem(r[2].Item) != `{count=N:5,pk=S:"widget"}` {
		t.Errorf("responses = %+v", r)
	}
	_, err = e.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("Orders"), Key: item{"pk": s("o1")}}},
		{Get: &types.Get{TableName: aws.String("Orders"), Key: item{"pk": s("o1")}}},
	}})
	apiError(t, err, "ValidationException", msgMultipleOps)
}

// allowOnly allows the listed actions and denies the rest, recording what
// it refused.
type allowOnly struct {
	allowed map[string]bool
	mu      sync.Mutex
	denied  []string
}

func (a *allowOnly) Authorize(_ context.Context, call *service.Call, action, resource string, _ map[string][]string) error {
	if a.allowed[action] {
		return nil
	}
	a.mu.Lock()
	a.denied = append(a.denied, action)
	a.mu.Unlock()
	return service.AccessDenied("dynamodb", call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
}

// Each action of a transaction needs the permission of the single-item
// operation it performs (dynamodb:PutItem, UpdateItem, DeleteItem,
// ConditionCheckItem, GetItem); one missing refuses the whole transaction.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
func TestTransactAuthorizesEachAction(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	authz := &allowOnly{allowed: map[string]bool{"dynamodb:PutItem": true, "dynamodb:UpdateItem": true, "dynamodb:GetItem": true}}
	admin := serve(t, st, dispatch.Options{Identity: roleSession{}, Authz: authz})
	admin.createTable("Orders", "pk", "")
	client := dynamodb.NewFromConfig(emutest.ConfigFor(admin.url, deniedKey, deniedSecret, deniedToken))

	put := types.TransactWriteItem{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("a")}}}
	if _, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{put}}); err != nil {
		t.Fatalf("PutItem allowed: %v", err)
	}
	for action, w := range map[string]types.TransactWriteItem{
		"dynamodb:ConditionCheckItem": {ConditionCheck: &types.ConditionCheck{TableName: aws.String("Orders"), Key: item{"pk": s("a")}, ConditionExpression: aws.String("attribute_exists(pk)")}},
		"dynamodb:DeleteItem":         {Delete: &types.Delete{TableName: aws.String("Orders"), Key: item{"pk": s("a")}}},
	} {
		_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("b")}}}, w}})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" || !strings.Contains(ae.ErrorMessage(), "perform: "+action+" on resource") {
			t.Errorf("%s: got %v", action, err)
		}
	}
	if got := admin.get("Orders", item{"pk": s("b")}); got != nil {
		t.Errorf("a refused transaction wrote %v", got)
	}
	if _, err := client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("Orders"), Key: item{"pk": s("a")}}}}}); err != nil {
		t.Errorf("GetItem allowed: %v", err)
	}
}

// A committed transaction is durable: its puts, updates and deletes are
// there after the store is reopened.
func TestTransactWriteSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := newDiskEnv(t, dir)
	e.createTable("Orders", "pk", "")
	e.createTable("Stock", "pk", "")
	e.put("Stock", item{"pk": s("widget"), "count": n("5")})
	e.put("Orders", item{"pk": s("old")})
	if _, err := e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("Orders"), Item: item{"pk": s("o1")}}},
		{Update: &types.Update{TableName: aws.String("Stock"), Key: item{"pk": s("widget")}, UpdateExpression: aws.String("ADD #c :d"),
			ExpressionAttributeNames: map[string]string{"#c": "count"}, ExpressionAttributeValues: item{":d": n("-1")}}},
		{Delete: &types.Delete{TableName: aws.String("Orders"), Key: item{"pk": s("old")}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	e2 := newDiskEnv(t, dir)
	if got := renderItem(e2.get("Orders", item{"pk": s("o1")})); got != `{pk=S:"o1"}` {
		t.Errorf("put after restart = %s", got)
	}
	if got := renderItem(e2.get("Stock", item{"pk": s("widget")})); got != `{count=N:4,pk=S:"widget"}` {
		t.Errorf("update after restart = %s", got)
	}
	if got := e2.get("Orders", item{"pk": s("old")}); got != nil {
		t.Errorf("delete after restart left %v", got)
	}
	desc, err := e2.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")})
	if err != nil || aws.ToInt64(desc.Table.ItemCount) != 1 {
		t.Errorf("Orders after restart: %v %v", desc, err)
	}
}

// Concurrent transactions across two tables are serializable: transfers
// conserve the total, and every TransactGetItems sees a total that is
// whole, never a transfer half applied.
func TestTransactConcurrentTransfers(t *testing.T) {
	e := newEnv(t)
	e.createTable("From", "pk", "")
	e.createTable("Into", "pk", "")
	e.put("From", item{"pk": s("acct"), "bal": n("100")})
	e.put("Into", item{"pk": s("acct"), "bal": n("0")})
	const transfers = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*transfers)
	for i := 0; i < transfers; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := e.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: aws.String("From"), Key: item{"pk": s("acct")}, UpdateExpression: aws.String("ADD bal :m"),
					ConditionExpression: aws.String("bal >= :one"), ExpressionAttributeValues: item{":m": n("-1"), ":one": n("1")}}},
				{Update: &types.Update{TableName: aws.String("Into"), Key: item{"pk": s("acct")}, UpdateExpression: aws.String("ADD bal :p"),
					ExpressionAttributeValues: item{":p": n("1")}}},
			}})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			out, err := e.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: aws.String("From"), Key: item{"pk": s("acct")}}},
				{Get: &types.Get{TableName: aws.String("Into"), Key: item{"pk": s("acct")}}},
			}})
			if err == nil {
				var a, b int
				fmt.Sscan(out.Responses[0].Item["bal"].(*types.AttributeValueMemberN).Value, &a)
				fmt.Sscan(out.Responses[1].Item["bal"].(*types.AttributeValueMemberN).Value, &b)
				if a+b != 100 {
					err = fmt.Errorf("read a half-applied transfer: %d + %d", a, b)
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := renderItem(e.get("From", item{"pk": s("acct")})); got != `{bal=N:80,pk=S:"acct"}` {
		t.Errorf("From = %s", got)
	}
	if got := renderItem(e.get("Into", item{"pk": s("acct")})); got != `{bal=N:20,pk=S:"acct"}` {
		t.Errorf("Into = %s", got)
	}
}
