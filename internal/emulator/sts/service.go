// Package sts emulates AWS Security Token Service over awsQuery:
// GetCallerIdentity and AssumeRole. Sessions it issues are persisted (they
// survive a restart, as their credentials do on AWS until they expire) and
// resolved for the dispatcher, which verifies their signatures and expiry.
// It knows roles only through the Roles interface, so it does not import the
// iam package.
package sts

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
	"github.com/orders-dev/orders/internal/iampolicy"
)

// Namespace is STS's XML namespace.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

const (
	bucketSessions = "sts.sessions"
	// bucketExpired remembers the key ids of sessions pruned long after they
	// expired, so their requests keep failing as expired rather than being
	// mistaken for foreign keys (which act as the administrator).
	bucketExpired = "sts.expired"

	// pruneAfter is how long an expired session is kept whole.
	pruneAfter = 24 * time.Hour
)

// RoleInfo is what STS needs to know about a role. It has exactly the fields
// of iam.RoleInfo, so the wiring converts with sts.RoleInfo(info).
type RoleInfo struct {
	Name               string
	ARN                string
	RoleID             string // AROA...
	Path               string
	TrustPolicy        string // JSON
	MaxSessionDuration int32  // seconds
}

// Roles looks roles up (implemented by the wiring over iam.Service.Role).
type Roles interface {
	Role(ctx context.Context, account, nameOrARN string) (RoleInfo, bool)
}

// RolesFunc adapts a function to Roles.
type RolesFunc func(ctx context.Context, account, nameOrARN string) (RoleInfo, bool)

// Role calls f.
func (f RolesFunc) Role(ctx context.Context, account, nameOrARN string) (RoleInfo, bool) {
	return f(ctx, account, nameOrARN)
}

// UserIDs gives the unique id (AIDA...) of an IAM user, for
// GetCallerIdentity; iam.Service implements it.
type UserIDs interface {
	UserID(ctx context.Context, userARN string) (string, bool)
}

// Options configure a Service.
type Options struct {
	Roles Roles   // required for AssumeRole and IssueRoleSession
	Users UserIDs // optional; without it users' UserId is derived from their ARN
	Now   func() time.Time
}

// Credentials are a role session's temporary credentials.
type Credentials struct {
	AccessKeyID     string // ASIA...
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	AssumedRoleARN  string // arn:aws:sts::A:assumed-role/ROLE/SESSION
	AssumedRoleID   string // AROA...:SESSION
}

// session is an issued role session as stored.
type session struct {
	AccessKeyID    string
	Secret         string
	Token          string
	Issued         time.Time
	Expires        time.Time
	Account        string
	RoleARN        string
	RoleName       string
	RoleID         string
	SessionName    string
	Policy         string `json:",omitempty"` // inline session policy
	SourceIdentity string `json:",omitempty"`

	policy     *iampolicy.Policy
	sessionARN string // arn(), computed once: Resolve runs on every request
}

func (ss *session) arn() string {
	if ss.sessionARN == "" {
		return "arn:aws:sts::" + ss.Account + ":assumed-role/" + ss.RoleName + "/" + ss.SessionName
	}
	return ss.sessionARN
}

func (ss *session) credentials() Credentials {
	return Credentials{
		AccessKeyID: ss.AccessKeyID, SecretAccessKey: ss.Secret, SessionToken: ss.Token,
		Expiration: ss.Expires, AssumedRoleARN: ss.arn(), AssumedRoleID: ss.RoleID + ":" + ss.SessionName,
	}
}

// Service is the STS emulator. It is safe for concurrent use.
type Service struct {
	st   *store.Store
	opts Options

	mu       sync.RWMutex
	sessions map[string]*session  // access key id -> session
	expired  map[string]time.Time // pruned sessions: access key id -> when it expired
}

var operations = []string{"AssumeRole", "GetCallerIdentity"}

// New loads the issued sessions from st, pruning those long expired.
func New(st *store.Store, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Service{st: st, opts: opts, sessions: map[string]*session{}, expired: map[string]time.Time{}}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("load sts sessions: %w", err)
	}
	return s, nil
}

func (s *Service) load() error {
	now := s.opts.Now()
	var prune []store.Op
	err := s.st.ForEach(bucketSessions, func(k, v []byte) error {
		var ss session
		if err := json.Unmarshal(v, &ss); err != nil {
			return fmt.Errorf("session %s: %w", k, err)
		}
		if now.Sub(ss.Expires) > pruneAfter {
			stamp, _ := ss.Expires.MarshalText()
			prune = append(prune, store.Del(bucketSessions, ss.AccessKeyID), store.Put(bucketExpired, ss.AccessKeyID, stamp))
			s.expired[ss.AccessKeyID] = ss.Expires
			return nil
		}
		if ss.Policy != "" {
			p, err := iampolicy.Parse(ss.Policy)
			if err != nil {
				// A session policy that no longer parses allows nothing.
				p = &iampolicy.Policy{Version: iampolicy.Version2012}
			}
			ss.policy = p
		}
		ss.sessionARN = ss.arn()
		s.sessions[ss.AccessKeyID] = &ss
		return nil
	})
	if err != nil {
		return err
	}
	if err := s.st.ForEach(bucketExpired, func(k, v []byte) error {
		var t time.Time
		if err := t.UnmarshalText(v); err != nil {
			t = time.Unix(0, 0)
		}
		s.expired[string(k)] = t
		return nil
	}); err != nil {
		return err
	}
	if err := s.st.Write(prune...); err != nil {
		return fmt.Errorf("prune expired sessions: %w", err)
	}
	return nil
}

