package sns

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Subscriptions to http, https, email and email-json endpoints start out
// pending: SNS sends the endpoint a SubscriptionConfirmation carrying a
// token and a SubscribeURL, and the subscription is confirmed when the
// token comes back through ConfirmSubscription (calling the SubscribeURL
// does that) (https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html,
// https://docs.aws.amazon.com/sns/latest/api/API_ConfirmSubscription.html).
// The emulator POSTs the confirmation to http and https endpoints and logs
// the SubscribeURL for every pending subscription.

// confirmationTimeout bounds the POST of a SubscriptionConfirmation.
const confirmationTimeout = 15 * time.Second

// requestConfirmation sends (http, https) or logs the confirmation of a
// pending subscription, without holding up Subscribe.
func (s *Service) requestConfirmation(call *service.Call, t *topic, sub *subscription) {
	base := strings.TrimRight(call.Endpoint, "/")
	subscribeURL := base + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(t.arn) + "&Token=" + sub.token
	s.log.Info("sns subscription pending confirmation", "subscription", sub.arn, "protocol", sub.protocol,
		"endpoint", sub.endpoint, "subscribeURL", subscribeURL)
	if sub.protocol != "http" && sub.protocol != "https" {
		return
	}
	n := confirmation{
		MessageID: service.UUID(), Token: sub.token, TopicARN: t.arn,
		Message:      "You have chosen to subscribe to the topic " + t.arn + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		SubscribeURL: subscribeURL, Timestamp: s.now().UTC().Format("2006-01-02T15:04:05.000Z"),
		SignatureVersion: "1", SigningCertURL: base + CertPath,
	}
	if v := t.attrs["SignatureVersion"]; v != "" {
		n.SignatureVersion = v
	}
	go s.postConfirmation(sub, n)
}

// confirmation is a SubscriptionConfirmation message.
type confirmation struct {
	MessageID, Token, TopicARN, Message, SubscribeURL, Timestamp string
	SignatureVersion, Signature, SigningCertURL                  string
}

func (s *Service) postConfirmation(sub *subscription, n confirmation) {
	key, _, err := s.signer()
	if err != nil {
		s.log.Warn("sns subscription confirmation not sent", "subscription", sub.arn, "reason", err.Error())
		return
	}
	var text strings.Builder
	for _, kv := range [][2]string{{"Message", n.Message}, {"MessageId", n.MessageID}, {"SubscribeURL", n.SubscribeURL},
		{"Timestamp", n.Timestamp}, {"Token", n.Token}, {"TopicArn", n.TopicARN}, {"Type", "SubscriptionConfirmation"}} {
		text.WriteString(kv[0] + "\n" + kv[1] + "\n")
	}
	if n.Signature, err = sign(key, n.SignatureVersion, text.String()); err != nil {
		s.log.Warn("sns subscription confirmation not sent", "subscription", sub.arn, "reason", err.Error())
		return
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i, kv := range [][2]string{{"Type", "SubscriptionConfirmation"}, {"MessageId", n.MessageID}, {"Token", n.Token},
		{"TopicArn", n.TopicARN}, {"Message", n.Message}, {"SubscribeURL", n.SubscribeURL}, {"Timestamp", n.Timestamp},
		{"SignatureVersion", n.SignatureVersion}, {"Signature", n.Signature}, {"SigningCertURL", n.SigningCertURL}} {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString("  " + jsonString(kv[0]) + " : " + jsonString(kv[1]))
	}
	b.WriteString("\n}")
	ctx, cancel := context.WithTimeout(context.Background(), confirmationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.endpoint, strings.NewReader(b.String()))
	if err != nil {
		s.log.Warn("sns subscription confirmation not sent", "subscription", sub.arn, "reason", err.Error())
		return
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("x-amz-sns-message-type", "SubscriptionConfirmation")
	req.Header.Set("x-amz-sns-message-id", n.MessageID)
	req.Header.Set("x-amz-sns-topic-arn", n.TopicARN)
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.log.Warn("sns subscription confirmation not delivered", "subscription", sub.arn, "endpoint", sub.endpoint, "reason", err.Error())
		return
	}
	_ = resp.Body.Close()
}

type confirmSubscriptionResult struct {
	SubscriptionArn string `xml:"SubscriptionArn"`
}

func (s *Service) confirmSubscription(call *service.Call, form url.Values) (any, error) {
	topicARN, err := topicARNParam(call, form, "TopicArn")
	if err != nil {
		return nil, err
	}
	if err := call.Authorize(topicARN); err != nil {
		return nil, err
	}
	token := form.Get("Token")
	if token == "" {
		return nil, errMissing("Token")
	}
	s.ddl.Lock()
	defer s.ddl.Unlock()
	if s.topics[topicARN] == nil {
		return nil, errNotFound("Topic")
	}
	var sub *subscription
	for _, x := range s.subs {
		if x.topicARN == topicARN && x.token == token {
			sub = x
			break
		}
	}
	if sub == nil {
		return nil, errInvalidParameter("Invalid token")
	}
	if !sub.confirmed {
		c := *sub
		c.confirmed = true
		if err := s.st.Write(c.put()); err != nil {
			return nil, internal("confirm subscription %s: %w", sub.arn, err)
		}
		s.mu.Lock()
		s.subs[c.arn] = &c
		s.mu.Unlock()
	}
	return confirmSubscriptionResult{SubscriptionArn: sub.arn}, nil
}
