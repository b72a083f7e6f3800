package dynamodb

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// sortKeys lists the sort keys of items, in order.
func sortKeys(items []map[string]types.AttributeValue) string {
	var parts []string
	for _, it := range items {
		switch v := it["sk"].(type) {
		case *types.AttributeValueMemberN:
			parts = append(parts, v.Value)
		case *types.AttributeValueMemberS:
			parts = append(parts, v.Value)
		}
	}
	return strings.Join(parts, " ")
}

func TestQueryNumberRange(t *testing.T) {
	e := newEnv(t)
	e.createTable("QNum", "pk", types.ScalarAttributeTypeN)
	nums := []string{"-100", "-2.5", "-2", "0", "0.001", "1", "1.5", "2", "10", "12345678901234567890.12", "1E+100"}
	for i, v := range nums {
		e.put("QNum", map[string]types.AttributeValue{"pk": s("p"), "sk": n(v), "i": n(fmt.Sprint(i))})
		e.put("QNum", map[string]types.AttributeValue{"pk": s("other"), "sk": n(v)})
	}
	canon := "-100 -2.5 -2 0 0.001 1 1.5 2 10 12345678901234567890.12 1" + strings.Repeat("0", 100)
	query := func(kc string, values map[string]types.AttributeValue, forward bool) string {
		t.Helper()
		values[":p"] = s("p")
		out, err := e.client.Query(ctx, &dynamodb.QueryInput{
			TableName: aws.String("QNum"), KeyConditionExpression: aws.String(kc),
			ExpressionAttributeValues: values, ScanIndexForward: aws.Bool(forward),
		})
		if err != nil {
			t.Fatalf("%s: %v", kc, err)
		}
		if int(out.Count) != len(out.Items) || out.ScannedCount != out.Count {
			t.Errorf("%s: Count %d ScannedCount %d items %d", kc, out.Count, out.ScannedCount, len(out.Items))
		}
		return sortKeys(out.Items)
	}
	cases := []struct {
		kc     string
		values map[string]types.AttributeValue
		want   string
	}{
		{"pk = :p", map[string]types.AttributeValue{}, canon},
		{"pk = :p AND sk < :v", map[string]types.AttributeValue{":v": n("0")}, "-100 -2.5 -2"},
		{"pk = :p AND sk <= :v", map[string]types.AttributeValue{":v": n("0.0")}, "-100 -2.5 -2 0"},
		{"pk = :p AND sk > :v", map[string]types.AttributeValue{":v": n("2")}, "10 12345678901234567890.12 1" + strings.Repeat("0", 100)},
		{"sk >= :v AND pk = :p", map[string]types.AttributeValue{":v": n("1.5")}, "1.5 2 10 12345678901234567890.12 1" + strings.Repeat("0", 100)},
		{"pk = :p AND sk BETWEEN :a AND :b", map[string]types.AttributeValue{":a": n("-2.5"), ":b": n("1")}, "-2.5 -2 0 0.001 1"},
		{"pk = :p AND sk = :v", map[string]types.AttributeValue{":v": n("2.000")}, "2"},
		{"(pk = :p) AND (:v < sk)", map[string]types.AttributeValue{":v": n("10")}, "12345678901234567890.12 1" + strings.Repeat("0", 100)},
	}
	for _, c := range cases {
		if got := query(c.kc, c.values, true); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.kc, got, c.want)
		}
		back := strings.Fields(c.want)
		for i, j := 0, len(back)-1; i < j; i, j = i+1, j-1 {
			back[i], back[j] = back[j], back[i]
		}
		if got := query(c.kc, c.values, false); got != strings.Join(back, " ") {
			t.Errorf("%s backwards:\n got %s\nwant %s", c.kc, got, strings.Join(back, " "))
		}
	}
}

