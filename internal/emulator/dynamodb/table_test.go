package dynamodb

import (
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// quickWaiter lets a waiter make exactly one attempt: with a first retry
// delay longer than the whole wait, it succeeds only if the table is
// already in the state waited for.
func quickWaiter(minDelay *time.Duration, maxDelay *time.Duration) {
	*minDelay, *maxDelay = time.Minute, time.Minute
}

func TestTableLifecycle(t *testing.T) {
	e := newEnv(t)
	before := time.Now().Add(-time.Second)
	out, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("OrdersTable"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("OrderId"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("OrderId"), KeyType: types.KeyTypeHash}},
		Tags:                 []types.Tag{{Key: aws.String("orders:stack"), Value: aws.String("orders")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := out.TableDescription
	if got := aws.ToString(d.TableArn); got != "arn:aws:dynamodb:us-east-1:000000000000:table/OrdersTable" {
		t.Errorf("TableArn = %s", got)
	}
	if !uuidRE.MatchString(aws.ToString(d.TableId)) {
		t.Errorf("TableId = %s", aws.ToString(d.TableId))
	}
	if d.CreationDateTime == nil || d.CreationDateTime.Before(before) || d.CreationDateTime.After(time.Now().Add(time.Second)) {
		t.Errorf("CreationDateTime = %v", d.CreationDateTime)
	}
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("BillingModeSummary = %+v", d.BillingModeSummary)
	}
	if d.ProvisionedThroughput == nil || aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits) != 0 {
		t.Errorf("ProvisionedThroughput = %+v", d.ProvisionedThroughput)
	}

	// The waiter's first DescribeTable already sees ACTIVE.
	err = dynamodb.NewTableExistsWaiter(e.client, func(o *dynamodb.TableExistsWaiterOptions) {
		quickWaiter(&o.MinDelay, &o.MaxDelay)
	}).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")}, 30*time.Second)
	if err != nil {
		t.Fatalf("TableExists waiter: %v", err)
	}
	desc, err := e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")})
	if err != nil {
		t.Fatal(err)
	}
	if desc.Table.TableStatus != types.TableStatusActive || aws.ToString(desc.Table.TableId) != aws.ToString(d.TableId) {
		t.Errorf("described = %s %s", desc.Table.TableStatus, aws.ToString(desc.Table.TableId))
	}
	// A table ARN names the table too.
	if _, err := e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: d.TableArn}); err != nil {
		t.Errorf("describe by ARN: %v", err)
	}

	_, err = e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("OrdersTable"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("OrderId"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("OrderId"), KeyType: types.KeyTypeHash}},
	})
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) || inUse.ErrorMessage() != "Table already exists: OrdersTable" {
		t.Fatalf("second create: want ResourceInUseException, got %v", err)
	}

	e.put("OrdersTable", map[string]types.AttributeValue{"OrderId": s("ORD-1"), "Amount": n("1")})
	desc, _ = e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")})
	if aws.ToInt64(desc.Table.ItemCount) != 1 || aws.ToInt64(desc.Table.TableSizeBytes) == 0 {
		t.Errorf("ItemCount %d TableSizeBytes %d", aws.ToInt64(desc.Table.ItemCount), aws.ToInt64(desc.Table.TableSizeBytes))
	}

	del, err := e.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("OrdersTable")})
	if err != nil {
		t.Fatal(err)
	}
	if del.TableDescription.TableStatus != types.TableStatusDeleting {
		t.Errorf("DeleteTable status = %s", del.TableDescription.TableStatus)
	}
	err = dynamodb.NewTableNotExistsWaiter(e.client, func(o *dynamodb.TableNotExistsWaiterOptions) {
		quickWaiter(&o.MinDelay, &o.MaxDelay)
	}).Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")}, 30*time.Second)
	if err != nil {
		t.Fatalf("TableNotExists waiter: %v", err)
	}
	_, err = e.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("OrdersTable")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Requested resource not found: Table: OrdersTable not found" {
		t.Fatalf("describe deleted: want ResourceNotFoundException, got %v", err)
	}
	_, err = e.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("OrdersTable")})
	if !errors.As(err, &nf) {
		t.Fatalf("delete deleted: want ResourceNotFoundException, got %v", err)
	}
	_, err = e.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("OrdersTable"), Key: map[string]types.AttributeValue{"OrderId": s("ORD-1")}})
	if !errors.As(err, &nf) {
		t.Fatalf("get from deleted: want ResourceNotFoundException, got %v", err)
	}

	// Recreated, it starts empty.
	e.createTable("OrdersTable", "OrderId", "")
	if it := e.get("OrdersTable", map[string]types.AttributeValue{"OrderId": s("ORD-1")}); it != nil {
		t.Errorf("recreated table has %s", renderItem(it))
	}
}

func TestListTablesPagination(t *testing.T) {
	e := newEnv(t)
	var want []string
	for i := 0; i < 7; i++ {
		name := fmt.Sprintf("Table%02d", 6-i) // created out of order, listed sorted
		e.createTable(name, "id", "")
		want = append([]string{name}, want...)
	}
	var got []string
	pages := 0
	p := dynamodb.NewListTablesPaginator(e.client, &dynamodb.ListTablesInput{Limit: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.TableNames...)
		pages++
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("listed %v in %d pages, want %v in 3", got, pages, want)
	}
	out, err := e.client.ListTables(ctx, &dynamodb.ListTablesInput{ExclusiveStartTableName: aws.String("Table04")})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(out.TableNames) != "[Table05 Table06]" || out.LastEvaluatedTableName != nil {
		t.Errorf("after Table04: %v %v", out.TableNames, out.LastEvaluatedTableName)
	}
	_, err = e.client.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(0)})
	apiError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

