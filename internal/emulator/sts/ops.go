package sts

import (
	"crypto/sha256"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/iampolicy"
)

const (
	minDuration       = 900
	maxDuration       = 43200
	chainedMaxSeconds = 3600
	defaultDuration   = 3600
	maxSessionPolicy  = 2048
)

func validationError(format string, args ...any) *service.Error {
	return service.Errorf(400, "ValidationError", format, args...)
}

type callerIdentityResult struct {
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

// getCallerIdentity needs no permission: AWS answers it even when a policy
// explicitly denies sts:GetCallerIdentity, so it is never authorized.
func (s *Service) getCallerIdentity(call *service.Call) (any, error) {
	p := call.Principal
	out := callerIdentityResult{Account: call.Account, Arn: p.ARN, UserId: call.Account}
	switch {
	case p.RoleName != "":
		s.mu.RLock()
		ss := s.sessions[p.AccessKeyID]
		s.mu.RUnlock()
		if ss != nil {
			out.Account, out.UserId = ss.Account, ss.RoleID+":"+ss.SessionName
		}
	case p.Admin:
		// The default local identity is an administrator IAM user (AWS's
		// root user could not assume roles); users' IDs start "AIDA".
		out.UserId = "AIDAADMIN" + call.Account
	case p.UserName != "":
		out.Account = accountOf(p.ARN, call.Account)
		if id, ok := s.userID(call, p.ARN); ok {
			out.UserId = id
		}
	}
	return out, nil
}

func (s *Service) userID(call *service.Call, arn string) (string, bool) {
	if s.opts.Users != nil {
		if id, ok := s.opts.Users.UserID(call.Context, arn); ok {
			return id, true
		}
	}
	// Without a user directory, a stable id shaped like AWS's.
	sum := sha256.Sum256([]byte(arn))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	id := []byte("AIDA")
	for i := 0; i < 17; i++ {
		id = append(id, alphabet[int(sum[i])%len(alphabet)])
	}
	return string(id), true
}

// accountOf is the account field of an ARN, or fallback.
func accountOf(arn, fallback string) string {
	f := strings.SplitN(arn, ":", 6)
	if len(f) == 6 && f[4] != "" {
		return f[4]
	}
	return fallback
}

var (
	sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)
	externalIDPattern  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

func checkSessionName(name string) error {
	if len(name) < 2 || len(name) > 64 || !sessionNamePattern.MatchString(name) {
		return errors.New("role session name must be 2 to 64 characters of letters, digits and +=,.@_-")
	}
	return nil
}

var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:role/[\x21-\x7e]+$`)

type credentialsXML struct {
	AccessKeyId     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type assumedRoleUserXML struct {
	AssumedRoleId string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type assumeRoleResult struct {
	Credentials      credentialsXML     `xml:"Credentials"`
	AssumedRoleUser  assumedRoleUserXML `xml:"AssumedRoleUser"`
	PackedPolicySize *int               `xml:"PackedPolicySize,omitempty"`
	SourceIdentity   string             `xml:"SourceIdentity,omitempty"`
}

func (s *Service) assumeRole(call *service.Call, form url.Values) (any, error) {
	// The model's constraints first, every violation counted in one
	// ValidationError as AWS words it (400, before any authorization).
	// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
	var v violations
	roleARN := form.Get("RoleArn")
	v.str("roleArn", roleARN, form.Has("RoleArn"), 20, 2048, nil, "")
	sessionName := form.Get("RoleSessionName")
	v.str("roleSessionName", sessionName, form.Has("RoleSessionName"), 2, 64, sessionNamePattern, `[\w+=,.@-]*`)
	duration := int64(defaultDuration)
	if raw := form.Get("DurationSeconds"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		switch {
		case err != nil:
			v.add("Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must be an integer", raw)
		case n < minDuration:
			v.add("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to %d", n, minDuration)
		case n > maxDuration:
			v.add("Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", n, maxDuration)
		}
		duration = n
	}
	sourceIdentity := form.Get("SourceIdentity")
	if form.Has("SourceIdentity") {
		v.str("sourceIdentity", sourceIdentity, true, 2, 64, sessionNamePattern, `[\w+=,.@-]*`)
	}
	if form.Has("ExternalId") {
		v.str("externalId", form.Get("ExternalId"), true, 2, 1224, externalIDPattern, `[\w+=,.@:\/-]*`)
	}
	tags, transitive := readSessionTags(form, &v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkSessionTags(tags, transitive); err != nil {
		return nil, err
	}
	if _, ok := form["PolicyArns.member.1.arn"]; ok {
		return nil, validationError("PolicyArns (managed session policies) are not supported by this emulator; pass an inline Policy instead")
	}
	var policy *iampolicy.Policy
	policyDoc := form.Get("Policy")
	if policyDoc != "" {
		if len(policyDoc) > maxSessionPolicy {
			return nil, service.Errorf(400, "PackedPolicyTooLarge", "Packed policy consumes %d%% of allotted space, please use smaller policy for session.", len(policyDoc)*100/maxSessionPolicy)
		}
		p, err := iampolicy.Parse(policyDoc)
		if err == nil {
			err = p.Validate(iampolicy.KindSession)
		}
		if err != nil {
			return nil, service.Errorf(400, "MalformedPolicyDocument", "%s", err.Error())
		}
		policy = p
	}
	if err := call.Authorize(roleARN); err != nil {
		return nil, err
	}
	denied := service.AccessDenied("sts", call.Principal.ARN, "sts:AssumeRole", roleARN, "")
	if !roleARNPattern.MatchString(roleARN) || s.opts.Roles == nil {
		return nil, denied
	}
	role, ok := s.opts.Roles.Role(call.Context, call.Account, roleARN)
	if !ok {
		// AWS does not say whether the role exists: it is simply not
		// assumable by the caller.
		return nil, denied
	}
	// The trust policy decides for every caller, the administrator too: on
	// AWS an identity policy allowing sts:AssumeRole is not enough, the role
	// must trust the caller (or its account), and the account's root user
	// cannot assume roles at all.
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_manage-assume.html
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user.html
	if isRoot(call.Principal.ARN) || !trustAllows(role, call.Principal.ARN, call.Account, "sts:AssumeRole") {
		return nil, denied
	}
	// Session tags need the trust policy to allow sts:TagSession too.
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
	if len(tags) > 0 && !trustAllows(role, call.Principal.ARN, call.Account, "sts:TagSession") {
		return nil, service.AccessDenied("sts", call.Principal.ARN, "sts:TagSession", roleARN, "")
	}
	maxSession := int64(role.MaxSessionDuration)
	if maxSession == 0 {
		maxSession = defaultDuration
	}
	if duration > maxSession {
		return nil, validationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if call.Principal.RoleName != "" && duration > chainedMaxSeconds {
		return nil, validationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	ss, err := s.issue(role, call.Account, sessionName, time.Duration(duration)*time.Second, policyDoc, policy, sourceIdentity)
	if err != nil {
		return nil, err
	}
	c := ss.credentials()
	out := assumeRoleResult{
		Credentials: credentialsXML{
			AccessKeyId: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
			Expiration: c.Expiration.UTC().Format("2006-01-02T15:04:05Z"),
		},
		AssumedRoleUser: assumedRoleUserXML{AssumedRoleId: c.AssumedRoleID, Arn: c.AssumedRoleARN},
		SourceIdentity:  sourceIdentity,
	}
	if policyDoc != "" {
		size := len(policyDoc) * 100 / maxSessionPolicy
		out.PackedPolicySize = &size
	}
	return out, nil
}

// isRoot reports whether arn is an account's root user (arn:P:iam::A:root).
func isRoot(arn string) bool {
	return strings.HasPrefix(arn, "arn:") && strings.HasSuffix(arn, ":root") && strings.Count(arn, ":") == 5
}

// trustAllows evaluates the role's trust policy for the caller: it must
// allow the caller (by its ARN, its role, or its account) to sts:AssumeRole.
func trustAllows(role RoleInfo, callerARN, account, action string) bool {
	trust, err := iampolicy.Parse(role.TrustPolicy)
	if err != nil {
		return false
	}
	res := trust.Evaluate("trust", iampolicy.Request{
		Principal: callerARN, PrincipalAccount: accountOf(callerARN, account),
		Action: action, Resource: role.ARN,
	})
	return res.Decision == iampolicy.Allowed
}
