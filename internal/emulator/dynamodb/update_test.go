package dynamodb

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestUpdateItem(t *testing.T) {
	e := newEnv(t)
	e.createTable("Upd", "pk", "")
	key := map[string]types.AttributeValue{"pk": s("a")}
	update := func(expr string, names map[string]string, values map[string]types.AttributeValue, rv types.ReturnValue) (map[string]types.AttributeValue, error) {
		out, err := e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String("Upd"), Key: key, UpdateExpression: aws.String(expr),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values, ReturnValues: rv,
		})
		if err != nil {
			return nil, err
		}
		return out.Attributes, nil
	}
	steps := []struct {
		expr   string
		names  map[string]string
		values map[string]types.AttributeValue
		rv     types.ReturnValue
		ret    string // the Attributes returned
		item   string // the whole item afterwards
	}{
		{
			// Upsert: the item does not exist yet.
			expr:   "SET cnt = if_not_exists(cnt, :zero) + :one, tags = :tags, lst = :l, #st = :new",
			names:  map[string]string{"#st": "Status"},
			values: map[string]types.AttributeValue{":zero": n("0"), ":one": n("1"), ":tags": &types.AttributeValueMemberSS{Value: []string{"a"}}, ":l": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("x")}}, ":new": s("NEW")},
			rv:     types.ReturnValueAllNew,
			ret:    `{Status=S:"NEW",cnt=N:1,lst=L:[S:"x"],pk=S:"a",tags=SS:["a"]}`,
			item:   `{Status=S:"NEW",cnt=N:1,lst=L:[S:"x"],pk=S:"a",tags=SS:["a"]}`,
		},
		{
			expr:   "SET cnt = if_not_exists(cnt, :zero) + :one, lst = list_append(lst, :more)",
			values: map[string]types.AttributeValue{":zero": n("0"), ":one": n("1"), ":more": &types.AttributeValueMemberL{Value: []types.AttributeValue{s("y"), s("z")}}},
			rv:     types.ReturnValueUpdatedOld,
			ret:    `{cnt=N:1,lst=L:[S:"x"]}`,
			item:   `{Status=S:"NEW",cnt=N:2,lst=L:[S:"x",S:"y",S:"z"],pk=S:"a",tags=SS:["a"]}`,
		},
		{
			expr:   "ADD cnt :ten, tags :more REMOVE lst[0], #st",
			names:  map[string]string{"#st": "Status"},
			values: map[string]types.AttributeValue{":ten": n("-10.5"), ":more": &types.AttributeValueMemberSS{Value: []string{"b", "c", "a"}}},
			rv:     types.ReturnValueUpdatedNew,
			ret:    `{cnt=N:-8.5,lst=L:[S:"y"],tags=SS:["a" "b" "c"]}`,
			item:   `{cnt=N:-8.5,lst=L:[S:"y",S:"z"],pk=S:"a",tags=SS:["a" "b" "c"]}`,
		},
		{
			// SET reads the item as it was: a swap works.
			expr: "SET lst[0] = lst[1], lst[1] = lst[0], m = :m", values: map[string]types.AttributeValue{":m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"in": n("1")}}},
			rv:   types.ReturnValueAllOld,
			ret:  `{cnt=N:-8.5,lst=L:[S:"y",S:"z"],pk=S:"a",tags=SS:["a" "b" "c"]}`,
			item: `{cnt=N:-8.5,lst=L:[S:"z",S:"y"],m=M:{in=N:1},pk=S:"a",tags=SS:["a" "b" "c"]}`,
		},
		{
			expr: "SET m.deeper = :d, lst[9] = :d ADD newnum :d, newset :ns DELETE tags :bc",
			values: map[string]types.AttributeValue{":d": n("5"), ":ns": &types.AttributeValueMemberNS{Value: []string{"1"}},
				":bc": &types.AttributeValueMemberSS{Value: []string{"b", "c"}}},
			rv:   types.ReturnValueNone,
			item: `{cnt=N:-8.5,lst=L:[S:"z",S:"y",N:5],m=M:{deeper=N:5,in=N:1},newnum=N:5,newset=NS:[1],pk=S:"a",tags=SS:["a"]}`,
		},
		{
			expr: "REMOVE m.#in, absent, lst[1], lst[0]", names: map[string]string{"#in": "in"},
			item: `{cnt=N:-8.5,lst=L:[N:5],m=M:{deeper=N:5},newnum=N:5,newset=NS:[1],pk=S:"a",tags=SS:["a"]}`,
		},
		{
			// Deleting a set's last element removes the attribute.
			expr: "DELETE tags :a", values: map[string]types.AttributeValue{":a": &types.AttributeValueMemberSS{Value: []string{"a"}}},
			item: `{cnt=N:-8.5,lst=L:[N:5],m=M:{deeper=N:5},newnum=N:5,newset=NS:[1],pk=S:"a"}`,
		},
	}
	for i, st := range steps {
		ret, err := update(st.expr, st.names, st.values, st.rv)
		if err != nil {
			t.Fatalf("step %d %q: %v", i, st.expr, err)
		}
		if st.ret != "" && renderItem(ret) != st.ret {
			t.Errorf("step %d returned\n got %s\nwant %s", i, renderItem(ret), st.ret)
		}
		if st.ret == "" && ret != nil {
			t.Errorf("step %d returned %s, want nothing", i, renderItem(ret))
		}
		if got := renderItem(e.get("Upd", key)); got != st.item {
			t.Errorf("step %d item\n got %s\nwant %s", i, got, st.item)
		}
	}

	errCases := []struct {
		expr   string
		values map[string]types.AttributeValue
		msg    string
	}{
		{"SET pk = :v", map[string]types.AttributeValue{":v": s("b")}, "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"},
		{"SET x = absent", nil, "The provided expression refers to an attribute that does not exist in the item"},
		{"SET x = list_append(absent, :l)", map[string]types.AttributeValue{":l": &types.AttributeValueMemberL{}}, "The provided expression refers to an attribute that does not exist in the item"},
		{"SET x = m + :v", map[string]types.AttributeValue{":v": n("1")}, "An operand in the update expression has an incorrect data type"},
		{"ADD newset :s", map[string]types.AttributeValue{":s": &types.AttributeValueMemberSS{Value: []string{"x"}}}, "An operand in the update expression has an incorrect data type"},
		{"ADD x :s", map[string]types.AttributeValue{":s": s("x")}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{"DELETE newset :n", map[string]types.AttributeValue{":n": n("1")}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
		{"SET x = :s + :n", map[string]types.AttributeValue{":s": s("x"), ":n": n("1")}, "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{"SET absent.x = :n", map[string]types.AttributeValue{":n": n("1")}, "The document path provided in the update expression is invalid for update"},
		{"SET a = :n, a.b = :n", map[string]types.AttributeValue{":n": n("1")}, "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]"},
		{"SET a = :n SET b = :n", map[string]types.AttributeValue{":n": n("1")}, `Invalid UpdateExpression: The "SET" section can only be used once in an update expression;`},
		{"SET a = :n,", map[string]types.AttributeValue{":n": n("1")}, `Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ","`},
		{"SET a = frob(:n)", map[string]types.AttributeValue{":n": n("1")}, "Invalid UpdateExpression: Invalid function name; function: frob"},
		{"SET #n = :n", map[string]types.AttributeValue{":n": n("1")}, "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #n"},
	}
	before := renderItem(e.get("Upd", key))
	for _, c := range errCases {
		_, err := update(c.expr, nil, c.values, "")
		apiError(t, err, "ValidationException", c.msg)
	}
	if after := renderItem(e.get("Upd", key)); after != before {
		t.Errorf("failed updates changed the item:\n%s\n%s", before, after)
	}
}

func TestUpdateItemCondition(t *testing.T) {
	e := newEnv(t)
	e.createTable("UpdC", "pk", "")
	key := map[string]types.AttributeValue{"pk": s("a")}
	cond := func(c string) error {
		_, err := e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String("UpdC"), Key: key,
			UpdateExpression:                    aws.String("SET v = :v"),
			ConditionExpression:                 aws.String(c),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":v": n("1")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		return err
	}
	var ccf *types.ConditionalCheckFailedException
	// Against a missing item, attribute_exists fails and the error has no item.
	if err := cond("attribute_exists(pk)"); !errors.As(err, &ccf) || ccf.Item != nil {
		t.Fatalf("update of missing item: %v", err)
	}
	if e.get("UpdC", key) != nil {
		t.Fatal("failed conditional update created the item")
	}
	if err := cond("attribute_not_exists(pk)"); err != nil {
		t.Fatal(err)
	}
	if err := cond("v <> :v"); !errors.As(err, &ccf) || renderItem(ccf.Item) != `{pk=S:"a",v=N:1}` {
		t.Fatalf("want failure with item, got %v", err)
	}
	// UpdateItem without an UpdateExpression stores just the key.
	if _, err := e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("UpdC"), Key: map[string]types.AttributeValue{"pk": s("b")}}); err != nil {
		t.Fatal(err)
	}
	if got := renderItem(e.get("UpdC", map[string]types.AttributeValue{"pk": s("b")})); got != `{pk=S:"b"}` {
		t.Errorf("key-only upsert = %s", got)
	}
}
