package iampolicy

import (
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseShapes(t *testing.T) {
	p := mustParse(t, `{
	  "Version": "2012-10-17",
	  "Id": "Q1",
	  "Statement": {
	    "Sid": "One",
	    "Effect": "Allow",
	    "Principal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:role/R"], "Service": "sns.amazonaws.com"},
	    "Action": "sqs:SendMessage",
	    "Resource": ["arn:aws:sqs:us-east-1:111122223333:Q"],
	    "Condition": {"NumericLessThan": {"app:n": 10}, "Bool": {"aws:SecureTransport": true}, "StringEquals": {"k": ["a", 1.50]}}
	  }
	}`)
	want := &Policy{Version: "2012-10-17", ID: "Q1", Statements: []Statement{{
		Sid: "One", Effect: "Allow",
		Principal: &Principal{AWS: []string{"111122223333", "arn:aws:iam::111122223333:role/R"}, Service: []string{"sns.amazonaws.com"}},
		Action:    []string{"sqs:SendMessage"},
		Resource:  []string{"arn:aws:sqs:us-east-1:111122223333:Q"},
		Condition: Conditions{
			"NumericLessThan": {"app:n": {"10"}},
			"Bool":            {"aws:SecureTransport": {"true"}},
			"StringEquals":    {"k": {"a", "1.50"}},
		},
	}}}
	p.Statements[0].m = nil // compiled form is not part of the comparison
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Parse =\n%#v\nwant\n%#v", p, want)
	}

	star := mustParse(t, `{"Statement": [{"Effect": "Deny", "Principal": "*", "NotAction": "s3:Get*", "NotResource": "*"}]}`)
	st := star.Statements[0]
	if star.Version != "" || !st.Principal.All || st.NotAction[0] != "s3:Get*" || st.NotResource[0] != "*" || st.Action != nil {
		t.Errorf("Principal * / NotAction / no Version: %+v %+v", star, st)
	}
}

// IAM's Get*Policy APIs return documents URL-encoded.
func TestParseURLEncoded(t *testing.T) {
	encoded := url.PathEscape(functionPolicyDoc) // %20 for spaces, as IAM does
	if !strings.HasPrefix(encoded, "%7B") {
		t.Fatalf("test setup: %q", encoded[:10])
	}
	p := mustParse(t, encoded)
	if len(p.Statements) != 3 || p.Statements[2].Resource[0] != groupARN+":*" {
		t.Errorf("decoded policy: %+v", p.Statements)
	}
	// Form-style encoding ('+' for spaces) is accepted too.
	form := mustParse(t, url.QueryEscape(`{"Version": "2012-10-17", "Statement": [{"Sid": "A", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}`))
	if form.Statements[0].Sid != "A" {
		t.Errorf("form-encoded: %+v", form)
	}
	// A '+' that is data survives RFC 3986 decoding.
	plus := mustParse(t, url.PathEscape(`{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/a+b"}}`))
	if got := plus.Statements[0].Resource[0]; got != "arn:aws:s3:::b/a+b" {
		t.Errorf("plus kept: %q", got)
	}
	if _, err := Parse("%7B%ZZ"); err == nil || !errors.Is(err, ErrMalformed) {
		t.Errorf("bad escape: %v", err)
	}
}

