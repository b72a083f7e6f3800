package dynamodb

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/emutest"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

const deniedKey, deniedSecret, deniedToken = "ASIADENIED", "denied-secret", "denied-token"

// roleSession resolves one issued credential to a role session, so its
// calls go through the Authorizer instead of acting as the administrator.
type roleSession struct{}

func (roleSession) Resolve(_ context.Context, akid string) (service.Principal, string, string, time.Time, bool) {
	if akid != deniedKey {
		return service.Principal{}, "", "", time.Time{}, false
	}
	return service.Principal{ARN: "arn:aws:sts::000000000000:assumed-role/R/S", RoleName: "R", SessionName: "S", AccessKeyID: akid},
		deniedSecret, deniedToken, time.Now().Add(time.Hour), true
}

// denyAll refuses everything and records what it was asked.
type denyAll struct {
	mu   sync.Mutex
	seen map[string]bool // "action resource"
}

func (d *denyAll) Authorize(_ context.Context, call *service.Call, action, resource string, _ map[string][]string) error {
	d.mu.Lock()
	d.seen[action+" "+resource] = true
	d.mu.Unlock()
	return service.AccessDenied("dynamodb", call.Principal.ARN, action, resource, "because no identity-based policy allows the "+action+" action")
}

func TestDenyAllAuthorizer(t *testing.T) {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	authz := &denyAll{seen: map[string]bool{}}
	admin := serve(t, st, dispatch.Options{Identity: roleSession{}, Authz: authz})
	admin.createTable("Denied", "pk", "")
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/Denied"
	admin.put("Denied", map[string]types.AttributeValue{"pk": s("a"), "v": n("1")})
	client := dynamodb.NewFromConfig(emutest.ConfigFor(admin.url, deniedKey, deniedSecret, deniedToken))

	key := map[string]types.AttributeValue{"pk": s("a")}
	table := aws.String("Denied")
	calls := map[string]func() error{
		"CreateTable": func() error {
			_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("Other"), BillingMode: types.BillingModePayPerRequest,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}}})
			return err
		},
		"DescribeTable": func() error {
			_, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: table})
			return err
		},
		"DeleteTable": func() error {
			_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: table})
			return err
		},
		"ListTables": func() error { _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); return err },
		"UpdateTable": func() error {
			_, err := client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: table, DeletionProtectionEnabled: aws.Bool(true)})
			return err
		},
		"TagResource": func() error {
			_, err := client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		},
		"UntagResource": func() error {
			_, err := client.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"k"}})
			return err
		},
		"ListTagsOfResource": func() error {
			_, err := client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
			return err
		},
		"PutItem": func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: map[string]types.AttributeValue{"pk": s("b")}})
			return err
		},
		"GetItem": func() error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key})
			return err
		},
		"DeleteItem": func() error {
			_, err := client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: table, Key: key})
			return err
		},
		"UpdateItem": func() error {
			_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: table, Key: key, UpdateExpression: aws.String("SET v = :v"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("2")}})
			return err
		},
		"Query": func() error {
			_, err := client.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("a")}})
			return err
		},
		"Scan": func() error { _, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: table}); return err },
		"BatchWriteItem": func() error {
			_, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
				"Denied": {{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": s("c")}}}}}})
			return err
		},
		"BatchGetItem": func() error {
			_, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"Denied": {Keys: []map[string]types.AttributeValue{key}}}})
			return err
		},
		"TransactWriteItems": func() error {
			_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{ConditionCheck: &types.ConditionCheck{TableName: table, Key: key, ConditionExpression: aws.String("attribute_exists(pk)")}}}})
			return err
		},
		"TransactGetItems": func() error {
			_, err := client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{{Get: &types.Get{TableName: table, Key: key}}}})
			return err
		},
	}
	ops := admin.svc.Operations()
	sort.Strings(ops)
	for _, op := range ops {
		call, ok := calls[op]
		if !ok {
			t.Errorf("no deny test for operation %s", op)
			continue
		}
		err := call()
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
			t.Errorf("%s: want AccessDeniedException, got %v", op, err)
			continue
		}
		if !strings.HasPrefix(ae.ErrorMessage(), "User: arn:aws:sts::000000000000:assumed-role/R/S is not authorized to perform: dynamodb:") {
			t.Errorf("%s: message %q", op, ae.ErrorMessage())
		}
	}
	// Each operation asked for its own action on the table it names.
	for _, op := range ops {
		want := "dynamodb:" + op + " " + arn
		switch op {
		case "ListTables":
			want = "dynamodb:ListTables *"
		case "CreateTable":
			want = "dynamodb:CreateTable arn:aws:dynamodb:us-east-1:000000000000:table/Other"
		case "TransactWriteItems":
			// Transactions are authorized per action, as the single-item
			// operation each one performs.
			want = "dynamodb:ConditionCheckItem " + arn
		case "TransactGetItems":
			want = "dynamodb:GetItem " + arn
		}
		if !authz.seen[want] {
			t.Errorf("authorizer never asked %q", want)
		}
	}

	// Nothing changed.
	list, err := admin.client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || strings.Join(list.TableNames, ",") != "Denied" {
		t.Errorf("tables after denied calls: %v %v", list, err)
	}
	scan, err := admin.client.Scan(ctx, &dynamodb.ScanInput{TableName: table})
	if err != nil || len(scan.Items) != 1 || renderItem(scan.Items[0]) != `{pk=S:"a",v=N:1}` {
		t.Errorf("items after denied calls: %v %v", scan, err)
	}
	desc, err := admin.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: table})
	if err != nil || aws.ToBool(desc.Table.DeletionProtectionEnabled) {
		t.Errorf("table after denied calls: %v", err)
	}
	tags, err := admin.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || len(tags.Tags) != 0 {
		t.Errorf("tags after denied calls: %v %v", tags, err)
	}
}
