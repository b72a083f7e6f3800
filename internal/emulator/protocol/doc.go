// Package protocol encodes answers and errors in the wire shapes AWS's SDKs
// parse: awsJson 1.0/1.1, awsQuery XML and restJson1. Services return values
// and *service.Error; only this package knows how they look on the wire.
package protocol
