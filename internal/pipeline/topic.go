package pipeline

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	stypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

type topicState struct {
	exists bool
	arn    string
	tags   map[string]string
}

// readTopic looks the topic up by its ARN: unlike CreateTopic, that
// neither creates it nor needs sns:CreateTopic.
func (s *Stack) readTopic(ctx context.Context, arn string) (topicState, error) {
	name := s.names.Topic
	st := topicState{arn: arn, tags: map[string]string{}}
	var attrs *sns.GetTopicAttributesOutput
	err := parallel(
		func() (err error) {
			attrs, err = s.c.SNS.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &arn})
			if hasCode(err, "NotFound", "NotFoundException") {
				attrs, err = nil, nil
			}
			return wrapErr(err, "get attributes of", "topic", name)
		},
		func() error {
			out, err := s.c.SNS.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &arn})
			if hasCode(err, "NotFound", "NotFoundException", "ResourceNotFound", "ResourceNotFoundException") {
				return nil
			}
			if err != nil {
				return fail("list tags of", "topic", name, err)
			}
			for _, t := range out.Tags {
				st.tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			return nil
		},
	)
	if err != nil || attrs == nil {
		return topicState{arn: arn}, err
	}
	st.exists = true
	if a := attrs.Attributes["TopicArn"]; a != "" {
		st.arn = a
	}
	return st, nil
}

// topicChanges says what correct looks like for the topic.
func (s *Stack) topicChanges(st topicState) []change {
	var out []change
	if d := s.tagDrift(st.tags); d != nil {
		arn := st.arn
		out = append(out, change{details: d, tag: true, fix: func(ctx context.Context) error {
			_, err := s.c.SNS.TagResource(ctx, &sns.TagResourceInput{ResourceArn: &arn, Tags: s.snsTags()})
			return wrapErr(err, "tag", "topic", s.names.Topic)
		}})
	}
	return out
}

func (s *Stack) snsTags() []stypes.Tag {
	var tags []stypes.Tag
	for _, k := range sortedKeys(s.stackTags()) {
		tags = append(tags, stypes.Tag{Key: aws.String(k), Value: aws.String(s.stackTags()[k])})
	}
	return tags
}

func (s *Stack) upTopic(ctx context.Context, read *future[topicState], res *StepResult) error {
	st, err := read.get(ctx)
	if err != nil {
		return err
	}
	res.ARN = st.arn
	if st.exists {
		return apply(ctx, res, s.topicChanges(st), "converge", "topic", s.names.Topic)
	}
	out, err := s.c.SNS.CreateTopic(ctx, &sns.CreateTopicInput{Name: &s.names.Topic, Tags: s.snsTags()})
	if err != nil {
		return fail("create", "topic", s.names.Topic, err)
	}
	res.ARN = aws.ToString(out.TopicArn)
	res.Outcome = Created
	return nil
}

// destroyTopic looks before deleting: DeleteTopic succeeds on a topic that
// does not exist, which would hide "absent".
func (s *Stack) destroyTopic(ctx context.Context, arn string, res *StepResult) error {
	st, err := s.readTopic(ctx, arn)
	if err != nil {
		return err
	}
	if !st.exists {
		res.Outcome = Absent
		return nil
	}
	if leave(res, KindTopic, s.names.Topic, st.exists, s.ownerOf(st.tags)) {
		return nil
	}
	res.ARN = arn
	if _, err := s.c.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: &arn}); err != nil {
		if hasCode(err, "NotFound", "NotFoundException") {
			res.Outcome = Absent
			return nil
		}
		return fail("delete", "topic", s.names.Topic, err)
	}
	res.Outcome = Deleted
	return nil
}
