package logs

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// groupRecord is a log group as stored in bucketGroups.
type groupRecord struct {
	ID        string // names the group's own bucket; a re-created group gets a new one
	Region    string
	Account   string
	Name      string
	Created   int64 // epoch millis
	Retention int32 `json:",omitempty"` // days; 0 = never expire
	Class     string
	KMSKeyID  string            `json:",omitempty"`
	Tags      map[string]string `json:",omitempty"`
}

// group is a log group in memory. Lock order: Service.mu, then group.mu,
// then group.streamsMu, then stream.mu.
type group struct {
	// mu is held shared by every operation that works inside the group
	// (including while its events are written) and exclusively to change
	// the record or delete the group, so a delete never races a write.
	mu      sync.RWMutex
	rec     groupRecord // guarded by mu
	deleted bool

	// Copied from the record at creation and never changed, so they are
	// read without locking.
	id, region, account, name string

	streamsMu sync.RWMutex
	streams   map[string]*stream
}

func newGroup(rec groupRecord) *group {
	return &group{rec: rec, id: rec.ID, region: rec.Region, account: rec.Account, name: rec.Name, streams: map[string]*stream{}}
}

func (g *group) bucket() string { return bucketGroupPrefix + g.id }

func (g *group) arn() string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", g.region, g.account, g.name)
}

// authResource is what IAM authorizes group-level actions on. AWS evaluates
// them against "log-group:NAME:log-stream:" (as its AccessDenied messages
// show), so grants on "log-group:NAME:*" cover them and grants on the bare
// group ARN do not — as on AWS.
func groupResource(region, account, name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:", region, account, name)
}

// taggingResource is the log group's ARN without the trailing ":*", which
// IAM evaluates for TagResource, UntagResource and ListTagsForResource:
// "The permissions for those three actions require the ARN version that
// doesn't include a trailing :*"; every other log-group action takes the
// ":*" form, which groupResource's ":log-stream:" suffix matches
// (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/iam-access-control-overview-cwl.html).
func taggingResource(region, account, name string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, account, name)
}

func streamResource(region, account, groupName, streamName string) string {
	return fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", region, account, groupName, streamName)
}

func (g *group) storedBytes() int64 {
	g.streamsMu.RLock()
	defer g.streamsMu.RUnlock()
	var n int64
	for _, st := range g.streams {
		st.mu.RLock()
		n += st.rec.StoredBytes
		st.mu.RUnlock()
	}
	return n
}

// streamRecord is a log stream as stored in its group's bucket, with the
// statistics of its events, rewritten with every change to them so that
// opening the service reads no events (Stats is false in a record written
// before they were kept: its events are counted once at open).
type streamRecord struct {
	Name    string
	Created int64

	Stats       bool   `json:",omitempty"`
	Events      int64  `json:",omitempty"`
	StoredBytes int64  `json:",omitempty"`
	FirstTS     int64  `json:",omitempty"` // of the earliest event, when Events > 0
	LastTS      int64  `json:",omitempty"` // of the latest
	LastIngest  int64  `json:",omitempty"`
	LastSeq     uint64 `json:",omitempty"`
}

// stream is a log stream's record; its events are in the store, under
// eventKey, in position order. mu orders changes to the events with the
// record that describes them.
type stream struct {
	name string // rec.Name, read without the lock
	mu   sync.RWMutex
	rec  streamRecord
	// unseen holds, under the realism profile, the events written in the
	// last few seconds that reads may not return yet, with the time (ms)
	// they become readable. Kept in memory only: after a restart every
	// event is readable.
	unseen map[pos]int64
}

// hide records that evs become readable at visible (ms), forgetting the
// events that are readable by now (ms). mu is held for writing.
func (st *stream) hide(evs []event, visible, now int64) {
	if st.unseen == nil {
		st.unseen = map[pos]int64{}
	}
	for p, v := range st.unseen {
		if v <= now {
			delete(st.unseen, p)
		}
	}
	for _, e := range evs {
		st.unseen[e.pos()] = visible
	}
}

// hidden reports whether e is not readable yet at now (ms). mu is held.
func (st *stream) hidden(e event, now int64) bool { return st.unseen[e.pos()] > now }

// firstHidden is the earliest position not readable yet at now (ms). mu is
// held.
func (st *stream) firstHidden(now int64) (pos, bool) {
	var first pos
	found := false
	for p, v := range st.unseen {
		if v > now && (!found || p.less(first)) {
			first, found = p, true
		}
	}
	return first, found
}

// event is one log event. seq is unique across the service and orders
// events with equal timestamps by arrival.
type event struct {
	ts     int64
	seq    uint64
	ingest int64
	msg    string
}

// eventRecord is an event as stored.
type eventRecord struct {
	Stream string `json:"s"`
	TS     int64  `json:"t"`
	Seq    uint64 `json:"q"`
	Ingest int64  `json:"i"`
	Msg    string `json:"m"`
}

// eventKey orders a group's events by stream, then time, then arrival.
func eventKey(streamName string, ts int64, seq uint64) string {
	return fmt.Sprintf("e\x00%s\x00%016x%016x", streamName, uint64(ts)^(1<<63), seq)
}

// posKey is where position p is in the stream's events; streamEvents are
// the bounds of all of them.
func posKey(streamName string, p pos) []byte { return []byte(eventKey(streamName, p.ts, p.seq)) }

func streamEvents(streamName string) (from, to []byte) {
	return []byte("e\x00" + streamName + "\x00"), []byte("e\x00" + streamName + "\x01")
}

func streamKey(name string) string { return "s\x00" + name }

func encodeEvent(streamName string, e event) []byte {
	b, _ := json.Marshal(eventRecord{Stream: streamName, TS: e.ts, Seq: e.seq, Ingest: e.ingest, Msg: e.msg})
	return b
}

// pos is an event's place in the total order (timestamp, then seq).
type pos struct {
	ts  int64
	seq uint64
}

func (e event) pos() pos { return pos{e.ts, e.seq} }

func (p pos) less(q pos) bool { return p.ts < q.ts || p.ts == q.ts && p.seq < q.seq }

// next is the smallest position after p.
func (p pos) next() pos {
	if p.seq == ^uint64(0) {
		return pos{p.ts + 1, 0}
	}
	return pos{p.ts, p.seq + 1}
}

// digits renders p as 56 decimal digits, the shape of AWS's tokens and
// event ids.
func (p pos) digits() string {
	return fmt.Sprintf("%016d%020d%020d", 0, uint64(p.ts)^(1<<63), p.seq)
}

func parseDigits(s string) (pos, bool) {
	if len(s) != 56 || strings.Trim(s, "0123456789") != "" {
		return pos{}, false
	}
	ts, err1 := strconv.ParseUint(s[16:36], 10, 64)
	seq, err2 := strconv.ParseUint(s[36:], 10, 64)
	if err1 != nil || err2 != nil {
		return pos{}, false
	}
	return pos{int64(ts ^ (1 << 63)), seq}, true
}

// add accounts for events just written to the stream.
func (r *streamRecord) add(evs []event) {
	for _, e := range evs {
		if r.Events == 0 || e.ts < r.FirstTS {
			r.FirstTS = e.ts
		}
		if r.Events == 0 || e.ts > r.LastTS {
			r.LastTS = e.ts
		}
		r.Events++
		r.StoredBytes += int64(len(e.msg))
		r.LastIngest = max(r.LastIngest, e.ingest)
		r.LastSeq = max(r.LastSeq, e.seq)
	}
	r.Stats = true
}

func millis(t time.Time) int64 { return t.UnixMilli() }
