package dynamodb

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func allTypesItem() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"OrderId": s("ORD-1"),
		"S":       s("héllo \"quoted\" \n\t\x01 ☃"),
		"Empty":   s(""),
		"N":       n("-12.5"),
		"B":       &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}},
		"BOOL":    &types.AttributeValueMemberBOOL{Value: true},
		"NULL":    &types.AttributeValueMemberNULL{Value: true},
		"SS":      &types.AttributeValueMemberSS{Value: []string{"b", "a"}},
		"NS":      &types.AttributeValueMemberNS{Value: []string{"1", "2.50", "-3"}},
		"BS":      &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"L":       &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x"), n("1"), &types.AttributeValueMemberL{Value: []types.AttributeValue{}}}},
		"M": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": n("0.50")}},
			"empty":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}},
	}
}

func TestPutGetDeleteAllTypes(t *testing.T) {
	e := newEnv(t)
	e.createTable("Items", "OrderId", "")
	e.put("Items", allTypesItem())
	got := e.get("Items", map[string]types.AttributeValue{"OrderId": s("ORD-1")})
	want := allTypesItem()
	// Numbers come back in canonical form.
	want["N"] = n("-12.5")
	want["NS"] = &types.AttributeValueMemberNS{Value: []string{"1", "2.5", "-3"}}
	want["M"].(*types.AttributeValueMemberM).Value["nested"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": n("0.5")}}
	if renderItem(got) != renderItem(want) {
		t.Fatalf("round trip:\n got %s\nwant %s", renderItem(got), renderItem(want))
	}

	// ProjectionExpression with nested paths and list elements.
	out, err := e.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String("Items"), Key: map[string]types.AttributeValue{"OrderId": s("ORD-1")},
		ProjectionExpression:     aws.String("#m.nested.deep, L[1], BOOL, Gone"),
		ExpressionAttributeNames: map[string]string{"#m": "M"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := renderItem(out.Item); got != `{BOOL=BOOL:true,L=L:[N:1],M=M:{nested=M:{deep=N:0.5}}}` {
		t.Errorf("projection = %s", got)
	}

	// Missing item: no Item in the answer.
	if it := e.get("Items", map[string]types.AttributeValue{"OrderId": s("nope")}); it != nil {
		t.Errorf("missing item = %s", renderItem(it))
	}

	// PutItem ALL_OLD returns the replaced item; DeleteItem ALL_OLD the deleted one.
	put, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("Items"), Item: map[string]types.AttributeValue{"OrderId": s("ORD-1"), "v": n("2")},
		ReturnValues: types.ReturnValueAllOld, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	if renderItem(put.Attributes) != renderItem(got) {
		t.Errorf("PutItem ALL_OLD = %s", renderItem(put.Attributes))
	}
	if put.ConsumedCapacity == nil || aws.ToFloat64(put.ConsumedCapacity.CapacityUnits) < 1 || aws.ToString(put.ConsumedCapacity.TableName) != "Items" {
		t.Errorf("ConsumedCapacity = %+v", put.ConsumedCapacity)
	}
	del, err := e.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String("Items"), Key: map[string]types.AttributeValue{"OrderId": s("ORD-1")}, ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := renderItem(del.Attributes); got != `{OrderId=S:"ORD-1",v=N:2}` {
		t.Errorf("DeleteItem ALL_OLD = %s", got)
	}
	if it := e.get("Items", map[string]types.AttributeValue{"OrderId": s("ORD-1")}); it != nil {
		t.Errorf("deleted item still there: %s", renderItem(it))
	}
	// Deleting what is not there succeeds and returns nothing.
	del, err = e.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String("Items"), Key: map[string]types.AttributeValue{"OrderId": s("ORD-1")}, ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil || del.Attributes != nil {
		t.Fatalf("delete missing: %v %v", err, del.Attributes)
	}
}

func TestConditionalDeleteReturnsItem(t *testing.T) {
	e := newEnv(t)
	e.createTable("T01", "OrderId", "")
	e.put("T01", map[string]types.AttributeValue{"OrderId": s("a"), "Status": s("NEW")})
	_, err := e.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String("T01"), Key: map[string]types.AttributeValue{"OrderId": s("a")},
		ConditionExpression:                 aws.String("#s = :done"),
		ExpressionAttributeNames:            map[string]string{"#s": "Status"},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":done": s("COMPLETE")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || renderItem(ccf.Item) != `{OrderId=S:"a",Status=S:"NEW"}` {
		t.Fatalf("want ConditionalCheckFailedException with item, got %v", err)
	}
	if e.get("T01", map[string]types.AttributeValue{"OrderId": s("a")}) == nil {
		t.Fatal("failed conditional delete deleted the item")
	}
}

func TestNumbersExact(t *testing.T) {
	e := newEnv(t)
	e.createTable("Nums", "id", "")
	cases := map[string]string{
		"250.00":                                 "250",
		"0.50":                                   "0.5",
		"-0":                                     "0",
		"-0.000":                                 "0",
		"1E+2":                                   "100",
		"1.5e-3":                                 "0.0015",
		"+7":                                     "7",
		"007.700":                                "7.7",
		"12345678901234567890.12":                "12345678901234567890.12",
		"99999999999999999999999999999999999999": "99999999999999999999999999999999999999",
		"0.00000000000000000000000000000000000001": "0.00000000000000000000000000000000000001",
		"1E+125": "1" + strings.Repeat("0", 125),
		"1E-130": "0." + strings.Repeat("0", 129) + "1",
	}
	for in, want := range cases {
		e.put("Nums", map[string]types.AttributeValue{"id": s(in), "v": n(in)})
		got := e.get("Nums", map[string]types.AttributeValue{"id": s(in)})["v"]
		if render(got) != "N:"+want {
			t.Errorf("%s stored as %s, want %s", in, render(got), want)
		}
	}
	invalid := map[string]string{
		"abc":    "The parameter cannot be converted to a numeric value: abc",
		" 1":     "The parameter cannot be converted to a numeric value:  1",
		"1e":     "The parameter cannot be converted to a numeric value: 1e",
		"NaN":    "The parameter cannot be converted to a numeric value: NaN",
		"1E126":  "Number overflow. Attempting to store a number with magnitude larger than supported range",
		"1E-131": "Number underflow. Attempting to store a number with magnitude smaller than supported range",
		"1234567890123456789012345678901234567891": "Attempting to store more than 38 significant digits in a Number",
	}
	for in, msg := range invalid {
		_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Nums"), Item: map[string]types.AttributeValue{"id": s("x"), "v": n(in)}})
		apiError(t, err, "ValidationException", msg)
	}

	// Arithmetic is decimal: 0.1 + 0.2 is 0.3, never 0.30000000000000004.
	e.put("Nums", map[string]types.AttributeValue{"id": s("sum"), "v": n("0.1")})
	up, err := e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("Nums"), Key: map[string]types.AttributeValue{"id": s("sum")},
		UpdateExpression:          aws.String("ADD v :d"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": n("0.2")},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := render(up.Attributes["v"]); got != "N:0.3" {
		t.Errorf("0.1 + 0.2 = %s", got)
	}
	up, err = e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("Nums"), Key: map[string]types.AttributeValue{"id": s("sum")},
		UpdateExpression:          aws.String("SET v = v - :d, big = :big + :cent"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":d": n("0.3"), ":big": n("12345678901234567890.12"), ":cent": n("0.01")},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := renderItem(up.Attributes); got != `{big=N:12345678901234567890.13,id=S:"sum",v=N:0}` {
		t.Errorf("after SET arithmetic: %s", got)
	}
	// Overflow by arithmetic is refused, as AWS does.
	e.put("Nums", map[string]types.AttributeValue{"id": s("max"), "v": n("9.9999999999999999999999999999999999999E+125")})
	_, err = e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String("Nums"), Key: map[string]types.AttributeValue{"id": s("max")},
		UpdateExpression:          aws.String("SET v = v + :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("1E+125")},
	})
	apiError(t, err, "ValidationException", msgNumberOverflow)

	// Comparisons are numeric and exact.
	e.put("Nums", map[string]types.AttributeValue{"id": s("cmp"), "v": n("12345678901234567890.12")})
	_, err = e.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String("Nums"), Item: map[string]types.AttributeValue{"id": s("cmp"), "v": n("1")},
		ConditionExpression:       aws.String("v > :a AND v < :b AND v = :c"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": n("12345678901234567890.11"), ":b": n("12345678901234567890.13"), ":c": n("12345678901234567890.120")},
	})
	if err != nil {
		t.Fatalf("exact comparison: %v", err)
	}
}

