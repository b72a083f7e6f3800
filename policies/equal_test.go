package policies

import (
	"net/url"
	"testing"
)

func TestEqual(t *testing.T) {
	const base = `{"Version":"2012-10-17","Statement":[
		{"Sid":"A","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/T"},
		{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"identical", base, base, true},
		{"string vs one-element list", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":["dynamodb:PutItem"],"Resource":["arn:aws:dynamodb:r:1:table/T"]},
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:r:1:log-group:g:*"}]}`, true},
		{"key order and whitespace", base, `{ "Statement" : [
			{"Resource":"arn:aws:dynamodb:r:1:table/T","Action":"dynamodb:PutItem","Effect":"Allow","Sid":"A"},
			{"Resource":["arn:aws:logs:r:1:log-group:g:*"],"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Sid":"B"}
			], "Version" : "2012-10-17" }`, true},
		{"URL-encoded, as IAM returns it", base, url.QueryEscape(base), true},
		{"action list order, duplicates and case", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/T"},
			{"Sid":"B","Effect":"Allow","Action":["logs:putlogevents","logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`, true},
		{"statement order", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]},
			{"Sid":"A","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/T"}]}`, true},
		{"single statement object vs list",
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}`, true},

		{"extra action", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem"],"Resource":"arn:aws:dynamodb:r:1:table/T"},
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`, false},
		{"wider resource", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"*"},
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`, false},
		{"resource case matters", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/t"},
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`, false},
		{"effect", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Deny","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/T"},
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`, false},
		{"missing statement", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/T"}]}`, false},
		{"Action vs NotAction", base, `{"Version":"2012-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","NotAction":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/T"},
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`, false},
		{"version", base, `{"Version":"2008-10-17","Statement":[
			{"Sid":"A","Effect":"Allow","Action":"dynamodb:PutItem","Resource":"arn:aws:dynamodb:r:1:table/T"},
			{"Sid":"B","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":["arn:aws:logs:r:1:log-group:g:*"]}]}`, false},

		{"principal string vs list",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}`, true},
		{"other principal",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, false},
		{"condition value string vs list, key case",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"q","Condition":{"ArnEquals":{"aws:SourceArn":"t"}}}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"q","Condition":{"ArnEquals":{"aws:sourcearn":["t"]}}}]}`, true},
		{"condition number vs string",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}`, true},
		{"condition dropped",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"q","Condition":{"ArnEquals":{"aws:SourceArn":"t"}}}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"q"}]}`, false},
		{"other condition value",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"q","Condition":{"ArnEquals":{"aws:SourceArn":"t"}}}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"q","Condition":{"ArnLike":{"aws:SourceArn":"t"}}}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Equal([]byte(tt.a), []byte(tt.b))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
			// Symmetric.
			if back, _ := Equal([]byte(tt.b), []byte(tt.a)); back != got {
				t.Errorf("Equal is not symmetric")
			}
		})
	}
}

func TestEqualErrors(t *testing.T) {
	good := []byte(`{"Version":"2012-10-17","Statement":[]}`)
	for _, bad := range []string{``, `[]`, `{`, `%7B`, `%zz`, `{"Version":"2012-10-17"}`, `{"Statement":"x"}`, `{"Statement":[1]}`, `{"Statement":[]} {}`} {
		if _, err := Equal(good, []byte(bad)); err == nil {
			t.Errorf("Equal(good, %q): no error", bad)
		}
		if _, err := Equal([]byte(bad), good); err == nil {
			t.Errorf("Equal(%q, good): no error", bad)
		}
	}
}
