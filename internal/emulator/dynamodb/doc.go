// Package dynamodb emulates Amazon DynamoDB over the awsJson 1.0 protocol
// (X-Amz-Target: DynamoDB_20120810.*): tables, items, condition / update /
// key-condition / filter / projection expressions, and the validation and
// error shapes AWS's SDKs map to typed errors.
//
// Tables and items live in memory (reads never touch disk) and are written
// through to the emulator's store before a request is answered. Each table
// has its own lock and its own ordered commit log, so conditional writes are
// atomic while many concurrent writers share one group commit.
//
// Numbers (N) are exact decimals held as canonical strings, as AWS stores
// them: never through float64.
package dynamodb
