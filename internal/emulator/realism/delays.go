package realism

import "time"

// The delays below are AWS's typical values (scale 1). AWS documents most
// of them only as "eventually consistent" or "up to N seconds"; where it
// gives no number we take what clients commonly wait and say so.
const (
	// IAMRoleAssumable is how long after CreateRole Lambda still cannot
	// assume the role: CreateFunction and UpdateFunctionConfiguration answer
	// InvalidParameterValueException "The role defined for the function
	// cannot be assumed by Lambda." IAM User Guide, "Changes that I make are
	// not always immediately visible": IAM "is eventually consistent …
	// changes … take time to become visible"; "we recommend that you do not
	// include such IAM changes in the critical, high-availability code
	// paths" (troubleshoot_general.html#troubleshoot_general_eventual-consistency).
	// Eight seconds is what SDK tooling (the AWS CLI's own examples, the
	// Terraform provider's retry window) waits out in practice.
	IAMRoleAssumable = 8 * time.Second

	// IAMPolicyPropagation is how long a new or changed inline or managed
	// policy, a detached one, or a permissions boundary takes before role
	// sessions and users are judged by it; until then the old decision
	// stands. Same IAM User Guide section: "changes … such as … policies
	// … take time to become visible from other endpoints".
	IAMPolicyPropagation = 5 * time.Second

	// IAMAccessKeyPropagation is how long a new access key is refused
	// (InvalidClientTokenId / UnrecognizedClientException) after
	// CreateAccessKey. Same IAM User Guide section: credentials are
	// among the changes that "take time to become visible".
	IAMAccessKeyPropagation = 5 * time.Second

	// LambdaPending is how long a new function stays State=Pending.
	// Lambda Developer Guide, "Lambda function states": "After Lambda
	// creates the function, it sets the state to pending … Lambda does not
	// invoke a function during pending state. Any invocations or other API
	// actions that operate on the function will fail"
	// (lambda/latest/dg/functions-states.html). A function without a VPC
	// typically becomes Active within a couple of seconds.
	LambdaPending = 2 * time.Second

	// LambdaUpdate is how long LastUpdateStatus stays InProgress after
	// UpdateFunctionCode or UpdateFunctionConfiguration. Same page,
	// "Function states during updates": "While the update is in progress,
	// invocations run the function's previous code and configuration", and
	// another update fails with ResourceConflictException.
	LambdaUpdate = 2 * time.Second

	// DynamoDBCreateTable is how long a new table stays CREATING.
	// DynamoDB API Reference, CreateTable: "CreateTable is an asynchronous
	// operation. Upon receiving a CreateTable request, DynamoDB immediately
	// returns a response with a TableStatus of CREATING. After the table is
	// created, DynamoDB sets the TableStatus to ACTIVE. You can perform read
	// and write operations only on an ACTIVE table."
	DynamoDBCreateTable = 3 * time.Second

	// DynamoDBDeleteTable is how long a deleted table stays DELETING.
	// DynamoDB API Reference, DeleteTable: "After a DeleteTable request, the
	// specified table is in the DELETING state until DynamoDB completes the
	// deletion … DynamoDB might continue to accept data read and write
	// operations … on a table in the DELETING state".
	DynamoDBDeleteTable = 3 * time.Second

	// DynamoDBTagPropagation is how long ListTagsOfResource may still
	// answer the previous tag set after TagResource or UntagResource.
	// DynamoDB Developer Guide, "Tagging restrictions"/TagResource: tagging
	// "is an asynchronous process" and ListTagsOfResource is eventually
	// consistent with it.
	DynamoDBTagPropagation = 2 * time.Second

	// SQSQueueCreate is how long a new queue may still answer
	// NonExistentQueue. SQS API Reference, CreateQueue: "After you create a
	// queue, you must wait at least one second after the queue is created
	// to be able to use the queue."
	SQSQueueCreate = 1 * time.Second

	// SQSPolicyPropagation is how long a Policy set with SetQueueAttributes
	// takes to apply to SNS deliveries. SQS API Reference,
	// SetQueueAttributes: "When you change a queue's attributes, the change
	// can take up to 60 seconds for most of the attributes to propagate
	// throughout the Amazon SQS system"; 30 s is the typical half of that.
	SQSPolicyPropagation = 30 * time.Second

	// SQSDeleteQueue is how long DeleteQueue takes, during which the queue
	// still answers, and after which its name may be created again. SQS API
	// Reference, DeleteQueue: "When you delete a queue, the deletion process
	// takes up to 60 seconds. Requests you send involving that queue during
	// the 60 seconds might succeed … When you delete a queue, you must wait
	// at least 60 seconds before creating a queue with the same name."
	SQSDeleteQueue = 60 * time.Second

	// SNSDeliveryMin and SNSDeliveryMax bound how long SNS takes to deliver
	// a published message to an SQS subscription. SNS Developer Guide,
	// "Amazon SNS message delivery": delivery is asynchronous (Publish
	// returns once the message is stored, not delivered); tens to hundreds
	// of milliseconds is what SQS subscribers observe.
	SNSDeliveryMin = 50 * time.Millisecond
	SNSDeliveryMax = 500 * time.Millisecond

	// LogsVisibleMin and LogsVisibleMax bound how long after PutLogEvents
	// the events appear to GetLogEvents and FilterLogEvents. CloudWatch Logs
	// API Reference, PutLogEvents: a successful call means the batch was
	// accepted for ingestion (each event gets an ingestionTime), not that
	// it is searchable; a few seconds is the usual lag.
	LogsVisibleMin = 2 * time.Second
	LogsVisibleMax = 5 * time.Second
)
