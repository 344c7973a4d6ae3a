package studio

import (
	"errors"
	"fmt"
)

// Error codes. They describe the kind of failure, not where it happened, so
// that each layer (HTTP status, CLI exit, protocol error) can map them.
const (
	EINVALID      = "invalid"      // the input breaks a rule
	ENOTFOUND     = "not_found"    // no such thing
	ECONFLICT     = "conflict"     // a concurrent change or a state that forbids it
	EUNAUTHORIZED = "unauthorized" // no (valid) credentials
	EFORBIDDEN    = "forbidden"    // credentials, but not allowed
	EINTERNAL     = "internal"     // our fault
)

// Error is a domain error: a code, a message a user may read, and optionally
// the field it concerns.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is reports whether target is an *Error with the same code, so
// errors.Is(err, studio.ErrNotFound) matches every ENOTFOUND error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels for errors.Is; they compare by code only.
var (
	ErrNotFound     = &Error{Code: ENOTFOUND, Message: "not found"}
	ErrForbidden    = &Error{Code: EFORBIDDEN, Message: "forbidden"}
	ErrUnauthorized = &Error{Code: EUNAUTHORIZED, Message: "unauthorized"}
	ErrConflict     = &Error{Code: ECONFLICT, Message: "conflict"}
	ErrInvalid      = &Error{Code: EINVALID, Message: "invalid"}
)

// ErrorCode returns the code of the first *Error in err's chain (a
// *ValidationError counts as EINVALID), EINTERNAL for any other error and ""
// for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return EINVALID
	}
	return EINTERNAL
}

// ErrorMessage returns the user-readable message of the first *Error in err's
// chain, and a generic message for any other error (whose text may reveal
// internals and is for logs only).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return v.Error()
	}
	return "Internal error."
}
