package dynamodb

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// load rebuilds every table from the store: its metadata and statistics,
// not its items, which are read when needed.
func (s *Service) load() error {
	var metas []tableMeta
	err := s.st.ForEach(tablesBucket, func(k, v []byte) error {
		var m tableMeta
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode table %s: %w", k, err)
		}
		metas = append(metas, m)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load dynamodb tables: %w", err)
	}
	live := map[string]bool{}
	var counted []store.Op
	for _, m := range metas {
		t := newTable(m, s.st)
		op, write, err := t.loadStats()
		if err != nil {
			return fmt.Errorf("load table %s in %s: %w", m.Name, m.Region, err)
		}
		if write {
			counted = append(counted, op)
		}
		s.tables[t.key] = t
		live[t.bucket] = true
	}
	// A crash between a table's deletion and the drop of its items cannot
	// happen (they commit together), but a bucket left by anything else is
	// dropped rather than resurrected under a new table of the same name.
	buckets, err := s.st.Buckets("dynamodb.items/")
	if err != nil {
		return fmt.Errorf("list dynamodb item buckets: %w", err)
	}
	var drops []store.Op
	for _, b := range buckets {
		if !live[b] && strings.HasPrefix(b, "dynamodb.items/") {
			s.opts.Logger.Warn("dropping items of a table that no longer exists", "bucket", b)
			drops = append(drops, store.DropBucket(b))
		}
	}
	if err := s.st.Write(counted...); err != nil {
		return fmt.Errorf("record dynamodb table statistics: %w", err)
	}
	if err := s.st.Write(drops...); err != nil {
		return fmt.Errorf("drop orphaned dynamodb item buckets: %w", err)
	}
	return nil
}
