package lambda

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/protocol"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

type envInput struct {
	Variables map[string]string `json:"Variables"`
}

type codeInput struct {
	ZipFile         []byte `json:"ZipFile"`
	S3Bucket        string `json:"S3Bucket"`
	S3Key           string `json:"S3Key"`
	S3ObjectVersion string `json:"S3ObjectVersion"`
	ImageURI        string `json:"ImageUri"`
}

type createInput struct {
	FunctionName  string            `json:"FunctionName"`
	Runtime       string            `json:"Runtime"`
	Role          *string           `json:"Role"`
	Handler       *string           `json:"Handler"`
	Code          *codeInput        `json:"Code"`
	Description   *string           `json:"Description"`
	Timeout       *int32            `json:"Timeout"`
	MemorySize    *int32            `json:"MemorySize"`
	PackageType   string            `json:"PackageType"`
	Environment   *envInput         `json:"Environment"`
	Tags          map[string]string `json:"Tags"`
	Architectures []string          `json:"Architectures"`
}

func readJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return service.Errorf(400, "InvalidRequestContentException", "reading request body: %v", err)
	}
	return protocol.DecodeJSON(body, v)
}

func passRole(call *service.Call, role string) error {
	return call.AuthorizeAction("iam:PassRole", role, map[string][]string{"iam:PassedToService": {"lambda.amazonaws.com"}})
}

// checkRole asks IAM whether Lambda may assume role.
func (s *Service) checkRole(ctx context.Context, account, role string) error {
	if s.opts.Roles == nil {
		return nil
	}
	ok, err := s.opts.Roles.LambdaCanAssume(ctx, account, role)
	if err != nil {
		return service.Internal(err)
	}
	if !ok {
		return invalidParam("The role defined for the function cannot be assumed by Lambda.")
	}
	return nil
}

