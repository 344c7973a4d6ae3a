package studio

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorCodeAndIs(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		code     string
		message  string
		sentinel error
	}{
		{"nil", nil, "", "", nil},
		{"not found", Errorf(ENOTFOUND, "no version %d", 7), ENOTFOUND, "no version 7", ErrNotFound},
		{"wrapped", fmt.Errorf("load: %w", Errorf(EFORBIDDEN, "not yours")), EFORBIDDEN, "not yours", ErrForbidden},
		{"conflict", Errorf(ECONFLICT, "stale"), ECONFLICT, "stale", ErrConflict},
		{"unauthorized", Errorf(EUNAUTHORIZED, "sign in"), EUNAUTHORIZED, "sign in", ErrUnauthorized},
		{"plain", errors.New("disk on fire"), EINTERNAL, "Internal error.", nil},
		{"validation", &ValidationError{Problems: []Problem{{ControlID: "a", Field: "cost", Message: "must be ≥ 0"}}}, EINVALID, `control "a", field cost: must be ≥ 0`, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := ErrorMessage(tt.err); got != tt.message {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
			}
			if tt.sentinel != nil && !errors.Is(tt.err, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.sentinel)
			}
			if tt.err != nil && tt.sentinel != ErrNotFound && errors.Is(tt.err, ErrNotFound) {
				t.Errorf("%v matches ErrNotFound", tt.err)
			}
		})
	}
}
