package sns

import (
	"testing"

	"github.com/orders-dev/orders/internal/emulator/service"
)

func TestFilterPolicyMatching(t *testing.T) {
	s := func(v string) service.MessageAttribute {
		return service.MessageAttribute{DataType: "String", StringValue: v}
	}
	n := func(v string) service.MessageAttribute {
		return service.MessageAttribute{DataType: "Number", StringValue: v}
	}
	arr := func(v string) service.MessageAttribute {
		return service.MessageAttribute{DataType: "String.Array", StringValue: v}
	}
	type attrs = map[string]service.MessageAttribute
	cases := []struct {
		policy string
		attrs  attrs
		want   bool
	}{
		{`{"a":["x","y"]}`, attrs{"a": s("y")}, true},
		{`{"a":["x"]}`, attrs{"a": s("X")}, false},
		{`{"a":["x"]}`, attrs{}, false},
		{`{"a":[{"equals-ignore-case":"x"}]}`, attrs{"a": s("X")}, true},
		{`{"a":[250]}`, attrs{"a": n("250.0")}, true},
		{`{"a":[250]}`, attrs{"a": s("250")}, false},
		{`{"a":[{"numeric":[">",0,"<=",5]}]}`, attrs{"a": n("5")}, true},
		{`{"a":[{"numeric":[">",0,"<=",5]}]}`, attrs{"a": n("5.01")}, false},
		{`{"a":[{"numeric":["=",3]}]}`, attrs{"a": n("3e0")}, true},
		{`{"a":[{"prefix":"ORD-"}]}`, attrs{"a": s("ORD-1")}, true},
		{`{"a":[{"suffix":".png"}]}`, attrs{"a": s("x.jpg")}, false},
		{`{"a":[{"anything-but":["x","y"]}]}`, attrs{"a": s("z")}, true},
		{`{"a":[{"anything-but":["x","y"]}]}`, attrs{"a": s("x")}, false},
		{`{"a":[{"anything-but":"x"}]}`, attrs{}, false},
		{`{"a":[{"anything-but":{"prefix":"test-"}}]}`, attrs{"a": s("test-1")}, false},
		{`{"a":[{"anything-but":{"prefix":"test-"}}]}`, attrs{"a": s("prod-1")}, true},
		{`{"a":[{"anything-but":[100]}]}`, attrs{"a": n("101")}, true},
		{`{"a":[{"exists":true}]}`, attrs{"a": service.MessageAttribute{DataType: "Binary", BinaryValue: []byte{1}}}, true},
		{`{"a":[{"exists":false}]}`, attrs{"b": s("x")}, true},
		{`{"a":[{"exists":false}]}`, attrs{"a": s("x")}, false},
		{`{"a":["x"],"b":["y"]}`, attrs{"a": s("x")}, false},
		{`{"a":["x"],"b":["y"]}`, attrs{"a": s("x"), "b": s("y")}, true},
		{`{"a":["red","blue"]}`, attrs{"a": arr(`["green","blue"]`)}, true},
		{`{"a":["red"]}`, attrs{"a": arr(`["green"]`)}, false},
		{`{"a":[{"wildcard":"ORD-*-EU"}]}`, attrs{"a": s("ORD-17-EU")}, true},
		{`{"ip":[{"cidr":"10.0.0.0/24"}]}`, attrs{"ip": s("10.0.0.7")}, true},
		{`{"ip":[{"cidr":"10.0.0.0/24"}]}`, attrs{"ip": s("10.0.1.7")}, false},
		{`{"$or":[{"a":["x"]},{"b":["y"]}]}`, attrs{"b": s("y")}, true},
		{`{"$or":[{"a":["x"]},{"b":["y"]}]}`, attrs{"c": s("y")}, false},
	}
	for _, c := range cases {
		fp, err := parseFilterPolicy(c.policy, "MessageAttributes")
		if err != nil {
			t.Errorf("parse %s: %v", c.policy, err)
			continue
		}
		if got := fp.matches(c.attrs, "ignored"); got != c.want {
			t.Errorf("%s against %v = %v, want %v", c.policy, c.attrs, got, c.want)
		}
	}
}

func TestFilterPolicyOnBody(t *testing.T) {
	cases := []struct {
		policy, body string
		want         bool
	}{
		{`{"Amount":[{"numeric":[">",100]}]}`, `{"OrderId":"ORD-1","Amount":250}`, true},
		{`{"Amount":[{"numeric":[">",100]}]}`, `{"OrderId":"ORD-1","Amount":"250"}`, false},
		{`{"order":{"status":["paid"]}}`, `{"order":{"status":"paid"}}`, true},
		{`{"order":{"status":["paid"]}}`, `{"order":"paid"}`, false},
		{`{"flag":[true]}`, `{"flag":true}`, true},
		{`{"v":[null]}`, `{"v":null}`, true},
		{`{"tags":["b"]}`, `{"tags":["a","b"]}`, true},
		{`{"a":["x"]}`, `not json`, false},
	}
	for _, c := range cases {
		fp, err := parseFilterPolicy(c.policy, "MessageBody")
		if err != nil {
			t.Errorf("parse %s: %v", c.policy, err)
			continue
		}
		if got := fp.matches(nil, c.body); got != c.want {
			t.Errorf("%s against %s = %v, want %v", c.policy, c.body, got, c.want)
		}
	}
}

func TestFilterPolicyValidation(t *testing.T) {
	bad := []string{
		`[]`, `{"a":"x"}`, `{"a":[]}`, `{"a":[{"unknown":1}]}`, `{"a":[{"numeric":["<"]}]}`,
		`{"a":[{"numeric":["!=",1]}]}`, `{"a":[{"numeric":[">",5,"<",1]}]}`, `{"a":[{"exists":"yes"}]}`,
		`{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}`, `{"a":{"b":["x"]}}`, `{"a":[["nested"]]}`,
		`{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13],"b":[1,2,3,4,5,6,7,8,9,10,11,12,13]}`,
	}
	for _, p := range bad {
		if _, err := parseFilterPolicy(p, "MessageAttributes"); err == nil {
			t.Errorf("policy %s accepted", p)
		}
	}
	if _, err := parseFilterPolicy(`{"a":{"b":["x"]}}`, "MessageBody"); err != nil {
		t.Errorf("nested policy rejected in MessageBody scope: %v", err)
	}
}
