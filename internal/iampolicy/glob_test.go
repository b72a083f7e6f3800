package iampolicy

import "testing"

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		fold   bool
		want   bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"*", "arn:aws:s3:::b/k", false, true},
		{"a*", "a", false, true},
		{"a*b", "ab", false, true},
		{"a*b", "a:/b", false, true},
		{"a*b", "a:/bc", false, false},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyy", false, false},
		{"*log*", "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/file.txt", false, true},
		{"a?c", "abc", false, true},
		{"a?c", "ac", false, false},
		{"a?c", "aéc", false, true},
		{"*é?", "xéy", false, true},
		{"**", "anything", false, true},
		{"*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false, false},
		{"arn:aws:logs:us-east-1:1:log-group:/aws/lambda/F:*", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/F:log-stream:2024/01/01/[$LATEST]abc", false, true},
		{"dynamodb:put*", "DynamoDB:PutItem", true, true},
		{"dynamodb:put*", "DynamoDB:PutItem", false, false},
		{"a" + string(litStar) + "b", "a*b", false, true},
		{"a" + string(litStar) + "b", "axb", false, false},
		{"a" + string(litQuestion), "a?", false, true},
		{"a" + string(litQuestion), "ab", false, false},
	}
	for _, tc := range cases {
		if got := globMatch(tc.pat, tc.s, tc.fold); got != tc.want {
			t.Errorf("globMatch(%q, %q, fold=%v) = %v, want %v", tc.pat, tc.s, tc.fold, got, tc.want)
		}
	}
}

// The fast paths agree with the general algorithm.
func TestPatternKinds(t *testing.T) {
	inputs := []string{"", "*", "dynamodb:PutItem", "DYNAMODB:PUTITEM", "dynamodb:PutItemX", "dynamodb:", "sns:Publish", "arn:aws:s3:::b/k"}
	for _, pat := range []string{"*", "dynamodb:PutItem", "dynamodb:*", "dynamodb:Put?tem", "*:*", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k"} {
		for _, fold := range []bool{false, true} {
			p := compilePattern(pat, fold, false)
			lowered := pat
			if fold {
				lowered = p.text
				if p.kind == patPrefix {
					lowered = p.text + "*"
				}
			}
			for _, s := range inputs {
				if got, want := p.match(s, nil), globMatch(lowered, s, fold); got != want {
					t.Errorf("pattern %q (kind %d, fold %v) on %q: %v, general algorithm says %v", pat, p.kind, fold, s, got, want)
				}
			}
		}
	}
}

func TestParseTemplate(t *testing.T) {
	if parseTemplate("arn:aws:s3:::b/*") != nil || parseTemplate("${unterminated") != nil {
		t.Error("text without a complete ${...} is not a template")
	}
	req := &Request{Principal: "arn:aws:iam::1:user/bob", Context: map[string][]string{"k": {"v*"}}}
	cases := []struct {
		in      string
		forGlob bool
		want    string
		ok      bool
	}{
		{"home/${aws:username}/", false, "home/bob/", true},
		{"${k}", false, "v*", true},
		{"${k}", true, "v" + string(litStar), true},
		{"${missing}", false, "", false},
		{"${missing, 'dflt'}", false, "dflt", true},
		{"${ k }x${$}${?}${*}", false, "v*x$?*", true},
		{"${*}", true, string(litStar), true},
	}
	for _, tc := range cases {
		tpl := parseTemplate(tc.in)
		if tpl == nil {
			t.Fatalf("parseTemplate(%q) = nil", tc.in)
		}
		got, ok := tpl.resolve(req, tc.forGlob)
		if got != tc.want || ok != tc.ok {
			t.Errorf("resolve(%q, forGlob=%v) = %q, %v; want %q, %v", tc.in, tc.forGlob, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRequestDerivedKeys(t *testing.T) {
	r := &Request{Principal: session}
	check := func(key, want string) {
		t.Helper()
		v, ok := r.lookup(key)
		got := ""
		if ok {
			got = v[0]
		}
		if got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	check("aws:PrincipalArn", roleARN)
	check("aws:PrincipalAccount", acct)
	check("aws:PrincipalType", "AssumedRole")
	check("aws:username", "")
	r = &Request{Principal: "arn:aws:iam::111122223333:user/division/David", PrincipalAccount: "999999999999"}
	check("AWS:USERNAME", "David")
	check("aws:PrincipalType", "User")
	check("aws:PrincipalAccount", "999999999999")
	r = &Request{PrincipalService: "sns.amazonaws.com"}
	check("aws:PrincipalServiceName", "sns.amazonaws.com")
	check("aws:PrincipalArn", "")
	check("s3:prefix", "")
}