func TestItemValidation(t *testing.T) {
	e := newEnv(t)
	e.createTable("Val", "OrderId", types.ScalarAttributeTypeN)
	item := func(kv ...any) map[string]types.AttributeValue {
		m := map[string]types.AttributeValue{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1].(types.AttributeValue)
		}
		return m
	}
	putCases := []struct {
		name string
		item map[string]types.AttributeValue
		msg  string
	}{
		{"hash wrong type", item("OrderId", n("1"), "sk", n("1")), "One or more parameter values were invalid: Type mismatch for key OrderId expected: S actual: N"},
		{"range wrong type", item("OrderId", s("a"), "sk", s("1")), "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"},
		{"missing hash", item("sk", n("1")), "One or more parameter values were invalid: Missing the key OrderId in the item"},
		{"missing range", item("OrderId", s("a")), "One or more parameter values were invalid: Missing the key sk in the item"},
		{"empty key", item("OrderId", s(""), "sk", n("1")), "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: OrderId"},
		{"empty string set", item("OrderId", s("a"), "sk", n("1"), "x", &types.AttributeValueMemberSS{Value: []string{}}), "One or more parameter values were invalid: An string set  may not be empty"},
		{"empty number set", item("OrderId", s("a"), "sk", n("1"), "x", &types.AttributeValueMemberNS{Value: []string{}}), "One or more parameter values were invalid: An number set  may not be empty"},
		{"duplicate set", item("OrderId", s("a"), "sk", n("1"), "x", &types.AttributeValueMemberSS{Value: []string{"a", "a"}}), "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{"numerically duplicate set", item("OrderId", s("a"), "sk", n("1"), "x", &types.AttributeValueMemberNS{Value: []string{"1", "1.0"}}), "One or more parameter values were invalid: Input collection [1, 1.0] contains duplicates."},
		{"null false", item("OrderId", s("a"), "sk", n("1"), "x", &types.AttributeValueMemberNULL{Value: false}), msgNullFalse},
		{"too large", item("OrderId", s("a"), "sk", n("1"), "x", s(strings.Repeat("x", 400*1024))), "Item size has exceeded the maximum allowed size"},
		{"hash too large", item("OrderId", s(strings.Repeat("k", 2049)), "sk", n("1")), "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
	}
	for _, c := range putCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Val"), Item: c.item})
			apiError(t, err, "ValidationException", c.msg)
		})
	}
	keyCases := []struct {
		name string
		key  map[string]types.AttributeValue
		msg  string
	}{
		{"wrong type", item("OrderId", n("1"), "sk", n("1")), "The provided key element does not match the schema"},
		{"missing range", item("OrderId", s("a")), "The provided key element does not match the schema"},
		{"extra attribute", item("OrderId", s("a"), "sk", n("1"), "x", s("y")), "The provided key element does not match the schema"},
		{"empty string", item("OrderId", s(""), "sk", n("1")), "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: OrderId"},
	}
	for _, c := range keyCases {
		t.Run("key "+c.name, func(t *testing.T) {
			_, err := e.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Val"), Key: c.key})
			apiError(t, err, "ValidationException", c.msg)
			_, err = e.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Val"), Key: c.key})
			apiError(t, err, "ValidationException", c.msg)
			_, err = e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("Val"), Key: c.key})
			apiError(t, err, "ValidationException", c.msg)
		})
	}
	_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Nope"), Item: item("OrderId", s("a"))})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Requested resource not found: Table: Nope not found" {
		t.Fatalf("put to missing table: %v", err)
	}
	_, err = e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Val"), Item: item("OrderId", s("a"), "sk", n("1")), ReturnValues: types.ReturnValueAllNew})
	apiError(t, err, "ValidationException", "Return values set to invalid value")
	_, err = e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Val"), Item: item("OrderId", s("a"), "sk", n("1")), ReturnValues: "EVERYTHING"})
	apiError(t, err, "ValidationException", "1 validation error detected: Value 'EVERYTHING' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [NONE, ALL_OLD, UPDATED_OLD, ALL_NEW, UPDATED_NEW]")
}

