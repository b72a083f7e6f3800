// Command realismfloor prints the floor the realism profile puts under
// `orders up` and `orders destroy`: the longest chain of waits along their
// dependency graphs that no client can avoid, at a scale. bench/realism_up.sh
// compares the measured times with it.
//
//	go run ./bench/cmd/realismfloor [-scale 1]
package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/orders-dev/orders/internal/emulator/realism"
)

func main() {
	scale := flag.Float64("scale", 1, "the profile's --realism-scale")
	flag.Parse()
	d := func(base time.Duration) time.Duration { return time.Duration(float64(base) * *scale) }

	// up's graph (internal/pipeline/up.go): table, topic, queue, log group
	// and role start at once; the queue is created with its policy (no
	// SetQueueAttributes delay); the subscription follows the queue; the
	// function follows role, table, topic and log group.
	//   role:     CreateRole → Lambda can assume it after IAMRoleAssumable
	//   function: CreateFunction → Pending for LambdaPending → Active
	//   table:    CreateTable → CREATING for DynamoDBCreateTable → ACTIVE
	// The inline policy's propagation (IAMPolicyPropagation) runs alongside
	// and is not on up's path; the queue being unknown for SQSQueueCreate
	// delays nothing up waits for.
	roleThenFunction := d(realism.IAMRoleAssumable) + d(realism.LambdaPending)
	table := d(realism.DynamoDBCreateTable)
	up := max(roleThenFunction, table)

	// destroy's graph (internal/pipeline/destroy.go): the subscription and
	// the function first; then the queue (deleted, and gone after
	// SQSDeleteQueue), the table after the function (DELETING for
	// DynamoDBDeleteTable); role and log group take no time.
	destroy := max(d(realism.SQSDeleteQueue), d(realism.DynamoDBDeleteTable))
	// up right after destroy: SQS refuses the queue's name until
	// SQSDeleteQueue after DeleteQueue, which destroy has already waited
	// out, so up's own floor is the same as from nothing.
	upAfter := max(up, d(realism.SQSDeleteQueue)-destroy)

	fmt.Printf("scale %g\n", *scale)
	fmt.Printf("up floor:            %6.2f s  (role assumable %s + function Pending %s; table CREATING %s alongside)\n",
		up.Seconds(), d(realism.IAMRoleAssumable), d(realism.LambdaPending), table)
	fmt.Printf("destroy floor:       %6.2f s  (queue deletion %s; table DELETING %s alongside)\n",
		destroy.Seconds(), d(realism.SQSDeleteQueue), d(realism.DynamoDBDeleteTable))
	fmt.Printf("up-after-destroy:    %6.2f s\n", upAfter.Seconds())
	fmt.Printf("FLOOR up=%.3f destroy=%.3f upagain=%.3f\n", up.Seconds(), destroy.Seconds(), upAfter.Seconds())
}
