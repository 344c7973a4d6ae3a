package mediator

import (
	"context"
	"time"

	"github.com/mixstudio/mixstudio/studio"
)

// User is a signed-in user: a game client's channel owner or a viewer.
type User = studio.User

// Layout is a version's saved scenes and groups; studio.Scene and
// studio.Group marshal to exactly the protocol's objects.
type Layout = studio.Layout

// Transactions charges and captures sparks (*persistence.DB).
type Transactions interface {
	// ChargeTransaction records an uncaptured charge of cost sparks; it
	// fails with persistence.ErrNotEnoughSparks when the balance is short.
	ChargeTransaction(ctx context.Context, id string, channelID, userID int64, controlID string, cost int64, now time.Time) error
	// CaptureTransaction deducts the charge exactly once: it fails with
	// persistence.ErrUnknownTransaction if the id is unknown, of another
	// channel, expired or already captured, and with
	// persistence.ErrNotEnoughSparks if the balance is short.
	CaptureTransaction(ctx context.Context, id string, channelID int64, now time.Time) error
}
