package logs

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

var groupNamePattern = regexp.MustCompile(`^[\.\-_/#A-Za-z0-9]+$`)

func checkGroupName(name, member string) error {
	if name == "" {
		return invalidParameter("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", member)
	}
	if len(name) > 512 {
		return invalidParameter("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to 512", name, member)
	}
	if !groupNamePattern.MatchString(name) {
		return invalidParameter("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", name, member)
	}
	return nil
}

// groupName resolves logGroupName / logGroupIdentifier (a name or an ARN),
// exactly one of which the newer operations accept.
func groupName(name, identifier string) (string, error) {
	switch {
	case name != "" && identifier != "":
		return "", invalidParameter("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case identifier != "":
		if strings.HasPrefix(identifier, "arn:") {
			n, ok := groupFromARN(identifier)
			if !ok {
				return "", invalidParameter("Invalid logGroupIdentifier %s", identifier)
			}
			return n, nil
		}
		return identifier, checkGroupName(identifier, "logGroupIdentifier")
	default:
		return name, checkGroupName(name, "logGroupName")
	}
}

// groupFromARN takes the group name out of arn:aws:logs:R:A:log-group:NAME
// (optionally followed by ":*").
func groupFromARN(arn string) (string, bool) {
	f := strings.SplitN(arn, ":", 7)
	if len(f) != 7 || f[0] != "arn" || f[2] != "logs" || f[5] != "log-group" {
		return "", false
	}
	name := strings.TrimSuffix(f[6], ":*")
	return name, groupNamePattern.MatchString(name)
}

var retentionDays = map[int32]bool{
	1: true, 3: true, 5: true, 7: true, 14: true, 30: true, 60: true, 90: true, 120: true, 150: true,
	180: true, 365: true, 400: true, 545: true, 731: true, 1096: true, 1827: true, 2192: true,
	2557: true, 2922: true, 3288: true, 3653: true,
}

const retentionSet = "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"

// Tag patterns of the Logs model's TagKey and TagValue shapes.
var (
	logsTagKey   = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$`)
	logsTagValue = regexp.MustCompile(`^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`)
)

func checkTags(tags map[string]string) error {
	if len(tags) > 50 {
		return invalidParameter("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for k, v := range tags {
		if k == "" || utf8.RuneCountInString(k) > 128 || !logsTagKey.MatchString(k) || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return invalidParameter("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$]", k)
		}
		if utf8.RuneCountInString(v) > 256 {
			return invalidParameter("1 validation error detected: Value at 'tags' failed to satisfy constraint: Map value must have length less than or equal to 256")
		}
		if !logsTagValue.MatchString(v) {
			return invalidParameter("1 validation error detected: Value '%s' at 'tags' failed to satisfy constraint: Map value must satisfy constraint: [Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]", v)
		}
	}
	return nil
}

type createLogGroupInput struct {
	LogGroupName  string            `json:"logGroupName"`
	KmsKeyId      string            `json:"kmsKeyId"`
	Tags          map[string]string `json:"tags"`
	LogGroupClass string            `json:"logGroupClass"`
}

func (s *Service) createLogGroup(call *service.Call, body []byte) (any, error) {
	var in createLogGroupInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	res := groupResource(call.Region, call.Account, in.LogGroupName)
	if err := call.Authorize(res); err != nil {
		return nil, err
	}
	if len(in.Tags) > 0 {
		// Tagging on create needs logs:TagResource as well, as on AWS.
		if err := call.AuthorizeAction("logs:TagResource", taggingResource(call.Region, call.Account, in.LogGroupName), nil); err != nil {
			return nil, err
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	switch in.LogGroupClass {
	case "":
		in.LogGroupClass = "STANDARD"
	case "STANDARD", "INFREQUENT_ACCESS", "DELIVERY":
	default:
		return nil, invalidParameter("1 validation error detected: Value '%s' at 'logGroupClass' failed to satisfy constraint: Member must satisfy enum value set: [DELIVERY, STANDARD, INFREQUENT_ACCESS]", in.LogGroupClass)
	}
	key := groupKey(call.Region, call.Account, in.LogGroupName)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups[key] != nil {
		return nil, service.Errorf(400, "ResourceAlreadyExistsException", "The specified log group already exists")
	}
	g := newGroup(groupRecord{
		ID: service.UUID(), Region: call.Region, Account: call.Account, Name: in.LogGroupName,
		Created: millis(call.Now), Class: in.LogGroupClass, KMSKeyID: in.KmsKeyId, Tags: in.Tags,
	})
	b, _ := json.Marshal(g.rec)
	if err := s.persist("create log group "+in.LogGroupName, store.Put(bucketGroups, key, b)); err != nil {
		return nil, err
	}
	s.groups[key] = g
	return nil, nil
}

type groupNameInput struct {
	LogGroupName string `json:"logGroupName"`
}

func (s *Service) deleteLogGroup(call *service.Call, body []byte) (any, error) {
	var in groupNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	if err := call.Authorize(groupResource(call.Region, call.Account, in.LogGroupName)); err != nil {
		return nil, err
	}
	key := groupKey(call.Region, call.Account, in.LogGroupName)
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[key]
	if g == nil {
		return nil, groupNotFound()
	}
	// Wait for writes in flight inside the group, then drop it whole.
	g.mu.Lock()
	defer g.mu.Unlock()
	if err := s.persist("delete log group "+in.LogGroupName, store.Del(bucketGroups, key), store.DropBucket(g.bucket())); err != nil {
		return nil, err
	}
	g.deleted = true
	delete(s.groups, key)
	return nil, nil
}

type describeLogGroupsInput struct {
	LogGroupNamePrefix    string   `json:"logGroupNamePrefix"`
	LogGroupNamePattern   string   `json:"logGroupNamePattern"`
	LogGroupIdentifiers   []string `json:"logGroupIdentifiers"`
	LogGroupClass         string   `json:"logGroupClass"`
	NextToken             string   `json:"nextToken"`
	Limit                 *int     `json:"limit"`
	IncludeLinkedAccounts bool     `json:"includeLinkedAccounts"`
}

type logGroupOut struct {
	LogGroupName      string `json:"logGroupName"`
	CreationTime      int64  `json:"creationTime"`
	RetentionInDays   *int32 `json:"retentionInDays,omitempty"`
	MetricFilterCount int32  `json:"metricFilterCount"`
	Arn               string `json:"arn"`
	StoredBytes       int64  `json:"storedBytes"`
	KmsKeyId          string `json:"kmsKeyId,omitempty"`
	LogGroupClass     string `json:"logGroupClass"`
	LogGroupArn       string `json:"logGroupArn"`
}

type describeLogGroupsOutput struct {
	LogGroups []logGroupOut `json:"logGroups"`
	NextToken string        `json:"nextToken,omitempty"`
}

// limitParam reads an optional limit in [1, max] with a default.
func limitParam(limit *int, def, max int) (int, error) {
	if limit == nil {
		return def, nil
	}
	// Logs leaves the value out of the message, as AWS answers
	// DescribeLogGroups' limit 51: "1 validation error detected: Value at
	// 'limit' failed to satisfy constraint: Member must have value less
	// than or equal to 50".
	if *limit < 1 {
		return 0, invalidParameter("1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
	}
	if *limit > max {
		return 0, invalidParameter("1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", max)
	}
	return *limit, nil
}

// Name-ordered pagination tokens: the name of the first item of the next page.
func nameToken(name string) string { return base64.RawURLEncoding.EncodeToString([]byte("n:" + name)) }

func parseNameToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "n:") {
		return "", invalidParameter("The specified nextToken is invalid.")
	}
	return string(b[2:]), nil
}

func (s *Service) describeLogGroups(call *service.Call, body []byte) (any, error) {
	var in describeLogGroupsInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := call.Authorize(groupResource(call.Region, call.Account, "")); err != nil {
		return nil, err
	}
	if in.LogGroupNamePrefix != "" && in.LogGroupNamePattern != "" {
		return nil, invalidParameter("LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.")
	}
	limit, err := limitParam(in.Limit, 50, 50)
	if err != nil {
		return nil, err
	}
	from := ""
	if in.NextToken != "" {
		if from, err = parseNameToken(in.NextToken); err != nil {
			return nil, err
		}
	}
	wanted := map[string]bool{}
	for _, id := range in.LogGroupIdentifiers {
		name := id
		if strings.HasPrefix(id, "arn:") {
			name, _ = groupFromARN(id)
		}
		wanted[name] = true
	}
	pattern := strings.ToLower(in.LogGroupNamePattern)
	type snap struct {
		g   *group
		rec groupRecord
	}
	var gs []snap
	s.mu.RLock()
	for _, g := range s.groups {
		g.mu.RLock()
		r := g.rec
		g.mu.RUnlock()
		if r.Region != call.Region || r.Account != call.Account || r.Name < from ||
			!strings.HasPrefix(r.Name, in.LogGroupNamePrefix) ||
			pattern != "" && !strings.Contains(strings.ToLower(r.Name), pattern) ||
			len(wanted) > 0 && !wanted[r.Name] ||
			in.LogGroupClass != "" && r.Class != in.LogGroupClass {
			continue
		}
		gs = append(gs, snap{g, r})
	}
	s.mu.RUnlock()
	sort.Slice(gs, func(i, j int) bool { return gs[i].rec.Name < gs[j].rec.Name })
	out := describeLogGroupsOutput{LogGroups: []logGroupOut{}}
	for i, x := range gs {
		if i == limit {
			out.NextToken = nameToken(x.rec.Name)
			break
		}
		r := x.rec
		o := logGroupOut{
			LogGroupName: r.Name, CreationTime: r.Created, Arn: x.g.arn() + ":*", LogGroupArn: x.g.arn(),
			StoredBytes: x.g.storedBytes(), KmsKeyId: r.KMSKeyID, LogGroupClass: r.Class,
		}
		if r.Retention > 0 {
			days := r.Retention
			o.RetentionInDays = &days
		}
		out.LogGroups = append(out.LogGroups, o)
	}
	return out, nil
}

// updateGroup changes a group's record durably, holding the group
// exclusively.
func (s *Service) updateGroup(region, account, name string, change func(r *groupRecord) error) error {
	g := s.lookupGroup(region, account, name)
	if g == nil {
		return groupNotFound()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.deleted {
		return groupNotFound()
	}
	rec := g.rec
	rec.Tags = maps.Clone(g.rec.Tags)
	if err := change(&rec); err != nil {
		return err
	}
	b, _ := json.Marshal(rec)
	if err := s.persist("update log group "+name, store.Put(bucketGroups, groupKey(region, account, name), b)); err != nil {
		return err
	}
	g.rec = rec
	return nil
}

type retentionInput struct {
	LogGroupName    string `json:"logGroupName"`
	RetentionInDays *int32 `json:"retentionInDays"`
}

func (s *Service) putRetentionPolicy(call *service.Call, body []byte) (any, error) {
	var in retentionInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	if err := call.Authorize(groupResource(call.Region, call.Account, in.LogGroupName)); err != nil {
		return nil, err
	}
	if in.RetentionInDays == nil {
		return nil, invalidParameter("1 validation error detected: Value null at 'retentionInDays' failed to satisfy constraint: Member must not be null")
	}
	days := *in.RetentionInDays
	if !retentionDays[days] {
		return nil, invalidParameter("1 validation error detected: Value '%d' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: %s", days, retentionSet)
	}
	return nil, s.updateGroup(call.Region, call.Account, in.LogGroupName, func(r *groupRecord) error {
		r.Retention = days
		return nil
	})
}

func (s *Service) deleteRetentionPolicy(call *service.Call, body []byte) (any, error) {
	var in groupNameInput
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkGroupName(in.LogGroupName, "logGroupName"); err != nil {
		return nil, err
	}
	if err := call.Authorize(groupResource(call.Region, call.Account, in.LogGroupName)); err != nil {
		return nil, err
	}
	return nil, s.updateGroup(call.Region, call.Account, in.LogGroupName, func(r *groupRecord) error {
		r.Retention = 0
		return nil
	})
}
