package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/studio"
)

// pruneExpired drops expired credentials (see persistence.PruneExpired).
func pruneExpired(ctx context.Context, db *persistence.DB, logger *slog.Logger) error {
	n, err := db.PruneExpired(ctx, time.Now().Add(-7*24*time.Hour))
	if n > 0 {
		logger.Info("pruned expired tokens, sessions and codes", "rows", n)
	}
	return err
}

// keepPruning prunes every interval until ctx ends: a participant key is
// minted per page view, and a server that runs for weeks must not keep
// them all until its next start.
func keepPruning(ctx context.Context, db *persistence.DB, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := pruneExpired(ctx, db, logger); err != nil && ctx.Err() == nil {
			logger.Warn("pruning expired credentials", "err", err)
		}
	}
}

// prepareIdentity creates the studio's owner at first start and decides
// whether studio pages need a sign-in: they do with --public-url or when
// listening beyond loopback. Then, if the owner has no password yet, it
// logs a one-time sign-in link (valid 24 hours; a new one at each start
// until a password is set on the account page) — the owner's way in.
func prepareIdentity(ctx context.Context, db *persistence.DB, opts serveOptions, logger *slog.Logger) (bool, error) {
	owner, err := db.EnsureOwner(ctx)
	if err != nil {
		return false, fmt.Errorf("create the studio's owner: %w", err)
	}
	if err := pruneExpired(ctx, db, logger); err != nil {
		return false, err
	}
	require := opts.publicURL != "" || !isLoopbackAddr(opts.addr)
	if !require || opts.mediatorOnly {
		return require, nil
	}
	has, err := db.HasPassword(ctx, owner.ID)
	if err != nil || has {
		return require, err
	}
	secret, err := db.CreateSignInLink(ctx, owner.ID)
	if err != nil {
		return require, err
	}
	base := strings.TrimRight(opts.publicURL, "/")
	if base == "" {
		base = "http://" + opts.addr
	}
	logger.Info("the studio's owner has no password yet: open this one-time link to sign in and set one",
		"user", owner.Username, "url", base+"/signin/link?token="+secret)
	return require, nil
}

// isLoopbackAddr reports whether a listen address only reaches this machine.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// runToken prints a new access token (scope interactive:robot:self) for a
// user, created if missing; the studio's owner by default.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	user := fs.String("user", "", "user name (created if missing; default: the studio's owner)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("token: unexpected argument %q", rest[0])
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	var u studio.User
	if *user == "" {
		u, err = db.EnsureOwner(ctx)
	} else {
		u, err = db.EnsureUser(ctx, *user)
	}
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	secret, _, err := db.CreateAccessToken(ctx, persistence.NewToken{
		UserID: u.ID, Scope: studio.ScopeRobotSelf, Label: "mixstudio token", TTL: persistence.CLITokenTTL,
	})
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

// runClient registers an OAuth client: `client add NAME [--secret]`.
func runClient(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("client", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	withSecret := fs.Bool("secret", false, "also create a client secret (printed once)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 2 || rest[0] != "add" {
		fs.Usage()
		return errors.New("client: usage: client add NAME [--db FILE] [--secret]")
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	c, secret, err := db.CreateOAuthClient(ctx, rest[1], *withSecret)
	if err != nil {
		return fmt.Errorf("client: %w", err)
	}
	fmt.Fprintln(stdout, c.ClientID)
	if *withSecret {
		fmt.Fprintln(stdout, secret)
	}
	return nil
}

// runSparks prints a user's sparks balance; --add N credits N first.
func runSparks(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("sparks", stderr)
	dbPath := fs.String("db", "mixstudio.db", "SQLite database file")
	add := fs.String("add", "", "credit N sparks (a ledger entry, like a streamer's gift)")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return errors.New("sparks: usage: sparks USER [--db FILE] [--add N]")
	}
	var n int64
	if *add != "" {
		n, err = strconv.ParseInt(*add, 10, 64)
		if err != nil || n <= 0 || n > 1_000_000_000 {
			return fmt.Errorf("sparks: --add takes a whole number from 1 to 1000000000, not %q", *add)
		}
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByName(ctx, rest[0])
	if err != nil {
		return fmt.Errorf("sparks: %w", err)
	}
	var balance int64
	if n > 0 {
		balance, err = db.CreditSparks(ctx, u.ID, n, "gift")
	} else {
		balance, err = db.SparksBalance(ctx, u.ID)
	}
	if err != nil {
		return fmt.Errorf("sparks: %w", err)
	}
	fmt.Fprintln(stdout, balance)
	return nil
}
