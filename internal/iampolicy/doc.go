// Package iampolicy parses, evaluates and lints AWS IAM policy documents.
//
// It is the one implementation behind `orders verify` (lint and simulation
// checks) and the local emulator's enforcement and its
// iam:SimulatePrincipalPolicy / iam:SimulateCustomPolicy, so both agree by
// construction.
//
// Parse validates a document the way IAM does (naming the problem, as a
// MalformedPolicyDocument message would) and compiles every matcher once, so
// Evaluate, which the emulator runs on every request, does no parsing and
// allocates at most one small value per call.
//
// Evaluation follows the documented same-account logic: an explicit Deny in
// any policy wins; otherwise the request is allowed when an identity-based
// policy allows it (and the permissions boundary and session policy, when
// present, allow it too) or when a resource-based policy allows the caller;
// otherwise it is implicitly denied.
package iampolicy
