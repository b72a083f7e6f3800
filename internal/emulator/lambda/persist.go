package lambda

import (
	"encoding/json"
	"fmt"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// Store layout.
const (
	bucketFunctions = "lambda.functions" // region/name -> record JSON
	bucketCode      = "lambda.code"      // CodeSha256 -> zip bytes
	bucketEvents    = "lambda.events"    // time-ordered id -> queued Event invocation
)

func putRecord(r *record) (store.Op, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return store.Op{}, fmt.Errorf("encode function %s: %w", r.Name, err)
	}
	return store.Put(bucketFunctions, r.key(), b), nil
}

// load restores every function from the store.
func (s *Service) load() error {
	err := s.st.ForEach(bucketFunctions, func(k, v []byte) error {
		var r record
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode function %s: %w", k, err)
		}
		s.functions[r.key()] = s.newFunction(&r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load lambda functions: %w", err)
	}
	return nil
}

func (s *Service) newFunction(r *record) *function {
	fn := &function{}
	fn.rec.Store(r)
	fn.pool = newPool(s, r)
	return fn
}

// codeInUse reports whether any function other than except uses sha.
// The caller holds s.ctl, so no create or update can race it.
func (s *Service) codeInUse(sha string, except *function) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, fn := range s.functions {
		if fn != except && fn.rec.Load().CodeSha256 == sha {
			return true
		}
	}
	return false
}

// loadZip reads a code blob back from the store.
func (s *Service) loadZip(sha string) ([]byte, error) {
	b, err := s.st.Get(bucketCode, sha)
	if err != nil {
		return nil, fmt.Errorf("read code %s: %w", sha, err)
	}
	if b == nil {
		return nil, fmt.Errorf("code %s is missing from the store", sha)
	}
	return b, nil
}