func (s *Service) createFunction(call *service.Call, r *http.Request) (int, any, error) {
	var in createInput
	zip, err := readUpload(r, &in, "Code", "ZipFile")
	if err != nil {
		return 0, nil, err
	}
	if zip != nil && in.Code != nil && in.Code.ZipFile == nil {
		in.Code.ZipFile = zip
	}
	if in.FunctionName == "" {
		return 0, nil, service.Validation("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null")
	}
	ref, err := parseFunctionRef(call.Operation, in.FunctionName)
	if err != nil {
		return 0, nil, err
	}
	arn := call.ARN("lambda", "function:"+ref.Name)
	if err := call.Authorize(arn); err != nil {
		return 0, nil, err
	}
	if in.Role != nil && *in.Role != "" {
		if err := passRole(call, *in.Role); err != nil {
			return 0, nil, err
		}
	}

	var v violations
	if in.Role == nil {
		v.add("Value null at 'role' failed to satisfy constraint: Member must not be null")
	} else {
		v.role(*in.Role)
	}
	if in.Code == nil {
		v.add("Value null at 'code' failed to satisfy constraint: Member must not be null")
	}
	v.runtime(in.Runtime)
	v.handler(in.Handler)
	v.description(in.Description)
	v.intRange("timeout", in.Timeout, 1, 900)
	v.intRange("memorySize", in.MemorySize, 128, 10240)
	v.architectures(in.Architectures)
	if err := v.err(); err != nil {
		return 0, nil, err
	}
	if in.PackageType == "Image" || in.Code.ImageURI != "" {
		return 0, nil, invalidParam("The orders emulator runs .zip packages only; container images (PackageType Image) are not supported.")
	}
	if in.Runtime == "" {
		return 0, nil, invalidParam("The Runtime parameter is required for the Zip package type.")
	}
	if in.Handler == nil || *in.Handler == "" {
		return 0, nil, invalidParam("The Handler parameter is required for the Zip package type.")
	}
	if err := checkRuntimeUsable(in.Runtime); err != nil {
		return 0, nil, err
	}
	if len(in.Code.ZipFile) == 0 && in.Code.S3Bucket != "" {
		return 0, nil, invalidParam("The orders emulator takes code as ZipFile only; S3Bucket/S3Key uploads are not supported.")
	}
	if err := checkZip(in.Code.ZipFile); err != nil {
		return 0, nil, err
	}
	if in.Environment != nil {
		if err := checkEnv(in.Environment.Variables); err != nil {
			return 0, nil, err
		}
	}
	if err := checkTags(in.Tags); err != nil {
		return 0, nil, err
	}
	// "lambda:TagResource: grant this permission to anyone who needs to
	// call TagResource or perform a tag on create"
	// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html#fxn-tags-required-permissions).
	if len(in.Tags) > 0 {
		if err := call.AuthorizeAction("lambda:TagResource", arn, nil); err != nil {
			return 0, nil, err
		}
	}
	if err := s.checkRole(call.Context, call.Account, *in.Role); err != nil {
		return 0, nil, err
	}

	rec := &record{
		Name:         ref.Name,
		Region:       call.Region,
		Account:      call.Account,
		Runtime:      in.Runtime,
		Role:         *in.Role,
		Handler:      *in.Handler,
		Timeout:      3,
		MemorySize:   128,
		Architecture: "x86_64",
		CodeSha256:   codeSha256(in.Code.ZipFile),
		CodeSize:     int64(len(in.Code.ZipFile)),
		LastModified: call.Now,
		RevisionID:   service.UUID(),
		Tags:         cloneMap(in.Tags),
	}
	if in.Description != nil {
		rec.Description = *in.Description
	}
	if in.Timeout != nil {
		rec.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		rec.MemorySize = *in.MemorySize
	}
	if len(in.Architectures) == 1 {
		rec.Architecture = in.Architectures[0]
	}
	if in.Environment != nil && len(in.Environment.Variables) > 0 {
		rec.Env = cloneMap(in.Environment.Variables)
	}

	s.ctl.Lock()
	defer s.ctl.Unlock()
	s.mu.RLock()
	_, exists := s.functions[rec.key()]
	s.mu.RUnlock()
	if exists {
		return 0, nil, conflict("Function already exist: %s", rec.Name)
	}
	op, err := putRecord(rec)
	if err != nil {
		return 0, nil, service.Internal(err)
	}
	ops := []store.Op{op}
	if !s.codeInUse(rec.CodeSha256, nil) {
		ops = append(ops, store.Put(bucketCode, rec.CodeSha256, in.Code.ZipFile))
	}
	if err := s.st.Write(ops...); err != nil {
		return 0, nil, service.Internal(err)
	}
	fn := s.newFunction(rec)
	fn.created(s.opts.Realism, call.Now)
	s.mu.Lock()
	s.functions[rec.key()] = fn
	s.mu.Unlock()
	s.prepareCode(rec.CodeSha256, in.Code.ZipFile)
	return http.StatusCreated, fn.withState(rec.created(), call.Now), nil
}

// prepareCode unpacks new code in the background, so the first invoke
// finds it ready.
func (s *Service) prepareCode(sha string, zipBytes []byte) {
	s.bg.goRun(func() {
		if _, err := s.code.ensure(sha, func() ([]byte, error) { return zipBytes, nil }); err != nil {
			s.log.Warn("unpack lambda code", "sha256", sha, "err", err)
			s.code.forget(sha)
		}
	})
}

// lookup finds a function by the FunctionName parameter of a request.
// It authorizes the call on the function's ARN before looking, so a caller
// without permission cannot learn whether a function exists.
func (s *Service) lookup(call *service.Call, param string) (*function, *record, error) {
	ref, err := parseFunctionRef(call.Operation, param)
	if err != nil {
		return nil, nil, err
	}
	arn := call.ARN("lambda", "function:"+ref.Name)
	if err := s.authorizeOp(call, arn); err != nil {
		return nil, nil, err
	}
	if (ref.Region != "" && ref.Region != call.Region) || (ref.Account != "" && ref.Account != call.Account) {
		return nil, nil, notFound(arn)
	}
	s.mu.RLock()
	fn := s.functions[call.Region+"/"+ref.Name]
	s.mu.RUnlock()
	if fn == nil {
		return nil, nil, notFound(arn)
	}
	if ref.Qualifier != "" {
		if err := checkQualifier(arn, ref.Qualifier); err != nil {
			return nil, nil, err
		}
	}
	return fn, fn.rec.Load(), nil
}

