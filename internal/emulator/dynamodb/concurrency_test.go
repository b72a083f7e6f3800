package dynamodb

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConcurrentConditionalWrites: many clients race to create one item
// (exactly one wins) and to bump a counter (no increment is lost), on a
// durable store so writes really overlap their commits.
func TestConcurrentConditionalWrites(t *testing.T) {
	e := newDiskEnv(t, t.TempDir())
	e.createTable("Race", "pk", "")
	const workers, rounds = 16, 10
	var wins atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			_, err := e.client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String("Race"), Item: map[string]types.AttributeValue{"pk": s("once"), "by": n(fmt.Sprint(w))},
				ConditionExpression: aws.String("attribute_not_exists(pk)"),
			})
			var ccf *types.ConditionalCheckFailedException
			switch {
			case err == nil:
				wins.Add(1)
			case !errors.As(err, &ccf):
				errs <- err
			}
			for r := 0; r < rounds; r++ {
				_, err := e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName: aws.String("Race"), Key: map[string]types.AttributeValue{"pk": s("counter")},
					UpdateExpression:          aws.String("ADD hits :one"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
				})
				if err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if wins.Load() != 1 {
		t.Errorf("%d conditional creates won, want 1", wins.Load())
	}
	got := e.get("Race", map[string]types.AttributeValue{"pk": s("counter")})
	if render(got["hits"]) != fmt.Sprintf("N:%d", workers*rounds) {
		t.Errorf("counter = %s, want %d", render(got["hits"]), workers*rounds)
	}
}
