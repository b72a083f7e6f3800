package lambda

import (
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Patterns from Lambda's API model.
var (
	plainNamePattern = regexp.MustCompile(`^[a-zA-Z0-9-_]+$`)
	// Names in NamespacedFunctionName may also hold dots.
	namespacedPlainPattern = regexp.MustCompile(`^[a-zA-Z0-9-_.]+$`)
	roleARNPattern         = regexp.MustCompile(`^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$`)
	handlerPattern         = regexp.MustCompile(`^[^\s]+$`)
	envNamePattern         = regexp.MustCompile(`^[a-zA-Z]([a-zA-Z0-9_])+$`)
	qualifierPattern       = regexp.MustCompile(`^(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)$`)
)

const (
	rawRolePattern      = `arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+`
	rawQualifierPattern = `\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+`
)

// nameShape is one of the model's shapes for a FunctionName member: the
// pattern (quoted verbatim in ValidationException messages, as AWS quotes
// it) and the maximum length differ by operation.
type nameShape struct {
	raw   string
	re    *regexp.Regexp
	max   int
	plain *regexp.Regexp // what the name part itself may hold
}

var (
	// FunctionName: CreateFunction, UpdateFunctionCode,
	// UpdateFunctionConfiguration.
	functionNameShape = newNameShape(`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?`, 140, plainNamePattern)
	// NamespacedFunctionName: GetFunction, GetFunctionConfiguration,
	// DeleteFunction, Invoke.
	namespacedNameShape = newNameShape(`(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)(:(\$LATEST(\.PUBLISHED)?|[a-zA-Z0-9-_]+))?`, 256, namespacedPlainPattern)
)

func newNameShape(raw string, max int, plain *regexp.Regexp) nameShape {
	return nameShape{raw: raw, re: regexp.MustCompile("^(" + raw + ")$"), max: max, plain: plain}
}

// shapeOf is the FunctionName shape of an operation, from the model.
func shapeOf(op string) nameShape {
	switch op {
	case "CreateFunction", "UpdateFunctionCode", "UpdateFunctionConfiguration":
		return functionNameShape
	}
	return namespacedNameShape
}

// runtimes is the Runtime enum of the API model.
var runtimes = []string{
	"nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x", "nodejs16.x",
	"java8", "java8.al2", "java11", "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
	"dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "dotnet8", "nodejs4.3-edge",
	"go1.x", "ruby2.5", "ruby2.7", "provided", "provided.al2", "nodejs18.x", "python3.10", "java17", "ruby3.2",
	"ruby3.3", "ruby3.4", "python3.11", "nodejs20.x", "provided.al2023", "python3.12", "java21", "python3.13",
	"nodejs22.x", "nodejs24.x", "python3.14", "java25", "dotnet10", "ruby4.0",
}

// blockedRuntimes can no longer be used to create or update functions.
var blockedRuntimes = map[string]bool{
	"nodejs": true, "nodejs4.3": true, "nodejs4.3-edge": true, "nodejs6.10": true, "nodejs8.10": true,
	"nodejs10.x": true, "nodejs12.x": true, "nodejs14.x": true, "python2.7": true, "python3.6": true,
	"python3.7": true, "dotnetcore1.0": true, "dotnetcore2.0": true, "dotnetcore2.1": true,
	"dotnetcore3.1": true, "ruby2.5": true, "ruby2.7": true, "go1.x": true, "java8": true, "provided": true,
}

// reservedEnv are the variables Lambda sets itself and refuses to take
// from the function's configuration.
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true,
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// violations collects model-constraint failures and reports them the way
// Lambda's front end does: one ValidationException naming each.
type violations []string

func (v *violations) add(format string, args ...any) { *v = append(*v, fmt.Sprintf(format, args...)) }

func (v violations) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return service.Validation("1 validation error detected: %s", v[0])
	default:
		return service.Validation("%d validation errors detected: %s", len(v), strings.Join(v, "; "))
	}
}

func (v *violations) pattern(field, value, pattern string) {
	v.add("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", value, field, pattern)
}

func (v *violations) intRange(field string, value *int32, min, max int32) {
	if value == nil {
		return
	}
	if *value < min {
		v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to %d", *value, field, min)
	} else if *value > max {
		v.add("Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", *value, field, max)
	}
}

func (v *violations) runtime(value string) {
	if value == "" {
		return
	}
	for _, r := range runtimes {
		if r == value {
			return
		}
	}
	v.add("Value '%s' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [%s] or be a valid ARN", value, strings.Join(runtimes, ", "))
}

func (v *violations) architectures(a []string) {
	if a == nil {
		return
	}
	if len(a) != 1 {
		v.add("Value '[%s]' at 'architectures' failed to satisfy constraint: Member must have length less than or equal to 1, Member must have length greater than or equal to 1", strings.Join(a, ", "))
		return
	}
	if a[0] != "x86_64" && a[0] != "arm64" {
		v.add("Value '[%s]' at 'architectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]", a[0])
	}
}

func (v *violations) role(role string) {
	if !roleARNPattern.MatchString(role) {
		v.pattern("role", role, rawRolePattern)
	}
}