// Each malformed document gets an error that names its problem.
func TestParseMalformed(t *testing.T) {
	okStmt := `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}`
	cases := []struct {
		name, doc, want string
	}{
		{"empty", "  ", "policy document is empty"},
		{"not JSON", "{Version:", "not valid JSON"},
		{"trailing data", `{"Statement": ` + okStmt + `} {}`, "unexpected data after the JSON object"},
		{"array document", `[` + okStmt + `]`, "must be a JSON object"},
		{"string document", `"policy"`, "must be a JSON object"},
		{"bad Version", `{"Version": "2012-10-18", "Statement": ` + okStmt + `}`, `Version must be "2012-10-17" or "2008-10-17", got "2012-10-18"`},
		{"Version not a string", `{"Version": 2012, "Statement": ` + okStmt + `}`, "Version must be a string"},
		{"Id not a string", `{"Id": [], "Statement": ` + okStmt + `}`, "Id must be a string"},
		{"unknown top-level key", `{"Version": "2012-10-17", "Statements": [` + okStmt + `]}`, `unknown top-level field "Statements"`},
		{"lower-case key", `{"version": "2012-10-17", "Statement": [` + okStmt + `]}`, `unknown top-level field "version"`},
		{"duplicate key", `{"Statement": [` + okStmt + `], "Statement": []}`, `duplicate field "Statement"`},
		{"missing Statement", `{"Version": "2012-10-17"}`, "missing Statement"},
		{"empty Statement list", `{"Statement": []}`, "Statement must be an object or a non-empty list of objects"},
		{"Statement a string", `{"Statement": "allow all"}`, "Statement must be an object or a non-empty list of objects"},
		{"statement not an object", `{"Statement": [` + okStmt + `, "x"]}`, "Statement[1]: must be an object"},
		{"bad Effect", `{"Statement": [` + okStmt + `, {"Effect": "allow", "Action": "s3:*", "Resource": "*"}]}`, `Statement[1]: Effect must be Allow or Deny, got "allow"`},
		{"missing Effect", `{"Statement": [{"Action": "s3:*", "Resource": "*"}]}`, "Statement[0]: missing Effect"},
		{"unknown statement key", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Resources": "*"}]}`, `Statement[0]: unknown field "Resources"`},
		{"duplicate statement key", `{"Statement": [{"Effect": "Allow", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}`, `Statement[0]: duplicate field "Effect"`},
		{"missing Action", `{"Statement": [{"Effect": "Allow", "Resource": "*"}]}`, "Statement[0]: missing Action (or NotAction)"},
		{"Action and NotAction", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}]}`, "Statement[0]: has both Action and NotAction"},
		{"empty Action list", `{"Statement": [{"Effect": "Allow", "Action": [], "Resource": "*"}]}`, "Statement[0]: Action must be a string or a non-empty list of strings"},
		{"Action a number", `{"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}`, "Statement[0]: Action must be a string or a non-empty list of strings"},
		{"Action without service", `{"Statement": [{"Effect": "Allow", "Action": "PutItem", "Resource": "*"}]}`, `Statement[0]: action "PutItem" must be "*" or service:action`},
		{"Action with empty name", `{"Statement": [{"Effect": "Allow", "Action": "dynamodb:", "Resource": "*"}]}`, `action "dynamodb:" must be`},
		{"Resource and NotResource", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "NotResource": "*"}]}`, "Statement[0]: has both Resource and NotResource"},
		{"Resource not an ARN", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "OrdersTable"}]}`, `Statement[0]: resource "OrdersTable" must be "*" or an ARN`},
		{"Resource short ARN", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3"}]}`, `resource "arn:aws:s3" must be "*" or an ARN`},
		{"Resource list with a number", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": ["*", 1]}]}`, "Resource must be a string or a non-empty list of strings"},
		{"Principal and NotPrincipal", `{"Statement": [{"Effect": "Allow", "Principal": "*", "NotPrincipal": "*", "Action": "s3:*", "Resource": "*"}]}`, "has both Principal and NotPrincipal"},
		{"Principal a word", `{"Statement": [{"Effect": "Allow", "Principal": "everyone", "Action": "s3:*", "Resource": "*"}]}`, `Statement[0]: Principal must be "*" or an object`},
		{"Principal unknown key", `{"Statement": [{"Effect": "Allow", "Principal": {"User": "bob"}, "Action": "s3:*", "Resource": "*"}]}`, `Principal has unknown key "User"`},
		{"Principal bad AWS", `{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "bob"}, "Action": "s3:*", "Resource": "*"}]}`, `Principal AWS value "bob" must be "*", an account id or an ARN`},
		{"Principal empty", `{"Statement": [{"Effect": "Allow", "Principal": {}, "Action": "s3:*", "Resource": "*"}]}`, `Principal must be "*" or an object`},
		{"Principal empty value", `{"Statement": [{"Effect": "Allow", "Principal": {"Service": ""}, "Action": "s3:*", "Resource": "*"}]}`, "Principal Service has an empty value"},
		{"Sid not unique", `{"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Sid": "A", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}`, `Statement[1]: Sid "A" is not unique`},
		{"Sid not a string", `{"Statement": [{"Sid": 1, "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`, "Statement[0]: Sid must be a string"},
		{"Condition not an object", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": []}]}`, "Statement[0]: Condition must be an object"},
		{"unknown operator", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringMatches": {"k": "v"}}}]}`, `Condition operator "StringMatches" is not supported`},
		{"NullIfExists", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NullIfExists": {"k": "true"}}}]}`, "Null takes neither IfExists nor a set qualifier"},
		{"bad set qualifier", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"ForEach:StringEquals": {"k": "v"}}}]}`, `unknown set qualifier "ForEach"`},
		{"operator with empty block", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {}}}]}`, "Condition StringEquals must be a non-empty object"},
		{"condition value an object", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"k": {"v": 1}}}}]}`, `Condition StringEquals key "k": values must be strings, numbers, booleans`},
		{"condition value null", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"k": null}}}]}`, `key "k": values must be`},
		{"condition empty list", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"k": []}}}]}`, `key "k": values must be`},
		{"numeric not a number", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NumericLessThan": {"s3:max-keys": "ten"}}}]}`, `Statement[0]: Condition NumericLessThan key "s3:max-keys": "ten" is not a number`},
		{"numeric overflow", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"NumericLessThan": {"n": 1e400}}}]}`, `"1e400" is not a number`},
		{"bad date", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "May 3rd"}}}]}`, `"May 3rd" is not a date`},
		{"bad bool", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "yes"}}}]}`, `"yes" is not true or false`},
		{"bad Null", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"Null": {"k": "maybe"}}}]}`, `"maybe" is not true or false`},
		{"bad IP", `{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}}]}`, "is not an IP address or CIDR block"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc)
			if err == nil {
				t.Fatalf("Parse accepted %s: %+v", tc.doc, p)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not match ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestParseErrorStatementIndex(t *testing.T) {
	_, err := Parse(`{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}`)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Statement != 1 {
		t.Fatalf("error %v: want a ParseError for Statement 1", err)
	}
	_, err = Parse(`{"Version": "1"}`)
	if !errors.As(err, &pe) || pe.Statement != -1 || strings.HasPrefix(err.Error(), "Statement[") {
		t.Fatalf("document-level error %v", err)
	}
}

func TestValidateKinds(t *testing.T) {
	cases := []struct {
		name string
		doc  string
		kind PolicyKind
		want string // "" for valid
	}{
		{"function policy as identity", functionPolicyDoc, KindIdentity, ""},
		{"queue policy as resource", queuePolicyDoc, KindResource, ""},
		{"trust policy as trust", trustPolicyDoc, KindTrust, ""},
		{"function policy as boundary", functionPolicyDoc, KindBoundary, ""},
		{"queue policy as identity", queuePolicyDoc, KindIdentity, "Policy document should not specify a principal"},
		{"identity without Resource", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}`, KindIdentity, "Statement[0]: missing Resource"},
		{"identity Sid with spaces", `{"Version": "2012-10-17", "Statement": [{"Sid": "allow all", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}`, KindIdentity, `Sid "allow all" must be alphanumeric`},
		{"resource policy Sid with underscores is fine", `{"Statement": [{"Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish", "Resource": "*"}]}`, KindResource, ""},
		{"function policy as resource", functionPolicyDoc, KindResource, "Statement[0]: missing Principal"},
		{"trust with Resource", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole", "Resource": "*"}]}`, KindTrust, "has prohibited field Resource"},
		{"trust without Principal", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}`, KindTrust, "missing Principal"},
		{"trust with a non-sts action", `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "s3:GetObject"}]}`, KindTrust, `action "s3:GetObject" is not valid in a trust policy`},
		{"unknown kind", functionPolicyDoc, PolicyKind("bucket"), `unknown policy kind "bucket"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := mustParse(t, tc.doc).Validate(tc.kind)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrMalformed)):
				t.Errorf("Validate = %v, want an ErrMalformed containing %q", err, tc.want)
			}
		})
	}
}

// MarshalJSON's canonical form parses back to the same policy.
func TestMarshalRoundTrip(t *testing.T) {
	for _, doc := range []string{functionPolicyDoc, queuePolicyDoc, trustPolicyDoc,
		`{"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": "*"}, "NotAction": "s3:*", "NotResource": "*", "Condition": {"Null": {"k": true}}}}`} {
		p := mustParse(t, doc)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		q := mustParse(t, string(b))
		b2, _ := json.Marshal(q)
		if string(b) != string(b2) {
			t.Errorf("round trip differs:\n%s\n%s", b, b2)
		}
		for i := range p.Statements {
			p.Statements[i].m, q.Statements[i].m = nil, nil
		}
		if !reflect.DeepEqual(p, q) {
			t.Errorf("round trip changed the policy:\n%+v\n%+v", p, q)
		}
	}
	b, _ := json.Marshal(mustParse(t, `{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}}`))
	if !strings.Contains(string(b), `"Principal":"*"`) {
		t.Errorf("Principal * rendered as %s", b)
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic on a bad document")
		}
	}()
	MustParse("{}")
}
