package dynamodb

import (
	"fmt"
	"sync"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Store layout: table metadata in one bucket keyed region/name, each
// table's items in their own bucket keyed by the encoded primary key (an
// order-preserving encoding, so bbolt's key order is the table's), and each
// table's item count and size in statsBucket, written with every change,
// so opening a table reads neither its items nor their index.
const (
	tablesBucket = "dynamodb.tables"
	statsBucket  = "dynamodb.stats"
)

func itemsBucket(region, name string) string { return "dynamodb.items/" + region + "/" + name }

func tableKey(region, name string) string { return region + "/" + name }

type attributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type keySchemaElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// tableMeta is a table's persisted description.
type tableMeta struct {
	Name                 string                `json:"name"`
	Region               string                `json:"region"`
	ARN                  string                `json:"arn"`
	TableID              string                `json:"tableId"`
	Created              time.Time             `json:"created"`
	KeySchema            []keySchemaElement    `json:"keySchema"`
	AttributeDefinitions []attributeDefinition `json:"attributeDefinitions"`
	BillingMode          string                `json:"billingMode"`
	BillingModeSet       bool                  `json:"billingModeSet,omitempty"`
	BillingModeChanged   time.Time             `json:"billingModeChanged,omitzero"`
	ReadCapacity         int64                 `json:"readCapacity"`
	WriteCapacity        int64                 `json:"writeCapacity"`
	LastIncrease         time.Time             `json:"lastIncrease,omitzero"`
	LastDecrease         time.Time             `json:"lastDecrease,omitzero"`
	DecreasesToday       int64                 `json:"decreasesToday,omitempty"`
	DeletionProtection   bool                  `json:"deletionProtection,omitempty"`
	TableClass           string                `json:"tableClass,omitempty"`
	Tags                 []tag                 `json:"tags,omitempty"`
}

// keyAttr is one attribute of the primary key.
type keyAttr struct {
	name string
	kind Kind
}

// table is one table's state; its lock guards everything below mu.
type table struct {
	name   string // immutable copies of meta.Name, for use without the lock
	key    string // region/name in tablesBucket
	bucket string
	hash   keyAttr
	rng    keyAttr // rng.name == "" when the table has no sort key

	st *store.Store

	// mu guards meta, the statistics and deleted, and orders item changes:
	// an item is read and changed under it, in the store (and dirty).
	mu      sync.RWMutex
	meta    tableMeta
	count   int64 // items
	bytes   int64 // their size
	deleted bool
	times   tableTimes // realism: CREATING, stale tags

	// dirty holds the items changed in memory whose store write is queued
	// in the commit log and not yet acknowledged; reads look here first.
	// Entries go once their sequence number is durable.
	dirtyMu sync.Mutex
	dirty   map[string]dirtyItem

	log *commitLog
	// createdSeq is the log entry that created the table (0 when it was
	// loaded from the store, already durable).
	createdSeq uint64
}

func newTable(meta tableMeta, st *store.Store) *table {
	t := &table{
		name:   meta.Name,
		key:    tableKey(meta.Region, meta.Name),
		bucket: itemsBucket(meta.Region, meta.Name),
		meta:   meta,
		st:     st,
		dirty:  map[string]dirtyItem{},
		log:    newCommitLog(st),
	}
	t.log.onDurable = t.forgetDirty
	types := map[string]Kind{}
	for _, d := range meta.AttributeDefinitions {
		types[d.AttributeName] = kindByName(d.AttributeType)
	}
	for _, k := range meta.KeySchema {
		a := keyAttr{name: k.AttributeName, kind: types[k.AttributeName]}
		if k.KeyType == "HASH" {
			t.hash = a
		} else {
			t.rng = a
		}
	}
	return t
}

func (t *table) isKey(name string) bool {
	return name == t.hash.name || (t.rng.name != "" && name == t.rng.name)
}

func (t *table) keyCount() int {
	if t.rng.name == "" {
		return 1
	}
	return 2
}

const msgKeySchema = "The provided key element does not match the schema"

// itemKey validates the key attributes of a whole item (PutItem) and
// returns its encoded primary key.
func (t *table) itemKey(it Item) (string, error) {
	buf := make([]byte, 0, 64)
	for _, a := range t.keyAttrs() {
		v, ok := it[a.name]
		if !ok {
			return "", service.Validation("One or more parameter values were invalid: Missing the key %s in the item", a.name)
		}
		if v.Kind != a.kind {
			return "", service.Validation("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", a.name, a.kind, v.Kind)
		}
		if err := t.checkKeyValue(a, v); err != nil {
			return "", err
		}
		buf = appendKeyPart(buf, v)
	}
	return string(buf), nil
}

// lookupKey validates a Key parameter, which must hold exactly the key
// attributes, and returns the encoded key.
func (t *table) lookupKey(k Item) (string, error) {
	if len(k) != t.keyCount() {
		return "", service.Validation(msgKeySchema)
	}
	buf := make([]byte, 0, 64)
	for _, a := range t.keyAttrs() {
		v, ok := k[a.name]
		if !ok || v.Kind != a.kind {
			return "", service.Validation(msgKeySchema)
		}
		if err := t.checkKeyValue(a, v); err != nil {
			return "", err
		}
		buf = appendKeyPart(buf, v)
	}
	return string(buf), nil
}

func (t *table) keyAttrs() []keyAttr {
	if t.rng.name == "" {
		return []keyAttr{t.hash}
	}
	return []keyAttr{t.hash, t.rng}
}

func (t *table) checkKeyValue(a keyAttr, v Value) error {
	switch {
	case v.Kind == KindS && v.S == "":
		return service.Validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: %s", a.name)
	case v.Kind == KindB && len(v.B) == 0:
		return service.Validation("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: %s", a.name)
	}
	size := valueSize(v)
	if a.name == t.hash.name && size > maxHashKeySize {
		return service.Validation("One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of%d bytes", maxHashKeySize)
	}
	if a.name == t.rng.name && size > maxRangeKeySize {
		return service.Validation("One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of %d bytes", maxRangeKeySize)
	}
	return nil
}

// keyOf returns the key attributes of a stored item (LastEvaluatedKey).
func (t *table) keyOf(it Item) Item {
	k := Item{t.hash.name: it[t.hash.name]}
	if t.rng.name != "" {
		k[t.rng.name] = it[t.rng.name]
	}
	return k
}

// putLocked records it (replacing old) at key and returns the store ops
// for the commit log; the caller holds t.mu and appends them next.
func (t *table) putLocked(key string, old, it Item, data []byte) []store.Op {
	if old == nil {
		t.count++
	} else {
		t.bytes -= int64(itemSize(old))
	}
	t.bytes += int64(itemSize(it))
	t.markDirty(key, it)
	return []store.Op{store.Put(t.bucket, key, data), t.statsOp()}
}

// deleteLocked removes old at key and returns the store ops for the commit
// log; the caller holds t.mu and appends them next.
func (t *table) deleteLocked(key string, old Item) []store.Op {
	if old == nil {
		return nil
	}
	t.count--
	t.bytes -= int64(itemSize(old))
	t.markDirty(key, nil)
	return []store.Op{store.Del(t.bucket, key), t.statsOp()}
}

// epochSeconds encodes a time as DynamoDB's JSON timestamps: seconds since
// the epoch, with milliseconds as a fraction.
type epochSeconds time.Time

func (e epochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(e).UnixMilli()
	return fmt.Appendf(nil, "%d.%03d", ms/1000, ms%1000), nil
}

func epochPtr(t time.Time) *epochSeconds {
	if t.IsZero() {
		return nil
	}
	e := epochSeconds(t)
	return &e
}

type throughputDescription struct {
	LastIncreaseDateTime   *epochSeconds `json:"LastIncreaseDateTime,omitempty"`
	LastDecreaseDateTime   *epochSeconds `json:"LastDecreaseDateTime,omitempty"`
	NumberOfDecreasesToday int64         `json:"NumberOfDecreasesToday"`
	ReadCapacityUnits      int64         `json:"ReadCapacityUnits"`
	WriteCapacityUnits     int64         `json:"WriteCapacityUnits"`
}

type billingModeSummary struct {
	BillingMode                       string        `json:"BillingMode"`
	LastUpdateToPayPerRequestDateTime *epochSeconds `json:"LastUpdateToPayPerRequestDateTime,omitempty"`
}

type tableClassSummary struct {
	TableClass string `json:"TableClass"`
}

// warmThroughputDescription is AWS's TableWarmThroughputDescription.
type warmThroughputDescription struct {
	ReadUnitsPerSecond  int64  `json:"ReadUnitsPerSecond"`
	WriteUnitsPerSecond int64  `json:"WriteUnitsPerSecond"`
	Status              string `json:"Status"`
}

// Warm throughput of a new on-demand table: "New on-demand tables will be
// able to sustain up to 4,000 writes per second and 12,000 reads per
// second"; a provisioned table's starts at its provisioned capacity.
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html
const (
	onDemandWarmReads  = 12000
	onDemandWarmWrites = 4000
)

// tableDescription is AWS's TableDescription.
type tableDescription struct {
	AttributeDefinitions      []attributeDefinition      `json:"AttributeDefinitions,omitempty"`
	TableName                 string                     `json:"TableName"`
	KeySchema                 []keySchemaElement         `json:"KeySchema,omitempty"`
	TableStatus               string                     `json:"TableStatus"`
	CreationDateTime          *epochSeconds              `json:"CreationDateTime,omitempty"`
	ProvisionedThroughput     throughputDescription      `json:"ProvisionedThroughput"`
	TableSizeBytes            int64                      `json:"TableSizeBytes"`
	ItemCount                 int64                      `json:"ItemCount"`
	TableArn                  string                     `json:"TableArn"`
	TableId                   string                     `json:"TableId"`
	BillingModeSummary        *billingModeSummary        `json:"BillingModeSummary,omitempty"`
	DeletionProtectionEnabled bool                       `json:"DeletionProtectionEnabled"`
	TableClassSummary         *tableClassSummary         `json:"TableClassSummary,omitempty"`
	WarmThroughput            *warmThroughputDescription `json:"WarmThroughput,omitempty"`
}

// describe builds the table's description; the caller holds t.mu.
func (t *table) describeLocked(status string) tableDescription {
	m := &t.meta
	d := tableDescription{
		AttributeDefinitions: m.AttributeDefinitions,
		TableName:            m.Name,
		KeySchema:            m.KeySchema,
		TableStatus:          status,
		CreationDateTime:     epochPtr(m.Created),
		ProvisionedThroughput: throughputDescription{
			LastIncreaseDateTime:   epochPtr(m.LastIncrease),
			LastDecreaseDateTime:   epochPtr(m.LastDecrease),
			NumberOfDecreasesToday: m.DecreasesToday,
			ReadCapacityUnits:      m.ReadCapacity,
			WriteCapacityUnits:     m.WriteCapacity,
		},
		TableSizeBytes:            t.bytes,
		ItemCount:                 t.count,
		TableArn:                  m.ARN,
		TableId:                   m.TableID,
		DeletionProtectionEnabled: m.DeletionProtection,
	}
	if m.BillingMode == billingPayPerRequest || m.BillingModeSet {
		d.BillingModeSummary = &billingModeSummary{BillingMode: m.BillingMode, LastUpdateToPayPerRequestDateTime: epochPtr(m.BillingModeChanged)}
	}
	if m.TableClass != "" {
		d.TableClassSummary = &tableClassSummary{TableClass: m.TableClass}
	}
	warm := &warmThroughputDescription{ReadUnitsPerSecond: onDemandWarmReads, WriteUnitsPerSecond: onDemandWarmWrites, Status: status}
	if m.BillingMode != billingPayPerRequest {
		warm.ReadUnitsPerSecond, warm.WriteUnitsPerSecond = max(m.ReadCapacity, 1), max(m.WriteCapacity, 1)
	}
	d.WarmThroughput = warm
	if status == "DELETING" {
		// DeleteTable's description leaves out the schema and creation
		// time, as in the API reference's example response.
		// https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DeleteTable.html
		d.AttributeDefinitions, d.KeySchema, d.CreationDateTime = nil, nil, nil
	}
	return d
}

const (
	billingProvisioned   = "PROVISIONED"
	billingPayPerRequest = "PAY_PER_REQUEST"
)
