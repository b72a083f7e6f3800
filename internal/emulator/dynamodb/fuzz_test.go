package dynamodb

import (
	"encoding/json"
	"errors"
	"hash/fnv"
	"sort"
	"testing"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// fuzzItem is what fuzzed expressions are evaluated and applied against.
func fuzzItem() Item {
	var it Item
	_ = json.Unmarshal([]byte(`{
		"pk": {"S": "p"}, "sk": {"N": "1"}, "a": {"N": "10"}, "b": {"S": "hello"},
		"Status": {"S": "PENDING"}, "l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"k": {"S": "v"}}}]},
		"m": {"M": {"k": {"S": "v"}, "n": {"N": "3"}, "l": {"L": []}}},
		"ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AQ=="]},
		"t": {"BOOL": true}, "z": {"NULL": true}, "bin": {"B": "AAEC"}
	}`), &it)
	return it
}

func fuzzEnv() *exprEnv {
	var values map[string]Value
	_ = json.Unmarshal([]byte(`{
		":v": {"N": "1"}, ":w": {"N": "-2.5"}, ":s": {"S": "x"}, ":e": {"S": ""}, ":l": {"L": [{"S": "z"}]},
		":ss": {"SS": ["x", "q"]}, ":ns": {"NS": ["7"]}, ":m": {"M": {"k": {"S": "v"}}}, ":t": {"S": "N"}, ":b": {"B": "AQ=="}
	}`), &values)
	return newExprEnv(map[string]string{"#a": "a", "#s": "Status", "#k": "k", "#pk": "pk", "#sk": "sk"}, values)
}

func fuzzTable() *table {
	return newTable(tableMeta{
		Name: "FuzzTable", Region: "us-east-1",
		KeySchema:            []keySchemaElement{{"pk", "HASH"}, {"sk", "RANGE"}},
		AttributeDefinitions: []attributeDefinition{{"pk", "S"}, {"sk", "N"}},
	}, nil)
}

// checkValidation fails unless err is nil or a 400 ValidationException.
func checkValidation(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var se *service.Error
	if !errors.As(err, &se) || se.HTTPStatus() != 400 || se.Code != "ValidationException" || se.Message == "" {
		t.Fatalf("%s: want a ValidationException, got %#v", what, err)
	}
}

// FuzzExpression drives the tokenizer, the recursive-descent parser and
// the evaluators with arbitrary text: every input either parses or is a
// ValidationException, and whatever parses evaluates without panicking.
func FuzzExpression(f *testing.F) {
	for _, seed := range []struct {
		kind uint8
		expr string
	}{
		{0, "attribute_not_exists(pk)"},
		{0, "#s = :s AND a = :v"},
		{0, "NOT (a BETWEEN :w AND :v) OR b IN (:s, :e) AND size(l) > :v"},
		{0, "begins_with(b, :s) AND contains(ss, :s) AND attribute_type(a, :t) AND m.k = :s AND l[2].#k <> :s"},
		{1, "SET a = if_not_exists(a, :v) + :w, l = list_append(l, :l) REMOVE b, m.k ADD ns :ns DELETE ss :ss"},
		{1, "SET #a = #a - :v, m.l[0] = :m, newattr = :s"},
		{2, "a, b, l[1], m.k, #s"},
		{3, "#pk = :s AND #sk BETWEEN :w AND :v"},
		{3, "pk = :s AND begins_with(sk, :s)"},
	} {
		f.Add(seed.kind, seed.expr)
	}
	item := fuzzItem()
	tbl := fuzzTable()
	f.Fuzz(func(t *testing.T, kind uint8, expr string) {
		env := fuzzEnv()
		switch kind % 4 {
		case 0:
			c, err := parseCondition("ConditionExpression", expr, env)
			checkValidation(t, "parse condition", err)
			if err == nil {
				c.eval(item)
				c.eval(nil)
				c.paths(nil)
				checkValidation(t, "unused", env.checkUnused())
			}
		case 1:
			ue, err := parseUpdate(expr, env)
			checkValidation(t, "parse update", err)
			if err == nil {
				before, _ := item.MarshalJSON()
				if out, err := applyUpdate(item, item, ue); err == nil {
					if _, err := out.MarshalJSON(); err != nil {
						t.Fatal(err)
					}
				} else {
					checkValidation(t, "apply update", err)
				}
				_, err = applyUpdate(nil, Item{"pk": {Kind: KindS, S: "p"}}, ue)
				checkValidation(t, "apply update to new item", err)
				if after, _ := item.MarshalJSON(); string(after) != string(before) {
					t.Fatalf("update modified the stored item:\n%s\n%s", before, after)
				}
			}
		case 2:
			paths, err := parseProjection(expr, env)
			checkValidation(t, "parse projection", err)
			if err == nil {
				project(item, paths)
			}
		case 3:
			c, err := parseCondition("KeyConditionExpression", expr, env)
			checkValidation(t, "parse key condition", err)
			if err == nil {
				_, err := tbl.keyBoundsOf(c)
				checkValidation(t, "key condition", err)
			}
		}
	})
}

// fuzzService is one service for all inputs of FuzzRequest, with a table
// that the inputs read and write.
func fuzzService(t testing.TB) *Service {
	st, err := store.Open("", store.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	svc, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

const fuzzCreate = `{"TableName":"FuzzTable","BillingMode":"PAY_PER_REQUEST",
	"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
	"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}`

// FuzzRequest sends arbitrary bodies to every operation: the answer is a
// value that encodes as JSON or a 4xx error, never a panic or a 500.
func FuzzRequest(f *testing.F) {
	svc := fuzzService(f)
	ops := svc.Operations()
	sort.Strings(ops)
	for _, op := range ops {
		f.Add(op, []byte(`{"TableName":"FuzzTable"}`))
		f.Add(op, []byte(`{`))
	}
	f.Add("PutItem", []byte(`{"TableName":"FuzzTable","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"NS":["1","2"]}},"ConditionExpression":"attribute_not_exists(pk)"}`))
	f.Add("UpdateItem", []byte(`{"TableName":"FuzzTable","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},"UpdateExpression":"ADD v :n","ExpressionAttributeValues":{":n":{"NS":["3"]}},"ReturnValues":"ALL_NEW"}`))
	f.Add("Query", []byte(`{"TableName":"FuzzTable","KeyConditionExpression":"pk = :p AND sk > :z","ExpressionAttributeValues":{":p":{"S":"a"},":z":{"N":"0"}},"Limit":1}`))
	f.Add("Scan", []byte(`{"TableName":"FuzzTable","ExclusiveStartKey":{"pk":{"S":"a"},"sk":{"N":"1"}}}`))
	f.Add("BatchWriteItem", []byte(`{"RequestItems":{"FuzzTable":[{"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"a"},"sk":{"N":"1"}}}}]}}`))
	f.Fuzz(func(t *testing.T, op string, body []byte) {
		if _, known := handlers[op]; !known {
			h := fnv.New32a()
			_, _ = h.Write([]byte(op))
			op = ops[h.Sum32()%uint32(len(ops))]
		}
		call := func(op string, body []byte) (any, error) {
			return svc.HandleJSON(&service.Call{Operation: op, Region: "us-east-1", Account: "000000000000", Now: time.Now()}, body)
		}
		// Keep the table there for the input to work on.
		if _, err := svc.lookup("us-east-1", "FuzzTable"); err != nil {
			if _, err := call("CreateTable", []byte(fuzzCreate)); err != nil {
				t.Fatalf("recreate table: %v", err)
			}
		}
		out, err := call(op, body)
		if err != nil {
			var se *service.Error
			if !errors.As(err, &se) || se.HTTPStatus() >= 500 || se.Code == "" {
				t.Fatalf("%s %s: %#v", op, body, err)
			}
			return
		}
		if _, err := json.Marshal(out); err != nil {
			t.Fatalf("%s %s: answer does not encode: %v", op, body, err)
		}
	})
}
