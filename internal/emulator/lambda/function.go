package lambda

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// lastModifiedLayout is how Lambda writes LastModified.
const lastModifiedLayout = "2006-01-02T15:04:05.000-0700"

// record is a function as stored: everything GetFunction reports. Records
// are immutable once published; a change stores a modified copy.
type record struct {
	Name         string            `json:"name"`
	Region       string            `json:"region"`
	Account      string            `json:"account"`
	Runtime      string            `json:"runtime,omitempty"`
	Role         string            `json:"role"`
	Handler      string            `json:"handler,omitempty"`
	Description  string            `json:"description,omitempty"`
	Timeout      int32             `json:"timeout"`
	MemorySize   int32             `json:"memorySize"`
	Env          map[string]string `json:"env,omitempty"`
	Architecture string            `json:"architecture"`
	CodeSha256   string            `json:"codeSha256"`
	CodeSize     int64             `json:"codeSize"`
	LastModified time.Time         `json:"lastModified"`
	RevisionID   string            `json:"revisionId"`
	Tags         map[string]string `json:"tags,omitempty"`
}

func (r *record) arn() string {
	return "arn:aws:lambda:" + r.Region + ":" + r.Account + ":function:" + r.Name
}

func (r *record) key() string { return r.Region + "/" + r.Name }

func (r *record) clone() *record {
	c := *r
	c.Env = cloneMap(r.Env)
	c.Tags = cloneMap(r.Tags)
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// function is a live function: its current record and its instances.
type function struct {
	mu      sync.Mutex // serialises changes to this function
	rec     atomic.Pointer[record]
	pool    *pool
	deleted bool // under mu
	life    lifecycle
}

// configuration is Lambda's FunctionConfiguration as the SDKs parse it.
type configuration struct {
	FunctionName     string               `json:"FunctionName"`
	FunctionArn      string               `json:"FunctionArn"`
	Runtime          string               `json:"Runtime,omitempty"`
	Role             string               `json:"Role"`
	Handler          string               `json:"Handler,omitempty"`
	CodeSize         int64                `json:"CodeSize"`
	Description      string               `json:"Description"`
	Timeout          int32                `json:"Timeout"`
	MemorySize       int32                `json:"MemorySize"`
	LastModified     string               `json:"LastModified"`
	CodeSha256       string               `json:"CodeSha256"`
	Version          string               `json:"Version"`
	Environment      *environmentResponse `json:"Environment,omitempty"`
	TracingConfig    tracingConfig        `json:"TracingConfig"`
	RevisionID       string               `json:"RevisionId"`
	State            string               `json:"State"`
	StateReason      string               `json:"StateReason,omitempty"`
	StateReasonCode  string               `json:"StateReasonCode,omitempty"`
	LastUpdateStatus string               `json:"LastUpdateStatus,omitempty"`
	// LastUpdateStatusReason and its code accompany an update in progress.
	LastUpdateStatusReason     string           `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string           `json:"LastUpdateStatusReasonCode,omitempty"`
	PackageType                string           `json:"PackageType"`
	Architectures              []string         `json:"Architectures"`
	EphemeralStorage           ephemeralStorage `json:"EphemeralStorage"`
	SnapStart                  snapStart        `json:"SnapStart"`
	LoggingConfig              loggingConfig    `json:"LoggingConfig"`
}

type environmentResponse struct {
	Variables map[string]string `json:"Variables"`
}

type tracingConfig struct {
	Mode string `json:"Mode"`
}

type ephemeralStorage struct {
	Size int32 `json:"Size"`
}

type snapStart struct {
	ApplyOn            string `json:"ApplyOn"`
	OptimizationStatus string `json:"OptimizationStatus"`
}

type loggingConfig struct {
	LogFormat string `json:"LogFormat"`
	LogGroup  string `json:"LogGroup"`
}

// configuration renders r as AWS does. State and LastUpdateStatus are
// final at once, so FunctionActiveV2 / FunctionUpdatedV2 waiters return on
// their first poll.
func (r *record) configuration() configuration {
	c := configuration{
		FunctionName:     r.Name,
		FunctionArn:      r.arn(),
		Runtime:          r.Runtime,
		Role:             r.Role,
		Handler:          r.Handler,
		CodeSize:         r.CodeSize,
		Description:      r.Description,
		Timeout:          r.Timeout,
		MemorySize:       r.MemorySize,
		LastModified:     r.LastModified.UTC().Format(lastModifiedLayout),
		CodeSha256:       r.CodeSha256,
		Version:          "$LATEST",
		TracingConfig:    tracingConfig{Mode: "PassThrough"},
		RevisionID:       r.RevisionID,
		State:            "Active",
		LastUpdateStatus: "Successful",
		PackageType:      "Zip",
		Architectures:    []string{r.Architecture},
		EphemeralStorage: ephemeralStorage{Size: 512},
		SnapStart:        snapStart{ApplyOn: "None", OptimizationStatus: "Off"},
		LoggingConfig:    loggingConfig{LogFormat: "Text", LogGroup: logGroupOf(r.Name)},
	}
	if len(r.Env) > 0 {
		c.Environment = &environmentResponse{Variables: cloneMap(r.Env)}
	}
	return c
}

// The function's lifecycle as its API answers show it. Lambda answers
// CreateFunction with the function Pending and an update with
// LastUpdateStatus InProgress; the emulator finishes both before it
// answers, so GetFunction and the SDK's FunctionActiveV2 and
// FunctionUpdatedV2 waiters see Active and Successful at once.
// https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
const (
	msgBeingCreated = "The function is being created."
	reasonCreating  = "Creating"
)

// created is CreateFunction's answer: State Pending, no LastUpdateStatus.
func (r *record) created() configuration {
	c := r.configuration()
	c.State, c.StateReason, c.StateReasonCode = "Pending", msgBeingCreated, reasonCreating
	c.LastUpdateStatus = ""
	return c
}

// updating is UpdateFunctionCode's and UpdateFunctionConfiguration's
// answer: the function Active, its update InProgress.
func (r *record) updating() configuration {
	c := r.configuration()
	c.LastUpdateStatus = "InProgress"
	return c
}

func logGroupOf(name string) string { return "/aws/lambda/" + name }

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