func TestExpressionErrors(t *testing.T) {
	e := newEnv(t)
	e.createTable("Expr", "pk", "")
	item := map[string]types.AttributeValue{"pk": s("a"), "n": n("1")}
	cases := []struct {
		name   string
		cond   string
		names  map[string]string
		values map[string]types.AttributeValue
		msg    string
	}{
		{"syntax", "n = = :v", nil, map[string]types.AttributeValue{":v": n("1")}, `Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"`},
		{"eof", "n = :v AND", nil, map[string]types.AttributeValue{":v": n("1")}, `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"`},
		{"bad char", "n = :v $", nil, map[string]types.AttributeValue{":v": n("1")}, `Invalid ConditionExpression: Syntax error; token: "$", near: ":v $"`},
		{"undefined value", "n = :x", nil, map[string]types.AttributeValue{":v": n("1")}, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :x"},
		{"undefined name", "#x = :v", nil, map[string]types.AttributeValue{":v": n("1")}, "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x"},
		{"unused name", "n = :v", map[string]string{"#count": "count"}, map[string]types.AttributeValue{":v": n("1")}, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#count}"},
		{"unused value", "n = :v", nil, map[string]types.AttributeValue{":v": n("1"), ":w": n("2")}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"},
		{"reserved", "size = :v", nil, map[string]types.AttributeValue{":v": n("1")}, "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: size"},
		{"unknown function", "foo(n)", nil, nil, "Invalid ConditionExpression: Invalid function name; function: foo"},
		{"arity", "attribute_exists(n, pk)", nil, nil, "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2"},
		{"operand type", "begins_with(pk, :v)", nil, map[string]types.AttributeValue{":v": n("1")}, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"between bounds", "n BETWEEN :b AND :a", nil, map[string]types.AttributeValue{":a": n("1"), ":b": n("2")}, "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"},
		{"empty", "", nil, nil, "Invalid ConditionExpression: The expression can not be empty;"},
		{"invalid name key", "n = :v", map[string]string{"count": "count"}, map[string]types.AttributeValue{":v": n("1")}, `ExpressionAttributeNames contains invalid key: Syntax error; key: "count"`},
		{"empty values", "attribute_exists(n)", nil, map[string]types.AttributeValue{}, "ExpressionAttributeValues must not be empty"},
		{"misused size", "size(n)", nil, nil, "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"},
		{"same operands", "n = n", nil, nil, "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [n]"},
		{"attribute_type name", "attribute_type(n, :t)", nil, map[string]types.AttributeValue{":t": s("NUMBER")}, "Invalid ConditionExpression: Invalid attribute type name found; type: NUMBER, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String("Expr"), Item: item, ConditionExpression: aws.String(c.cond),
				ExpressionAttributeNames: c.names, ExpressionAttributeValues: c.values,
			})
			apiError(t, err, "ValidationException", c.msg)
		})
	}
	_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Expr"), Item: item, ExpressionAttributeNames: map[string]string{"#a": "a"}})
	apiError(t, err, "ValidationException", "ExpressionAttributeNames can only be specified when using expressions")
	if it := e.get("Expr", map[string]types.AttributeValue{"pk": s("a")}); it != nil {
		t.Fatalf("a rejected request stored %s", renderItem(it))
	}
}