func TestUpdateTable(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("Prov"),
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	up, err := e.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Prov"), BillingMode: types.BillingModePayPerRequest})
	if err != nil {
		t.Fatal(err)
	}
	d := up.TableDescription
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest || d.BillingModeSummary.LastUpdateToPayPerRequestDateTime == nil {
		t.Errorf("after switch: %+v", d.BillingModeSummary)
	}
	up, err = e.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName: aws.String("Prov"), BillingMode: types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(2), WriteCapacityUnits: aws.Int64(3)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if pt := up.TableDescription.ProvisionedThroughput; aws.ToInt64(pt.ReadCapacityUnits) != 2 || aws.ToInt64(pt.WriteCapacityUnits) != 3 {
		t.Errorf("throughput = %d/%d", aws.ToInt64(pt.ReadCapacityUnits), aws.ToInt64(pt.WriteCapacityUnits))
	}
	_, err = e.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Prov")})
	apiError(t, err, "ValidationException", "")

	if _, err := e.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Prov"), DeletionProtectionEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Prov")})
	apiError(t, err, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	if _, err := e.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Prov"), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Prov")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Prov"), BillingMode: types.BillingModePayPerRequest})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("update deleted: %v", err)
	}
}

func TestTags(t *testing.T) {
	e := newEnv(t)
	arn := e.createTable("Tagged", "id", "").TableArn
	if _, err := e.client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{
		{Key: aws.String("b"), Value: aws.String("2")}, {Key: aws.String("a"), Value: aws.String("1")},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("one")}}}); err != nil {
		t.Fatal(err)
	}
	list := func() string {
		out, err := e.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		var s string
		for _, tg := range out.Tags {
			s += aws.ToString(tg.Key) + "=" + aws.ToString(tg.Value) + " "
		}
		return s
	}
	if got := list(); got != "a=one b=2 " {
		t.Errorf("tags = %q", got)
	}
	if _, err := e.client.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"a", "zz"}}); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "b=2 " {
		t.Errorf("tags after untag = %q", got)
	}
	_, err := e.client.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("arn:aws:dynamodb:us-east-1:000000000000:table/Nope")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("tags of missing table: %v", err)
	}
	_, err = e.client.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String("not-an-arn"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("1")}}})
	apiError(t, err, "ValidationException", "Invalid TableArn: Invalid ResourceArn provided as input not-an-arn")
}

func TestCreateTableValidation(t *testing.T) {
	e := newEnv(t)
	def := func(name string, typ types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: typ}
	}
	key := func(name string, kt types.KeyType) types.KeySchemaElement {
		return types.KeySchemaElement{AttributeName: aws.String(name), KeyType: kt}
	}
	cases := []struct {
		name string
		in   dynamodb.CreateTableInput
		msg  string
	}{
		{"extra definition", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S"), def("created_at", "N")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH")}, BillingMode: types.BillingModePayPerRequest,
		}, "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"missing definition", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH"), key("created_at", "RANGE")}, BillingMode: types.BillingModePayPerRequest,
		}, "Invalid KeySchema: Some index key attribute have no definition"},
		{"wrong definition", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("created_at", "N")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH")}, BillingMode: types.BillingModePayPerRequest,
		}, "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [created_at]"},
		{"range first", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
			KeySchema:            []types.KeySchemaElement{key("id", "RANGE")}, BillingMode: types.BillingModePayPerRequest,
		}, "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"bad key type", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
			KeySchema:            []types.KeySchemaElement{key("id", "PRIMARY")}, BillingMode: types.BillingModePayPerRequest,
		}, "1 validation error detected: Value 'PRIMARY' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]"},
		{"bad attribute type", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "BOOL")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH")}, BillingMode: types.BillingModePayPerRequest,
		}, "1 validation error detected: Value 'BOOL' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]"},
		{"three keys", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("a", "S"), def("b", "S"), def("c", "S")},
			KeySchema:            []types.KeySchemaElement{key("a", "HASH"), key("b", "RANGE"), key("c", "RANGE")}, BillingMode: types.BillingModePayPerRequest,
		}, "1 validation error detected: Value '[KeySchemaElement(attributeName=a, keyType=HASH), KeySchemaElement(attributeName=b, keyType=RANGE), KeySchemaElement(attributeName=c, keyType=RANGE)]' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"throughput with on-demand", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH")}, BillingMode: types.BillingModePayPerRequest,
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
		}, "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"provisioned without throughput", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH")}, BillingMode: types.BillingModeProvisioned,
		}, "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"},
		{"no billing mode, no throughput", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH")},
		}, "No provisioned throughput specified for the table"},
		{"same hash and range", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
			KeySchema:            []types.KeySchemaElement{key("id", "HASH"), key("id", "RANGE")}, BillingMode: types.BillingModePayPerRequest,
		}, "Both the Hash Key and the Range Key element in the KeySchema have the same name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			in.TableName = aws.String("Invalid")
			_, err := e.client.CreateTable(ctx, &in)
			apiError(t, err, "ValidationException", c.msg)
		})
	}
	_, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("ab"),
		AttributeDefinitions: []types.AttributeDefinition{def("id", "S")},
		KeySchema:            []types.KeySchemaElement{key("id", "HASH")}, BillingMode: types.BillingModePayPerRequest,
	})
	apiError(t, err, "ValidationException", "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3")
	out, _ := e.client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if len(out.TableNames) != 0 {
		t.Errorf("invalid requests created %v", out.TableNames)
	}
}
