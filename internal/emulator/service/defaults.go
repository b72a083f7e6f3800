package service

// DefaultAccount is the account id of a new data dir, and of requests
// served where no account was configured.
const DefaultAccount = "000000000000"

// DefaultRegion is the region of a new emulator and of requests that name
// none (unsigned ones): us-east-1, where AWS's own tools default.
const DefaultRegion = "us-east-1"
