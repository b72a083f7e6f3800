package dynamodb

import (
	"strings"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/realism"
	"github.com/orders-dev/orders/internal/emulator/service"
)

// What the realism profile adds to DynamoDB (see realism.DynamoDBCreateTable
// and its neighbours for AWS's documentation): a new table is CREATING for a
// while and item calls cannot find it until it is ACTIVE; a deleted table
// is DELETING for a while (DescribeTable and ListTables still show it, its
// name cannot be created again); ListTagsOfResource may answer the previous
// tag set for a while after TagResource or UntagResource. The states live
// in memory only: after a restart every table is ACTIVE.

// tableTimes is one table's realism state, guarded by the table's mu.
type tableTimes struct {
	activeAt      time.Time // CREATING before this
	tagsVisibleAt time.Time // ListTagsOfResource answers prevTags before this
	prevTags      []tag
}

// creating reports whether t is still CREATING at now. t.mu is held.
func (t *table) creating(now time.Time) bool { return now.Before(t.times.activeAt) }

// statusLocked is t's TableStatus at now. t.mu is held.
func (t *table) statusLocked(now time.Time) string {
	if t.creating(now) {
		return "CREATING"
	}
	return "ACTIVE"
}

// itemTable is authorizedTable for item operations: a table that is still
// CREATING is not found, as on AWS ("You can perform read and write
// operations only on an ACTIVE table").
func (s *Service) itemTable(call *service.Call, raw *string, errs ...violation) (*table, string, error) {
	t, name, err := s.authorizedTable(call, raw, errs...)
	if err != nil {
		return nil, "", err
	}
	if err := s.activeOrNotFound(call, t); err != nil {
		return nil, "", err
	}
	return t, name, nil
}

func (s *Service) activeOrNotFound(call *service.Call, t *table) error {
	t.mu.RLock()
	creating := t.creating(call.Now)
	t.mu.RUnlock()
	if creating {
		return errTableNotFound(t.name)
	}
	return nil
}

// notActive is the ResourceInUseException DeleteTable and UpdateTable
// answer for a table that is still CREATING. t.mu is held.
func (t *table) notActiveLocked(now time.Time) error {
	if t.creating(now) {
		return errInUse("Attempt to change a resource which is still in use: Table is being created: %s", t.name)
	}
	return nil
}

// tagsChangedLocked starts the window in which ListTagsOfResource still
// answers the tags as they were before. t.mu is held; old is the tag set
// before the change.
func (t *table) tagsChangedLocked(p *realism.Profile, now time.Time, old []tag) {
	d := p.Delay(realism.DynamoDBTagPropagation)
	if d <= 0 {
		return
	}
	if !now.Before(t.times.tagsVisibleAt) { // the last change is visible: it is the "previous" set now
		t.times.prevTags = old
	}
	t.times.tagsVisibleAt = now.Add(d)
}

// visibleTagsLocked is what ListTagsOfResource answers at now. t.mu is held.
func (t *table) visibleTagsLocked(now time.Time) []tag {
	if now.Before(t.times.tagsVisibleAt) {
		return append([]tag(nil), t.times.prevTags...)
	}
	return append([]tag(nil), t.meta.Tags...)
}

// deletingTables remembers deleted tables while they are DELETING.
type deletingTables struct {
	mu     sync.Mutex
	tables map[string]deletingTable // region/name
}

type deletingTable struct {
	desc  tableDescription
	until time.Time
}

func (d *deletingTables) add(key string, desc tableDescription, until time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.tables == nil {
		d.tables = map[string]deletingTable{}
	}
	d.tables[key] = deletingTable{desc: desc, until: until}
}

// get returns the DELETING description of key at now, forgetting it once
// the deletion is over.
func (d *deletingTables) get(key string, now time.Time) (tableDescription, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g, ok := d.tables[key]
	if !ok {
		return tableDescription{}, false
	}
	if !now.Before(g.until) {
		delete(d.tables, key)
		return tableDescription{}, false
	}
	return g.desc, true
}

// names lists the tables of region still DELETING at now.
func (d *deletingTables) names(region string, now time.Time) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for key, g := range d.tables {
		if !now.Before(g.until) {
			delete(d.tables, key)
			continue
		}
		if strings.HasPrefix(key, region+"/") {
			out = append(out, g.desc.TableName)
		}
	}
	return out
}
