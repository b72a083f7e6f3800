package iam

import (
	"net/url"
	"strings"
	"time"
)

// The awsQuery answers, shaped as IAM's XML. Lists are <Name><member>...
// and are always present (empty lists as <Name></Name>), as IAM sends them,
// so clients that index into them never find the key missing.

type members[T any] struct {
	Items []T `xml:"member"`
}

func list[T any](items []T) members[T] { return members[T]{Items: items} }

// isoTime is IAM's timestamp format (ISO 8601, UTC, second precision).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// encodeDoc URL-encodes a policy document as IAM returns it (spaces as %20,
// so both url.QueryUnescape and url.PathUnescape / Python's unquote decode it).
func encodeDoc(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

type tagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func tagsXML(tags []Tag) []tagXML {
	out := make([]tagXML, len(tags))
	for i, t := range tags {
		out[i] = tagXML(t)
	}
	return out
}

type boundaryXML struct {
	PermissionsBoundaryType string `xml:"PermissionsBoundaryType"`
	PermissionsBoundaryArn  string `xml:"PermissionsBoundaryArn"`
}

func boundary(arn string) *boundaryXML {
	if arn == "" {
		return nil
	}
	return &boundaryXML{PermissionsBoundaryType: "PermissionsBoundaryPolicy", PermissionsBoundaryArn: arn}
}

type roleXML struct {
	Path                     string           `xml:"Path"`
	RoleName                 string           `xml:"RoleName"`
	RoleId                   string           `xml:"RoleId"`
	Arn                      string           `xml:"Arn"`
	CreateDate               string           `xml:"CreateDate"`
	AssumeRolePolicyDocument string           `xml:"AssumeRolePolicyDocument"`
	Description              string           `xml:"Description,omitempty"`
	MaxSessionDuration       *int32           `xml:"MaxSessionDuration,omitempty"`
	PermissionsBoundary      *boundaryXML     `xml:"PermissionsBoundary,omitempty"`
	Tags                     *members[tagXML] `xml:"Tags,omitempty"`
	RoleLastUsed             *struct{}        `xml:"RoleLastUsed,omitempty"`
}

// roleView is which of AWS's renderings of a role an operation returns.
type roleView int

const (
	// roleCreated is CreateRole's: no MaxSessionDuration and no
	// RoleLastUsed, as in the API reference's example response
	// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
	roleCreated roleView = iota
	// roleFull is GetRole's and UpdateRoleDescription's: everything,
	// RoleLastUsed included (empty until the role is used).
	roleFull
	// roleListed is ListRoles': no tags, boundary or last use.
	roleListed
)

func roleOut(r *role, view roleView) roleXML {
	x := roleXML{
		Path: r.Path, RoleName: r.Name, RoleId: r.ID, Arn: r.ARN, CreateDate: isoTime(r.Created),
		AssumeRolePolicyDocument: encodeDoc(r.Trust), Description: r.Description,
	}
	if view != roleCreated {
		d := r.MaxSessionDuration
		x.MaxSessionDuration = &d
	}
	if view != roleListed {
		x.PermissionsBoundary = boundary(r.Boundary)
		if len(r.Tags) > 0 {
			t := list(tagsXML(r.Tags))
			x.Tags = &t
		}
	}
	if view == roleFull {
		x.RoleLastUsed = &struct{}{}
	}
	return x
}

type userXML struct {
	Path                string           `xml:"Path"`
	UserName            string           `xml:"UserName"`
	UserId              string           `xml:"UserId"`
	Arn                 string           `xml:"Arn"`
	CreateDate          string           `xml:"CreateDate"`
	PermissionsBoundary *boundaryXML     `xml:"PermissionsBoundary,omitempty"`
	Tags                *members[tagXML] `xml:"Tags,omitempty"`
}

func userOut(u *user, full bool) userXML {
	x := userXML{Path: u.Path, UserName: u.Name, UserId: u.ID, Arn: u.ARN, CreateDate: isoTime(u.Created)}
	if full {
		x.PermissionsBoundary = boundary(u.Boundary)
		if len(u.Tags) > 0 {
			t := list(tagsXML(u.Tags))
			x.Tags = &t
		}
	}
	return x
}

type policyXML struct {
	PolicyName                    string           `xml:"PolicyName"`
	PolicyId                      string           `xml:"PolicyId"`
	Arn                           string           `xml:"Arn"`
	Path                          string           `xml:"Path"`
	DefaultVersionId              string           `xml:"DefaultVersionId"`
	AttachmentCount               int              `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int              `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool             `xml:"IsAttachable"`
	Description                   string           `xml:"Description,omitempty"`
	CreateDate                    string           `xml:"CreateDate"`
	UpdateDate                    string           `xml:"UpdateDate"`
	Tags                          *members[tagXML] `xml:"Tags,omitempty"`
}

type policyVersionXML struct {
	Document         string `xml:"Document,omitempty"`
	VersionId        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

type attachedXML struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type accessKeyXML struct {
	UserName        string `xml:"UserName"`
	AccessKeyId     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey,omitempty"`
	CreateDate      string `xml:"CreateDate"`
}

// listResult is the common tail of IAM's paginated answers.
type listResult struct {
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}