// Register adds STS to the dispatcher.
func (s *Service) Register(d *dispatch.Server) {
	d.Query("sts", protocol.QueryService{XMLNamespace: Namespace}, s, s.Operations())
}

// Operations lists the operations STS implements.
func (s *Service) Operations() []string {
	ops := append([]string(nil), operations...)
	sort.Strings(ops)
	return ops
}

// HandleQuery serves one STS operation.
func (s *Service) HandleQuery(call *service.Call, form url.Values) (any, error) {
	switch call.Operation {
	case "GetCallerIdentity":
		return s.getCallerIdentity(call)
	case "AssumeRole":
		return s.assumeRole(call, form)
	}
	return nil, service.Errorf(400, "InvalidAction", "Could not find operation %s for version 2011-06-15", call.Operation)
}

// Resolve implements dispatch.IdentityResolver for the sessions STS issued.
// Sessions pruned long after expiring still resolve, as expired.
func (s *Service) Resolve(_ context.Context, akid string) (p service.Principal, secret, token string, expires time.Time, ok bool) {
	s.mu.RLock()
	ss := s.sessions[akid]
	exp, wasPruned := s.expired[akid]
	s.mu.RUnlock()
	if ss != nil {
		return service.Principal{ARN: ss.arn(), AccessKeyID: akid, RoleName: ss.RoleName, SessionName: ss.SessionName},
			ss.Secret, ss.Token, ss.Expires, true
	}
	if wasPruned {
		return service.Principal{AccessKeyID: akid}, randomSecret(), "", exp, true
	}
	return service.Principal{}, "", "", time.Time{}, false
}

// SessionPolicy returns the inline session policy a session was issued
// with (AssumeRole's Policy), which further limits what it may do.
func (s *Service) SessionPolicy(_ context.Context, akid string) (*iampolicy.NamedPolicy, bool) {
	s.mu.RLock()
	ss := s.sessions[akid]
	s.mu.RUnlock()
	if ss == nil || ss.policy == nil {
		return nil, false
	}
	return &iampolicy.NamedPolicy{ID: "session policy", Policy: ss.policy}, true
}

// IssueRoleSession issues credentials of a session of roleARN directly, as
// AWS services do for the roles they run as (Lambda functions).
func (s *Service) IssueRoleSession(ctx context.Context, account, roleARN, sessionName string, d time.Duration) (Credentials, error) {
	if s.opts.Roles == nil {
		return Credentials{}, fmt.Errorf("issue session of %s: no role directory configured", roleARN)
	}
	if d <= 0 {
		return Credentials{}, fmt.Errorf("issue session of %s: duration must be positive, got %s", roleARN, d)
	}
	if err := checkSessionName(sessionName); err != nil {
		return Credentials{}, fmt.Errorf("issue session of %s: %w", roleARN, err)
	}
	role, ok := s.opts.Roles.Role(ctx, account, roleARN)
	if !ok {
		return Credentials{}, fmt.Errorf("issue session of %s: role does not exist", roleARN)
	}
	ss, err := s.issue(role, account, sessionName, d, "", nil, "")
	if err != nil {
		return Credentials{}, err
	}
	return ss.credentials(), nil
}

// issue creates, persists and publishes a session.
func (s *Service) issue(role RoleInfo, account, sessionName string, d time.Duration, policyDoc string, policy *iampolicy.Policy, sourceIdentity string) (*session, error) {
	now := s.opts.Now().UTC()
	ss := &session{
		AccessKeyID: "ASIA" + service.RandomID(16),
		Secret:      randomSecret(),
		Token:       randomToken(),
		Issued:      now,
		Expires:     now.Add(d).Truncate(time.Second),
		Account:     accountOf(role.ARN, account),
		RoleARN:     role.ARN, RoleName: role.Name, RoleID: role.RoleID, SessionName: sessionName,
		Policy: policyDoc, SourceIdentity: sourceIdentity, policy: policy,
	}
	ss.sessionARN = ss.arn()
	b, err := json.Marshal(ss)
	if err != nil {
		return nil, fmt.Errorf("encode session of %s: %w", role.ARN, err)
	}
	if err := s.st.Write(store.Put(bucketSessions, ss.AccessKeyID, b)); err != nil {
		return nil, service.Internal(fmt.Errorf("store session of %s: %w", role.ARN, err))
	}
	s.mu.Lock()
	s.sessions[ss.AccessKeyID] = ss
	s.mu.Unlock()
	return ss, nil
}

// randomSecret returns 40 characters shaped like an AWS secret access key.
func randomSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// randomToken returns an opaque session token of the length and alphabet of
// AWS's (base64, a few hundred characters).
func randomToken() string {
	b := make([]byte, 270)
	_, _ = rand.Read(b)
	return "IQoJb3JpZ2luX2Vj" + base64.StdEncoding.EncodeToString(b)
}