func (s *Service) authorizeOp(call *service.Call, arn string) error {
	if call.Operation == "Invoke" {
		return call.AuthorizeAction("lambda:InvokeFunction", arn, nil)
	}
	return call.Authorize(arn)
}

type getFunctionOutput struct {
	Configuration configuration     `json:"Configuration"`
	Code          codeLocation      `json:"Code"`
	Tags          map[string]string `json:"Tags,omitempty"`
}

type codeLocation struct {
	RepositoryType string `json:"RepositoryType"`
	Location       string `json:"Location"`
}

func (s *Service) getFunction(call *service.Call, name, qualifier string) (int, any, error) {
	fn, rec, err := s.lookup(call, name)
	if err != nil {
		return 0, nil, err
	}
	if err := checkQualifier(rec.arn(), qualifier); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, getFunctionOutput{
		Configuration: fn.withState(rec.configuration(), call.Now),
		Code: codeLocation{
			RepositoryType: "S3",
			Location:       call.Endpoint + "/2015-03-31/functions/" + url.PathEscape(rec.Name) + "/code",
		},
		Tags: cloneMap(rec.Tags),
	}, nil
}

func (s *Service) getFunctionConfiguration(call *service.Call, name, qualifier string) (int, any, error) {
	fn, rec, err := s.lookup(call, name)
	if err != nil {
		return 0, nil, err
	}
	if err := checkQualifier(rec.arn(), qualifier); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, fn.withState(rec.configuration(), call.Now), nil
}