func (v *violations) handler(h *string) {
	if h == nil {
		return
	}
	if len(*h) > 128 {
		v.add("Value '%s' at 'handler' failed to satisfy constraint: Member must have length less than or equal to 128", *h)
	} else if *h != "" && !handlerPattern.MatchString(*h) {
		v.pattern("handler", *h, `[^\s]+`)
	}
}

func (v *violations) description(d *string) {
	if d != nil && len(*d) > 256 {
		v.add("Value '%s' at 'description' failed to satisfy constraint: Member must have length less than or equal to 256", *d)
	}
}

// functionRef is a FunctionName parameter taken apart: Lambda accepts a
// name, a partial ARN (ACCOUNT:function:NAME) or a full ARN, each with an
// optional :QUALIFIER.
type functionRef struct {
	Name, Qualifier, Region, Account string
}

func parseFunctionRef(op, s string) (functionRef, error) {
	shape := shapeOf(op)
	var v violations
	if len(s) > shape.max {
		v.add("Value '%s' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to %d", s, shape.max)
	}
	if s == "" || !shape.re.MatchString(s) {
		v.pattern("functionName", s, shape.raw)
	}
	if err := v.err(); err != nil {
		return functionRef{}, err
	}
	var ref functionRef
	rest := s
	if strings.HasPrefix(rest, "arn:") {
		parts := strings.SplitN(rest, ":", 7) // arn aws lambda region account function name[:q]
		if len(parts) < 7 {
			return ref, invalidParam("Invalid function ARN: %s", s)
		}
		ref.Region, ref.Account, rest = parts[3], parts[4], parts[6]
	} else if i := strings.Index(rest, ":function:"); i >= 0 {
		ref.Account, rest = rest[:i], rest[i+len(":function:"):]
	}
	ref.Name, ref.Qualifier, _ = strings.Cut(rest, ":")
	if !shape.plain.MatchString(ref.Name) {
		v.pattern("functionName", s, shape.raw)
		return functionRef{}, v.err()
	}
	if len(ref.Name) > 64 {
		return functionRef{}, service.Validation("1 validation error detected: Value '%s' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64", s)
	}
	return ref, nil
}

// checkQualifierParam validates a Qualifier query parameter against the
// model (NumericLatestPublishedOrAliasQualifier) and against the qualifier
// the function name itself carries: "my-function:1" with Qualifier "2" is
// InvalidParameterValueException, not a missing function.
// https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html
func checkQualifierParam(op, name string, q url.Values) error {
	vals, ok := q["Qualifier"]
	if !ok {
		return nil
	}
	qual := ""
	if len(vals) > 0 {
		qual = vals[0]
	}
	var v violations
	if len(qual) > 128 {
		v.add("Value '%s' at 'qualifier' failed to satisfy constraint: Member must have length less than or equal to 128", qual)
	}
	if qual == "" {
		v.add("Value '' at 'qualifier' failed to satisfy constraint: Member must have length greater than or equal to 1")
	} else if !qualifierPattern.MatchString(qual) {
		v.pattern("qualifier", qual, rawQualifierPattern)
	}
	if err := v.err(); err != nil {
		return err
	}
	ref, err := parseFunctionRef(op, name)
	if err != nil {
		return nil // the operation reports the name itself
	}
	if ref.Qualifier != "" && ref.Qualifier != qual {
		return invalidParam("The derived qualifier from the function name does not match the specified qualifier.")
	}
	return nil
}

// checkQualifier accepts the unqualified function and $LATEST: the
// emulator keeps no published versions or aliases.
func checkQualifier(arn, q string) error {
	if q == "" || q == "$LATEST" {
		return nil
	}
	return notFound(arn + ":" + q)
}

// checkEnv applies Lambda's rules to environment variables.
func checkEnv(vars map[string]string) error {
	var bad, reserved []string
	size := 0
	for k, val := range vars {
		if !envNamePattern.MatchString(k) {
			bad = append(bad, k)
		}
		if reservedEnv[k] {
			reserved = append(reserved, k)
		}
		size += len(k) + len(val)
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		var v violations
		for _, k := range bad {
			v.pattern("environment.variables", k, `[a-zA-Z]([a-zA-Z0-9_])+`)
		}
		return v.err()
	}
	if len(reserved) > 0 {
		sort.Strings(reserved)
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", strings.Join(reserved, ","))
	}
	if size > 4096 {
		return invalidParam("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %d bytes", size)
	}
	return nil
}

// checkTags applies Lambda's tag limits.
func checkTags(tags map[string]string) error {
	if len(tags) > 50 {
		return invalidParam("Number of tags exceeds resource tag limit.")
	}
	for k, val := range tags {
		if k == "" || len(k) > 128 {
			return invalidParam("Tag keys must be between 1 and 128 characters: %q", k)
		}
		if len(val) > 256 {
			return invalidParam("Tag values must be at most 256 characters: %q", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParam("Tag keys with the prefix 'aws:' are reserved for AWS use: %q", k)
		}
	}
	return nil
}

func checkRuntimeUsable(runtime string) error {
	if blockedRuntimes[runtime] {
		return invalidParam("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.", runtime)
	}
	return nil
}
