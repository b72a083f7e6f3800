package sns

import (
	"encoding/json"
	"fmt"

	"github.com/orders-dev/orders/internal/emulator/store"
)

// Store layout (JSON values):
//
//	sns.topics   topic ARN -> topicRecord
//	sns.subs     subscription ARN -> subscriptionRecord
//	sns.signing  "key" -> PKCS#8 DER of the notification signing key
const (
	bucketTopics  = "sns.topics"
	bucketSubs    = "sns.subs"
	bucketSigning = "sns.signing"
)

type topicRecord struct {
	ARN         string            `json:"arn"`
	Region      string            `json:"region"`
	Account     string            `json:"account"`
	Name        string            `json:"name"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	Tags        []tag             `json:"tags,omitempty"`
	SubsDeleted int               `json:"subscriptionsDeleted,omitempty"`
	Seq         uint64            `json:"seq"`
}

type subscriptionRecord struct {
	ARN        string            `json:"arn"`
	TopicARN   string            `json:"topicArn"`
	Protocol   string            `json:"protocol"`
	Endpoint   string            `json:"endpoint"`
	Owner      string            `json:"owner"`
	Principal  string            `json:"principal"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Confirmed  bool              `json:"confirmed"`
	Token      string            `json:"token,omitempty"`
	Seq        uint64            `json:"seq"`
}

func (t *topic) put() store.Op {
	b, _ := json.Marshal(topicRecord{
		ARN: t.arn, Region: t.region, Account: t.account, Name: t.name,
		Attributes: t.attrs, Tags: t.tags, SubsDeleted: t.subsDeleted, Seq: t.seq,
	})
	return store.Put(bucketTopics, t.arn, b)
}

func (sub *subscription) put() store.Op {
	b, _ := json.Marshal(subscriptionRecord{
		ARN: sub.arn, TopicARN: sub.topicARN, Protocol: sub.protocol, Endpoint: sub.endpoint,
		Owner: sub.owner, Principal: sub.principal, Attributes: sub.attrs, Confirmed: sub.confirmed, Token: sub.token, Seq: sub.seq,
	})
	return store.Put(bucketSubs, sub.arn, b)
}

// load rebuilds topics and subscriptions from the store.
func (s *Service) load() error {
	err := s.st.ForEach(bucketTopics, func(k, v []byte) error {
		var r topicRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode topic %s: %w", k, err)
		}
		if r.Attributes == nil {
			r.Attributes = map[string]string{}
		}
		s.topics[r.ARN] = &topic{arn: r.ARN, region: r.Region, account: r.Account, name: r.Name,
			attrs: r.Attributes, tags: r.Tags, subsDeleted: r.SubsDeleted, seq: r.Seq}
		s.seq = max(s.seq, r.Seq)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load topics: %w", err)
	}
	err = s.st.ForEach(bucketSubs, func(k, v []byte) error {
		var r subscriptionRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode subscription %s: %w", k, err)
		}
		if r.Attributes == nil {
			r.Attributes = map[string]string{}
		}
		s.subs[r.ARN] = (&subscription{arn: r.ARN, topicARN: r.TopicARN, protocol: r.Protocol, endpoint: r.Endpoint,
			owner: r.Owner, principal: r.Principal, attrs: r.Attributes, confirmed: r.Confirmed, token: r.Token, seq: r.Seq}).withFilter()
		s.seq = max(s.seq, r.Seq)
		return nil
	})
	if err != nil {
		return fmt.Errorf("load subscriptions: %w", err)
	}
	return nil
}