func TestQueryStringRangePaginationAndFilter(t *testing.T) {
	e := newEnv(t)
	e.createTable("QStr", "pk", types.ScalarAttributeTypeS)
	sks := []string{"a", "a\x00", "a\x00b", "ab", "abc", "b", "ba", "é", "ż"}
	for i, k := range sks {
		e.put("QStr", map[string]types.AttributeValue{"pk": s("p"), "sk": s(k), "even": &types.AttributeValueMemberBOOL{Value: i%2 == 0}})
	}
	e.put("QStr", map[string]types.AttributeValue{"pk": s("q"), "sk": s("a")})

	out, err := e.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("QStr"), KeyConditionExpression: aws.String("pk = :p AND begins_with(sk, :a)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p"), ":a": s("a")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := sortKeys(out.Items); got != "a a\x00 a\x00b ab abc" {
		t.Errorf("begins_with a: %q", got)
	}

	// Pages of 2, forwards and backwards, through the SDK paginator.
	for _, forward := range []bool{true, false} {
		var got []string
		pages := 0
		p := dynamodb.NewQueryPaginator(e.client, &dynamodb.QueryInput{
			TableName: aws.String("QStr"), KeyConditionExpression: aws.String("pk = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p")},
			Limit:                     aws.Int32(2), ScanIndexForward: aws.Bool(forward),
		})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Items) > 2 {
				t.Fatalf("page of %d items with Limit 2", len(out.Items))
			}
			got = append(got, sortKeys(out.Items))
			pages++
		}
		want := append([]string(nil), sks...)
		if !forward {
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
		}
		if strings.Fields(strings.Join(got, " ")) == nil || strings.Join(strings.Fields(strings.Join(got, " ")), " ") != strings.Join(strings.Fields(strings.Join(want, " ")), " ") {
			t.Errorf("forward=%v pages: %q want %q", forward, got, want)
		}
		if pages < 5 {
			t.Errorf("forward=%v: %d pages for 9 items by 2", forward, pages)
		}
	}

	// Filter: Limit counts items read, Count those that pass.
	out, err = e.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("QStr"), KeyConditionExpression: aws.String("pk = :p"),
		FilterExpression:          aws.String("even = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p"), ":t": &types.AttributeValueMemberBOOL{Value: true}},
		Limit:                     aws.Int32(4),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.ScannedCount != 4 || out.Count != 2 || sortKeys(out.Items) != "a a\x00b" || out.LastEvaluatedKey == nil {
		t.Errorf("filtered page: scanned %d count %d items %q lek %v", out.ScannedCount, out.Count, sortKeys(out.Items), out.LastEvaluatedKey)
	}
	if got := renderItem(out.LastEvaluatedKey); got != `{pk=S:"p",sk=S:"ab"}` {
		t.Errorf("LastEvaluatedKey = %s", got)
	}

	// Select COUNT answers counts only.
	out, err = e.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("QStr"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p")}, Select: types.SelectCount,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != int32(len(sks)) || out.Items != nil {
		t.Errorf("COUNT: %d items %v", out.Count, out.Items)
	}
	// ProjectionExpression applies to every item.
	out, err = e.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("QStr"), KeyConditionExpression: aws.String("pk = :p AND sk = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p"), ":b": s("b")}, ProjectionExpression: aws.String("even"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 || renderItem(out.Items[0]) != "{even=BOOL:false}" {
		t.Errorf("projected: %v", out.Items)
	}
}

