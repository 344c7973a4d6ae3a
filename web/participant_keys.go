package web

import (
	"context"
	"sync"
	"time"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// participantKeys remembers the participant key last handed to each viewer
// (keys are stored hashed, so only this process can hand the same one out
// again): a page that asks again gets it while it has more than half its
// life left, instead of a new stored key per request.
type participantKeys struct {
	mu   sync.Mutex
	keys map[int64]participantKey // by user ID
}

type participantKey struct {
	secret  string
	expires time.Time
}

// participantKey returns a live participant key for u, minting one only
// when u has none this process handed out, or it is past half its life or
// revoked.
func (s *Server) participantKey(ctx context.Context, u studio.User) (string, error) {
	pk := &s.auth.participantKeys
	now := s.now()
	pk.mu.Lock()
	k, ok := pk.keys[u.ID]
	pk.mu.Unlock()
	if ok && k.expires.Sub(now) > persistence.ParticipantKeyTTL/2 {
		if owner, err := s.db.UserByToken(ctx, k.secret); err == nil && owner.ID == u.ID {
			return k.secret, nil
		}
	}
	secret, _, err := s.db.CreateAccessToken(ctx, persistence.NewToken{
		UserID: u.ID, Scope: studio.ScopeParticipant, Label: "participant key", TTL: persistence.ParticipantKeyTTL,
	})
	if err != nil {
		return "", err
	}
	pk.mu.Lock()
	defer pk.mu.Unlock()
	if pk.keys == nil || len(pk.keys) >= limits.MaxKeys {
		pk.keys = map[int64]participantKey{} // forgetting costs a new key each, no more
	}
	pk.keys[u.ID] = participantKey{secret: secret, expires: now.Add(persistence.ParticipantKeyTTL)}
	return secret, nil
}
