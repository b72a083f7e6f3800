package logs

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/orders-dev/orders/internal/emulator/dispatch"
	"github.com/orders-dev/orders/internal/emulator/service"
	"github.com/orders-dev/orders/internal/emulator/store"
)

// Writers on many streams, readers, and a delete of the group in the
// middle: no race, every write either lands before the delete or fails with
// ResourceNotFoundException, and nothing of the old group survives into a
// re-created one, even across a restart.
func TestConcurrentWritesAndDelete(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, st, dispatch.Options{})
	e.group(t, fnGroup)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			<-start
			for i := 0; i < 30; i++ {
				err := e.svc.Append(ctx, region, account, fnGroup, fmt.Sprintf("w%d", w), []Event{{Timestamp: time.Now(), Message: fmt.Sprintf("w%d line %d", w, i)}})
				var se *service.Error
				if err != nil && (!errors.As(err, &se) || se.Code != "ResourceNotFoundException") {
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}(w)
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-start
		for i := 0; i < 20; i++ {
			_, _ = e.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String(fnGroup), FilterPattern: aws.String("line")})
			_, _ = e.client.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
			_, _ = e.client.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String(fnGroup)})
		}
	}()
	go func() {
		defer wg.Done()
		<-start
		time.Sleep(5 * time.Millisecond)
		if _, err := e.client.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: aws.String(fnGroup)}); err != nil {
			t.Errorf("delete: %v", err)
		}
	}()
	close(start)
	wg.Wait()

	e.group(t, fnGroup)
	out := must(e.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String(fnGroup)}))(t)
	if len(out.Events) != 0 {
		t.Errorf("re-created group shows %d old events", len(out.Events))
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	e2 := newEnv(t, st2, dispatch.Options{})
	out = must(e2.client.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: aws.String(fnGroup)}))(t)
	if len(out.Events) != 0 {
		t.Errorf("after restart the re-created group shows %d old events", len(out.Events))
	}
}