func TestQueryErrors(t *testing.T) {
	e := newEnv(t)
	e.createTable("QErr", "pk", types.ScalarAttributeTypeN)
	e.createTable("QHash", "pk", "")
	cases := []struct {
		table, kc, filter string
		values            map[string]types.AttributeValue
		msg               string
	}{
		{"QErr", "sk = :n", "", map[string]types.AttributeValue{":n": n("1")}, "Query condition missed key schema element: pk"},
		{"QErr", "pk < :p", "", map[string]types.AttributeValue{":p": s("x")}, "Query key condition not supported"},
		{"QErr", "pk = :p OR sk = :n", "", map[string]types.AttributeValue{":p": s("x"), ":n": n("1")}, "Invalid operator used in KeyConditionExpression: OR"},
		{"QErr", "pk = :p AND sk <> :n", "", map[string]types.AttributeValue{":p": s("x"), ":n": n("1")}, "Invalid operator used in KeyConditionExpression: <>"},
		{"QErr", "pk = :p AND begins_with(sk, :n)", "", map[string]types.AttributeValue{":p": s("x"), ":n": s("1")}, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"QErr", "pk = :p AND sk = :n", "", map[string]types.AttributeValue{":p": n("1"), ":n": n("1")}, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"QErr", "pk = :p AND extra = :n", "", map[string]types.AttributeValue{":p": s("x"), ":n": n("1")}, "Query condition missed key schema element: sk"},
		{"QHash", "pk = :p AND extra = :n", "", map[string]types.AttributeValue{":p": s("x"), ":n": n("1")}, "Query key condition not supported"},
		{"QErr", "pk = :p AND sk > :n AND sk < :n", "", map[string]types.AttributeValue{":p": s("x"), ":n": n("1")}, "Conditions can be of length 1 or 2 only"},
		{"QErr", "pk = :p AND pk = :p", "", map[string]types.AttributeValue{":p": s("x")}, "KeyConditionExpressions must only contain one condition per key"},
		{"QErr", "pk = sk", "", nil, "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
		{"QErr", "pk = :p", "", map[string]types.AttributeValue{":p": s("")}, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"},
		{"QErr", "pk = :p", "sk > :n", map[string]types.AttributeValue{":p": s("x"), ":n": n("1")}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{"QErr", "pk = :p", "", map[string]types.AttributeValue{":p": s("x"), ":q": s("y")}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:q}"},
		{"QErr", "pk = :p AND", "", map[string]types.AttributeValue{":p": s("x")}, `Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND"`},
	}
	for _, c := range cases {
		in := &dynamodb.QueryInput{TableName: aws.String(c.table), KeyConditionExpression: aws.String(c.kc), ExpressionAttributeValues: c.values}
		if c.filter != "" {
			in.FilterExpression = aws.String(c.filter)
		}
		_, err := e.client.Query(ctx, in)
		apiError(t, err, "ValidationException", c.msg)
	}
	_, err := e.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("QErr")})
	apiError(t, err, "ValidationException", "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	_, err = e.client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("QErr"), IndexName: aws.String("gsi"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("x")}})
	apiError(t, err, "ValidationException", "The table does not have the specified index: gsi")
}

func TestScan(t *testing.T) {
	e := newEnv(t)
	e.createTable("Scanned", "pk", types.ScalarAttributeTypeN)
	want := map[string]bool{}
	for p := 0; p < 10; p++ {
		for r := 0; r < 5; r++ {
			e.put("Scanned", map[string]types.AttributeValue{"pk": s(fmt.Sprintf("p%d", p)), "sk": n(fmt.Sprint(r)), "big": &types.AttributeValueMemberBOOL{Value: r >= 3}})
			want[fmt.Sprintf("p%d/%d", p, r)] = true
		}
	}
	seen := map[string]bool{}
	pages := 0
	p := dynamodb.NewScanPaginator(e.client, &dynamodb.ScanInput{TableName: aws.String("Scanned"), Limit: aws.Int32(7)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, it := range out.Items {
			k := it["pk"].(*types.AttributeValueMemberS).Value + "/" + it["sk"].(*types.AttributeValueMemberN).Value
			if seen[k] {
				t.Fatalf("%s returned twice", k)
			}
			seen[k] = true
		}
	}
	if len(seen) != len(want) || pages < 8 {
		t.Errorf("scanned %d of %d items in %d pages", len(seen), len(want), pages)
	}

	out, err := e.client.Scan(ctx, &dynamodb.ScanInput{
		TableName: aws.String("Scanned"), FilterExpression: aws.String("big = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberBOOL{Value: true}}, Select: types.SelectCount,
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Count != 20 || out.ScannedCount != 50 || out.Items != nil {
		t.Errorf("filtered count: %d of %d, items %v", out.Count, out.ScannedCount, out.Items)
	}

	// Parallel scan segments partition the table.
	total := 0
	for seg := int32(0); seg < 3; seg++ {
		out, err := e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Scanned"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(3)})
		if err != nil {
			t.Fatal(err)
		}
		total += int(out.Count)
	}
	if total != 50 {
		t.Errorf("segments hold %d items, want 50", total)
	}
	_, err = e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Scanned"), Segment: aws.Int32(3), TotalSegments: aws.Int32(3)})
	apiError(t, err, "ValidationException", "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 3 is not less than TotalSegments: 3")
	_, err = e.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Scanned"), ExclusiveStartKey: map[string]types.AttributeValue{"pk": s("x")}})
	apiError(t, err, "ValidationException", "The provided starting key is invalid: The provided key element does not match the schema")
}

func TestBinaryKeys(t *testing.T) {
	e := newEnv(t)
	_, err := e.client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("BinKeys"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("h"), AttributeType: types.ScalarAttributeTypeB},
			{AttributeName: aws.String("r"), AttributeType: types.ScalarAttributeTypeB},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("h"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("r"), KeyType: types.KeyTypeRange}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b := func(x ...byte) types.AttributeValue { return &types.AttributeValueMemberB{Value: x} }
	for _, r := range [][]byte{{0xFF}, {0x00}, {0x01, 0x00}, {0x01}, {0x01, 0xFF}, {0x02}} {
		e.put("BinKeys", map[string]types.AttributeValue{"h": b(0, 1), "r": b(r...)})
	}
	e.put("BinKeys", map[string]types.AttributeValue{"h": b(0), "r": b(1)})
	out, err := e.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String("BinKeys"), KeyConditionExpression: aws.String("h = :h AND begins_with(r, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":h": b(0, 1), ":p": b(1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, render(it["r"]))
	}
	if strings.Join(got, " ") != "B:AQ== B:AQA= B:Af8=" {
		t.Errorf("begins_with 0x01 (unsigned byte order): %v", got)
	}
	_, err = e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("BinKeys"), Item: map[string]types.AttributeValue{"h": &types.AttributeValueMemberB{Value: []byte{}}, "r": b(1)}})
	apiError(t, err, "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: h")
}
