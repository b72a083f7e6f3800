package sns

import (
	"fmt"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// Error codes and statuses as the SNS model's error traits name them.

func errInvalidParameter(format string, args ...any) *service.Error {
	return service.Errorf(400, "InvalidParameter", format, args...)
}

// errInvalidValue is ParameterValueInvalid (the SDK's
// InvalidParameterValueException), which SNS uses for message attributes.
func errInvalidValue(format string, args ...any) *service.Error {
	return service.Errorf(400, "ParameterValueInvalid", format, args...)
}

func errNotFound(what string) *service.Error {
	return service.Errorf(404, "NotFound", "%s does not exist", what)
}

func errResourceNotFound() *service.Error {
	return service.Errorf(404, "ResourceNotFound", "Resource does not exist")
}

func errTagLimit() *service.Error {
	return service.Errorf(400, "TagLimitExceeded", "Could not complete request: tag quota of per resource exceeded")
}

func errMissing(param string) *service.Error {
	return errInvalidParameter("Invalid parameter: %s", param)
}

func internal(format string, args ...any) *service.Error {
	return service.Internal(fmt.Errorf(format, args...))
}
