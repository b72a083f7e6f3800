package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The table: OrdersTable, partition key OrderId (S), on-demand billing.
const tableKey = "OrderId"

type tableState struct {
	exists  bool
	arn     string
	status  dtypes.TableStatus
	keys    []dtypes.KeySchemaElement
	attrs   []dtypes.AttributeDefinition
	billing dtypes.BillingMode
	tags    map[string]string
}

func (s *Stack) readTable(ctx context.Context, arn string) (tableState, error) {
	name := s.names.Table
	st := tableState{arn: arn}
	var out *dynamodb.DescribeTableOutput
	err := parallel(
		func() (err error) {
			out, err = s.c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
			if hasCode(err, "ResourceNotFoundException") {
				out, err = nil, nil
			}
			if err != nil {
				return fail("describe", "table", name, err)
			}
			return nil
		},
		func() (err error) {
			st.tags, err = s.tableTags(ctx, arn)
			return err
		},
	)
	if err != nil || out == nil || out.Table == nil {
		return tableState{arn: arn}, err
	}
	t := out.Table
	st.exists = true
	if t.TableArn != nil {
		st.arn = *t.TableArn
	}
	st.status, st.keys, st.attrs = t.TableStatus, t.KeySchema, t.AttributeDefinitions
	// AWS leaves BillingModeSummary out for tables that were always provisioned.
	st.billing = dtypes.BillingModeProvisioned
	if t.BillingModeSummary != nil && t.BillingModeSummary.BillingMode != "" {
		st.billing = t.BillingModeSummary.BillingMode
	}
	return st, nil
}

// tableTags reads the table's tags. An empty set is read again for up to
// tagSettle before it is believed: "If you issue a ListTagsOfResource
// request immediately after a TagResource request, DynamoDB might return
// your previous tag set, if there was one, or an empty tag set ... Wait for
// a few seconds, and then try the ListTagsOfResource request again"
// (DynamoDB API reference, TagResource). A table up has just made (tagged
// in CreateTable) would otherwise read as drifted, or as someone else's to
// destroy.
func (s *Stack) tableTags(ctx context.Context, arn string) (map[string]string, error) {
	deadline := time.Now().Add(s.t.tagSettle)
	for try := 1; ; try++ {
		tags, found, err := s.listTableTags(ctx, arn)
		// At least tagTries reads, however slow each was; a table that
		// does not exist has no tags to wait for.
		if err != nil || !found || len(tags) > 0 || (try >= tagTries && time.Now().After(deadline)) {
			return tags, err
		}
		progress(ctx, "table "+s.names.Table+" reads with no tags: reading again, as DynamoDB shows new tags some seconds late")
		t := time.NewTimer(s.t.tagRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fail("list tags of", "table", s.names.Table, ctx.Err())
		case <-t.C:
		}
	}
}

// tagTries is the fewest reads of an empty tag set before it is believed.
const tagTries = 3

// listTableTags reads the table's tags once; found is false when the table
// does not exist.
func (s *Stack) listTableTags(ctx context.Context, arn string) (tags map[string]string, found bool, err error) {
	tags = map[string]string{}
	in := &dynamodb.ListTagsOfResourceInput{ResourceArn: &arn}
	for {
		out, err := s.c.DynamoDB.ListTagsOfResource(ctx, in)
		if hasCode(err, "ResourceNotFoundException") {
			return tags, false, nil
		}
		if err != nil {
			return nil, false, fail("list tags of", "table", s.names.Table, err)
		}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
		if out.NextToken == nil {
			return tags, true, nil
		}
		in.NextToken = out.NextToken
	}
}

// tableChanges says what correct looks like for the table.
func (s *Stack) tableChanges(st tableState) []change {
	name := s.names.Table
	var out []change
	if !tableKeyOK(st) {
		out = append(out, change{details: []string{fmt.Sprintf("key schema is %s, want %s (S) as the only key", describeKeys(st), tableKey)}})
	}
	if st.billing != dtypes.BillingModePayPerRequest {
		out = append(out, change{
			details: []string{fmt.Sprintf("billing mode is %s, want %s", st.billing, dtypes.BillingModePayPerRequest)},
			fix: func(ctx context.Context) error {
				_, err := s.c.DynamoDB.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: &name, BillingMode: dtypes.BillingModePayPerRequest})
				if err != nil {
					return fail("update billing mode of", "table", name, err)
				}
				return s.waitTableActive(ctx)
			},
		})
	}
	if d := s.tagDrift(st.tags); d != nil {
		arn := st.arn
		out = append(out, change{details: d, tag: true, fix: func(ctx context.Context) error {
			_, err := s.c.DynamoDB.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: &arn, Tags: s.dynamoTags()})
			return wrapErr(err, "tag", "table", name)
		}})
	}
	return out
}