// TestConditionSemantics runs the comparison and function rules through
// real conditional writes: each condition either lets the write through
// or fails it with ConditionalCheckFailedException.
func TestConditionSemantics(t *testing.T) {
	e := newEnv(t)
	e.createTable("Cond", "pk", "")
	base := map[string]types.AttributeValue{
		"pk":   s("a"),
		"n":    n("10"),
		"str":  s("hello world"),
		"ss":   &types.AttributeValueMemberSS{Value: []string{"x", "y"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"lst":  &types.AttributeValueMemberL{Value: []types.AttributeValue{s("p"), n("3")}},
		"mp":   &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("v")}},
		"flag": &types.AttributeValueMemberBOOL{Value: false},
		"nul":  &types.AttributeValueMemberNULL{Value: true},
	}
	e.put("Cond", base)
	vals := map[string]types.AttributeValue{
		":5": n("5"), ":10": n("10.0"), ":20": n("20"), ":hello": s("hello"), ":world": s("world"),
		":x": s("x"), ":z": s("z"), ":1": n("1"), ":p": s("p"), ":v": s("v"), ":N": s("N"), ":SS": s("SS"), ":BOOL": s("BOOL"),
		":two": n("2"), ":false": &types.AttributeValueMemberBOOL{Value: false},
	}
	cases := []struct {
		cond string
		want bool
	}{
		{"n = :10", true},
		{"n <> :10", false},
		{"n < :20 AND n > :5", true},
		{"n <= :10 AND n >= :10", true},
		{"n BETWEEN :5 AND :20", true},
		{"n BETWEEN :5 AND :10", true},
		{"n IN (:1, :5, :10)", true},
		{"n IN (:1, :5)", false},
		{"gone = :1", false},
		{"gone <> :1", false},
		{"n < :hello", false},
		{"n <> :hello", true},
		{"NOT n = :5", true},
		{"NOT (n = :5 OR n = :10)", false},
		{"n = :5 OR n = :10 AND str = :hello", false},
		{"(n = :5 OR n = :10) AND begins_with(str, :hello)", true},
		{"attribute_exists(mp.k) AND attribute_not_exists(mp.nope)", true},
		{"attribute_exists(lst[1]) AND attribute_not_exists(lst[2])", true},
		{"lst[1] = :two", false},
		{"lst[0] = :p", true},
		{"mp.k = :v", true},
		{"attribute_type(n, :N) AND attribute_type(ss, :SS) AND attribute_type(flag, :BOOL)", true},
		{"attribute_type(n, :SS)", false},
		{"begins_with(str, :world)", false},
		{"contains(str, :world)", true},
		{"contains(ss, :x) AND NOT contains(ss, :z)", true},
		{"contains(ns, :1)", true},
		{"contains(lst, :p)", true},
		{"size(str) = :10 OR size(str) > :10", true},
		{"size(ss) = :two AND size(lst) = :two", true},
		{"size(mp) = :1", true},
		{"size(n) > :1", false},
		{"flag = :false", true},
		{"attribute_exists(nul)", true},
	}
	for _, c := range cases {
		t.Run(c.cond, func(t *testing.T) {
			used := map[string]types.AttributeValue{}
			for k, v := range vals {
				if strings.Contains(c.cond+" ", k+" ") || strings.Contains(c.cond, k+")") || strings.Contains(c.cond, k+",") {
					used[k] = v
				}
			}
			if len(used) == 0 {
				used = nil
			}
			_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String("Cond"), Item: base, ConditionExpression: aws.String(c.cond), ExpressionAttributeValues: used,
			})
			var ccf *types.ConditionalCheckFailedException
			switch {
			case c.want && err != nil:
				t.Fatalf("want success, got %v", err)
			case !c.want && !errors.As(err, &ccf):
				t.Fatalf("want ConditionalCheckFailedException, got %v", err)
			}
		})
	}
}
