package lambda

import (
	"net/http"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Lambda's default account quotas, as GetAccountSettings reports them.
// https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html (example response)
// https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
const (
	quotaTotalCodeSize        = 80530636800 // 75 GB of deployment packages per region
	quotaConcurrentExecutions = 1000
)

type accountLimit struct {
	TotalCodeSize                  int64 `json:"TotalCodeSize"`
	CodeSizeUnzipped               int64 `json:"CodeSizeUnzipped"`
	CodeSizeZipped                 int64 `json:"CodeSizeZipped"`
	ConcurrentExecutions           int32 `json:"ConcurrentExecutions"`
	UnreservedConcurrentExecutions int32 `json:"UnreservedConcurrentExecutions"`
}

type accountUsage struct {
	TotalCodeSize int64 `json:"TotalCodeSize"`
	FunctionCount int64 `json:"FunctionCount"`
}

type accountSettings struct {
	AccountLimit accountLimit `json:"AccountLimit"`
	AccountUsage accountUsage `json:"AccountUsage"`
}

// getAccountSettings reports the region's quotas and what the caller's
// account uses of them: its functions and their deployment packages. No
// function reserves concurrency here, so all of it is unreserved.
func (s *Service) getAccountSettings(call *service.Call) (int, any, error) {
	if err := call.AuthorizeAction("lambda:GetAccountSettings", "*", nil); err != nil {
		return 0, nil, err
	}
	var usage accountUsage
	s.mu.RLock()
	for _, fn := range s.functions {
		rec := fn.rec.Load()
		if rec.Region != call.Region || rec.Account != call.Account {
			continue
		}
		usage.FunctionCount++
		usage.TotalCodeSize += rec.CodeSize
	}
	s.mu.RUnlock()
	return http.StatusOK, accountSettings{
		AccountLimit: accountLimit{
			TotalCodeSize: quotaTotalCodeSize, CodeSizeUnzipped: maxUnzippedSize, CodeSizeZipped: maxZipSize,
			ConcurrentExecutions: quotaConcurrentExecutions, UnreservedConcurrentExecutions: quotaConcurrentExecutions,
		},
		AccountUsage: usage,
	}, nil
}