func tableKeyOK(st tableState) bool {
	if len(st.keys) != 1 || aws.ToString(st.keys[0].AttributeName) != tableKey || st.keys[0].KeyType != dtypes.KeyTypeHash {
		return false
	}
	for _, a := range st.attrs {
		if aws.ToString(a.AttributeName) == tableKey {
			return a.AttributeType == dtypes.ScalarAttributeTypeS
		}
	}
	return false
}

func describeKeys(st tableState) string {
	types := map[string]dtypes.ScalarAttributeType{}
	for _, a := range st.attrs {
		types[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	var parts []string
	for _, k := range st.keys {
		n := aws.ToString(k.AttributeName)
		parts = append(parts, fmt.Sprintf("%s (%s) %s", n, types[n], k.KeyType))
	}
	return strings.Join(parts, ", ")
}

func (s *Stack) dynamoTags() []dtypes.Tag {
	var tags []dtypes.Tag
	for _, k := range sortedKeys(s.stackTags()) {
		tags = append(tags, dtypes.Tag{Key: aws.String(k), Value: aws.String(s.stackTags()[k])})
	}
	return tags
}

// upTable creates the table or converges it.
func (s *Stack) upTable(ctx context.Context, read *future[tableState], res *StepResult) error {
	name := s.names.Table
	st, err := read.get(ctx)
	if err != nil {
		return err
	}
	res.ARN = st.arn
	switch {
	case st.exists && st.status == dtypes.TableStatusDeleting:
		// A destroy is still under way: let it finish, then start afresh.
		res.Details = append(res.Details, "waited for the previous table to finish deleting")
		if err := s.waitTableGone(ctx); err != nil {
			return err
		}
		st.exists = false
	case st.exists && st.status != dtypes.TableStatusActive:
		if err := s.waitTableActive(ctx); err != nil {
			return err
		}
	}
	if !st.exists {
		out, err := s.c.DynamoDB.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            &name,
			AttributeDefinitions: []dtypes.AttributeDefinition{{AttributeName: aws.String(tableKey), AttributeType: dtypes.ScalarAttributeTypeS}},
			KeySchema:            []dtypes.KeySchemaElement{{AttributeName: aws.String(tableKey), KeyType: dtypes.KeyTypeHash}},
			BillingMode:          dtypes.BillingModePayPerRequest,
			Tags:                 s.dynamoTags(),
		})
		if err != nil {
			return fail("create", "table", name, err)
		}
		if out.TableDescription != nil && out.TableDescription.TableArn != nil {
			res.ARN = *out.TableDescription.TableArn
		}
		res.Outcome = Created
		return s.waitTableActive(ctx)
	}
	return apply(ctx, res, s.tableChanges(st), "converge", "table", name)
}

func (s *Stack) waitTableActive(ctx context.Context) error {
	w := dynamodb.NewTableExistsWaiter(s.c.DynamoDB, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = s.t.waitMin, s.t.waitMax
	})
	err := s.waiting(ctx, "waiting for table "+s.names.Table+" to become ACTIVE", func() error {
		return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &s.names.Table}, s.t.waitTimeout)
	})
	if err != nil {
		return fail("wait for ACTIVE of", "table", s.names.Table, err)
	}
	return nil
}

func (s *Stack) waitTableGone(ctx context.Context) error {
	w := dynamodb.NewTableNotExistsWaiter(s.c.DynamoDB, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = s.t.waitMin, s.t.waitMax
	})
	err := s.waiting(ctx, "waiting for table "+s.names.Table+" to be deleted", func() error {
		return w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: &s.names.Table}, s.t.waitTimeout)
	})
	if err != nil {
		return fail("wait for deletion of", "table", s.names.Table, err)
	}
	return nil
}

// destroyTable deletes the table, if it is the stack's, and waits until it
// is gone.
func (s *Stack) destroyTable(ctx context.Context, arn string, res *StepResult) error {
	name := s.names.Table
	st, err := s.readTable(ctx, arn)
	if err != nil {
		return err
	}
	if leave(res, KindTable, name, st.exists, s.ownerOf(st.tags)) {
		return nil
	}
	for {
		_, err := s.c.DynamoDB.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &name})
		switch {
		case hasCode(err, "ResourceNotFoundException"):
			res.Outcome = Absent
			return nil
		case hasCode(err, "ResourceInUseException"):
			// Being created, updated or already deleted: look which.
			out, derr := s.c.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
			switch {
			case hasCode(derr, "ResourceNotFoundException"):
				res.Outcome = Absent
				return nil
			case derr != nil:
				return fail("describe", "table", name, derr)
			case out.Table != nil && out.Table.TableStatus == dtypes.TableStatusDeleting:
				res.Outcome = Deleted
				return s.waitTableGone(ctx)
			}
			if err := s.waitTableActive(ctx); err != nil {
				return err
			}
			continue
		case err != nil:
			return fail("delete", "table", name, err)
		}
		res.Outcome = Deleted
		return s.waitTableGone(ctx)
	}
}