func (s *Service) downloadCode(w http.ResponseWriter, call *service.Call, name string) (int, any, error) {
	_, rec, err := s.lookup(call, name)
	if err != nil {
		return 0, nil, err
	}
	b, err := s.loadZip(rec.CodeSha256)
	if err != nil {
		return 0, nil, service.Internal(err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return 0, nil, nil
}

type listFunctionsOutput struct {
	Functions  []configuration `json:"Functions"`
	NextMarker string          `json:"NextMarker,omitempty"`
}

func (s *Service) listFunctions(call *service.Call, q url.Values) (int, any, error) {
	if err := call.Authorize("*"); err != nil {
		return 0, nil, err
	}
	maxItems := 50
	if m := q.Get("MaxItems"); m != "" {
		n, err := strconv.Atoi(m)
		switch {
		case err != nil:
			return 0, nil, service.Validation("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be an integer", m)
		case n < 1:
			return 0, nil, service.Validation("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", n)
		case n > 10000:
			return 0, nil, service.Validation("1 validation error detected: Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 10000", n)
		}
		maxItems = n
	}
	if fv := q.Get("FunctionVersion"); fv != "" && fv != "ALL" {
		return 0, nil, service.Validation("1 validation error detected: Value '%s' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]", fv)
	}
	after := ""
	if m := q.Get("Marker"); m != "" {
		b, err := base64.RawURLEncoding.DecodeString(m)
		if err != nil {
			return 0, nil, invalidParam("Invalid Marker: %s", m)
		}
		after = string(b)
	}
	s.mu.RLock()
	byName := map[string]*record{}
	fns := map[string]*function{}
	prefix := call.Region + "/"
	for k, fn := range s.functions {
		if strings.HasPrefix(k, prefix) {
			rec := fn.rec.Load()
			byName[rec.Name] = rec
			fns[rec.Name] = fn
		}
	}
	s.mu.RUnlock()
	out := listFunctionsOutput{Functions: []configuration{}}
	for _, name := range sortedKeys(byName) {
		if name <= after {
			continue
		}
		if len(out.Functions) == maxItems {
			out.NextMarker = base64.RawURLEncoding.EncodeToString([]byte(out.Functions[len(out.Functions)-1].FunctionName))
			break
		}
		out.Functions = append(out.Functions, fns[name].withState(byName[name].configuration(), call.Now))
	}
	return http.StatusOK, out, nil
}

func (s *Service) deleteFunction(call *service.Call, name, qualifier string) (int, any, error) {
	fn, rec, err := s.lookup(call, name)
	if err != nil {
		return 0, nil, err
	}
	if qualifier == "$LATEST" {
		return 0, nil, invalidParam("$LATEST version cannot be deleted without deleting the function.")
	}
	if err := checkQualifier(rec.arn(), qualifier); err != nil {
		return 0, nil, err
	}
	fn.mu.Lock()
	if fn.deleted {
		fn.mu.Unlock()
		return 0, nil, notFound(rec.arn())
	}
	s.ctl.Lock()
	rec = fn.rec.Load()
	ops := []store.Op{store.Del(bucketFunctions, rec.key())}
	if !s.codeInUse(rec.CodeSha256, fn) {
		ops = append(ops, store.Del(bucketCode, rec.CodeSha256))
	}
	if err := s.st.Write(ops...); err != nil {
		s.ctl.Unlock()
		fn.mu.Unlock()
		return 0, nil, service.Internal(err)
	}
	fn.deleted = true
	s.mu.Lock()
	delete(s.functions, rec.key())
	s.mu.Unlock()
	s.ctl.Unlock()
	fn.mu.Unlock()
	fn.pool.close()
	return http.StatusNoContent, nil, nil
}

type updateCodeInput struct {
	ZipFile       []byte   `json:"ZipFile"`
	S3Bucket      string   `json:"S3Bucket"`
	S3Key         string   `json:"S3Key"`
	ImageURI      string   `json:"ImageUri"`
	Publish       bool     `json:"Publish"`
	DryRun        bool     `json:"DryRun"`
	RevisionID    *string  `json:"RevisionId"`
	Architectures []string `json:"Architectures"`
}

func checkRevision(cur *record, want *string) error {
	if want != nil && *want != cur.RevisionID {
		return service.Errorf(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
	}
	return nil
}

func (s *Service) updateFunctionCode(call *service.Call, name string, r *http.Request) (int, any, error) {
	var in updateCodeInput
	zip, err := readUpload(r, &in, "ZipFile")
	if err != nil {
		return 0, nil, err
	}
	if zip != nil && in.ZipFile == nil {
		in.ZipFile = zip
	}
	fn, _, err := s.lookup(call, name)
	if err != nil {
		return 0, nil, err
	}
	var v violations
	v.architectures(in.Architectures)
	if err := v.err(); err != nil {
		return 0, nil, err
	}
	if in.ImageURI != "" {
		return 0, nil, invalidParam("The orders emulator runs .zip packages only; container images are not supported.")
	}
	if len(in.ZipFile) == 0 && in.S3Bucket != "" {
		return 0, nil, invalidParam("The orders emulator takes code as ZipFile only; S3Bucket/S3Key uploads are not supported.")
	}
	if err := checkZip(in.ZipFile); err != nil {
		return 0, nil, err
	}
	return s.update(fn, in.RevisionID, in.DryRun, call.Now, func(rec *record) {
		rec.CodeSha256 = codeSha256(in.ZipFile)
		rec.CodeSize = int64(len(in.ZipFile))
		if len(in.Architectures) == 1 {
			rec.Architecture = in.Architectures[0]
		}
	}, in.ZipFile)
}

type updateConfigInput struct {
	Role        *string   `json:"Role"`
	Handler     *string   `json:"Handler"`
	Description *string   `json:"Description"`
	Timeout     *int32    `json:"Timeout"`
	MemorySize  *int32    `json:"MemorySize"`
	Environment *envInput `json:"Environment"`
	Runtime     *string   `json:"Runtime"`
	RevisionID  *string   `json:"RevisionId"`
}

func (s *Service) updateFunctionConfiguration(call *service.Call, name string, r *http.Request) (int, any, error) {
	var in updateConfigInput
	if err := readJSON(r, &in); err != nil {
		return 0, nil, err
	}
	fn, _, err := s.lookup(call, name)
	if err != nil {
		return 0, nil, err
	}
	if in.Role != nil && *in.Role != "" {
		if err := passRole(call, *in.Role); err != nil {
			return 0, nil, err
		}
	}
	var v violations
	if in.Role != nil {
		v.role(*in.Role)
	}
	if in.Runtime != nil {
		v.runtime(*in.Runtime)
	}
	v.handler(in.Handler)
	v.description(in.Description)
	v.intRange("timeout", in.Timeout, 1, 900)
	v.intRange("memorySize", in.MemorySize, 128, 10240)
	if err := v.err(); err != nil {
		return 0, nil, err
	}
	if in.Runtime != nil {
		if err := checkRuntimeUsable(*in.Runtime); err != nil {
			return 0, nil, err
		}
	}
	if in.Environment != nil {
		if err := checkEnv(in.Environment.Variables); err != nil {
			return 0, nil, err
		}
	}
	if in.Role != nil {
		if err := s.checkRole(call.Context, call.Account, *in.Role); err != nil {
			return 0, nil, err
		}
	}
	return s.update(fn, in.RevisionID, false, call.Now, func(rec *record) {
		if in.Role != nil {
			rec.Role = *in.Role
		}
		if in.Handler != nil {
			rec.Handler = *in.Handler
		}
		if in.Description != nil {
			rec.Description = *in.Description
		}
		if in.Timeout != nil {
			rec.Timeout = *in.Timeout
		}
		if in.MemorySize != nil {
			rec.MemorySize = *in.MemorySize
		}
		if in.Runtime != nil {
			rec.Runtime = *in.Runtime
		}
		if in.Environment != nil {
			rec.Env = cloneMap(in.Environment.Variables)
			if len(rec.Env) == 0 {
				rec.Env = nil
			}
		}
	}, nil)
}

// update applies change to a copy of fn's record, stores it, publishes it
// and replaces fn's instances. newZip is the uploaded code, if any.
func (s *Service) update(fn *function, revision *string, dryRun bool, now time.Time, change func(*record), newZip []byte) (int, any, error) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	cur := fn.rec.Load()
	if fn.deleted {
		return 0, nil, notFound(cur.arn())
	}
	if err := fn.busy(now, cur.arn()); err != nil {
		return 0, nil, err
	}
	if err := checkRevision(cur, revision); err != nil {
		return 0, nil, err
	}
	rec := cur.clone()
	change(rec)
	rec.LastModified = now
	if dryRun {
		return http.StatusOK, rec.configuration(), nil
	}
	rec.RevisionID = service.UUID()

	s.ctl.Lock()
	defer s.ctl.Unlock()
	op, err := putRecord(rec)
	if err != nil {
		return 0, nil, service.Internal(err)
	}
	ops := []store.Op{op}
	if rec.CodeSha256 != cur.CodeSha256 {
		if newZip != nil && !s.codeInUse(rec.CodeSha256, fn) {
			ops = append(ops, store.Put(bucketCode, rec.CodeSha256, newZip))
		}
		if !s.codeInUse(cur.CodeSha256, fn) {
			ops = append(ops, store.Del(bucketCode, cur.CodeSha256))
		}
	}
	if err := s.st.Write(ops...); err != nil {
		return 0, nil, service.Internal(err)
	}
	fn.rec.Store(rec)
	fn.updated(s.opts.Realism, now, rec)
	if newZip != nil && rec.CodeSha256 != cur.CodeSha256 {
		s.prepareCode(rec.CodeSha256, newZip)
	}
	return http.StatusOK, fn.withState(rec.updating(), now), nil
}
