package persistence

import (
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"time"
)

// SetClock replaces the clock the repositories read (token and shortcode
// expiry, ledger timestamps). Tests call it right after Open, before use.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// newSecret returns a URL-safe random string carrying n bytes of entropy.
func newSecret(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how every high-entropy secret is stored and looked up.
// Looking rows up by the hash compares hashes, never the secrets, so the
// comparison's timing says nothing about a secret.
func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// tokenBytes is the entropy of access, refresh and session tokens.
const tokenBytes = 32

func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// noRows reports whether err is sql.ErrNoRows.
func noRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
