package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mixstudio/mixstudio/internal/limits"
	"github.com/mixstudio/mixstudio/live/console"
	"github.com/mixstudio/mixstudio/live/mediator"
	"github.com/mixstudio/mixstudio/persistence"
	"github.com/mixstudio/mixstudio/web"
)

// serveOptions are the flags shared by serve and mediator.
type serveOptions struct {
	addr      string
	db        string
	publicURL string
	// mediatorOnly serves the protocol endpoints without the studio pages.
	mediatorOnly bool
	// allowPrivateWebhooks lets reactions' webhooks reach loopback,
	// private and link-local addresses (refused by default).
	allowPrivateWebhooks bool
	// listenURL is where this process serves ("http://127.0.0.1:8080"):
	// the live console's game clients reach the embedded mediator there.
	listenURL string
	// inputRate is each participant's giveInput rate (0: no limit);
	// socketsPerAddress the participant sockets one address may hold (0:
	// no cap); requestsPerAddress the plain HTTP requests one address may
	// have in progress (0: no cap); addresses says who a request is from (--trusted-proxy).
	inputRate          float64
	socketsPerAddress  int
	requestsPerAddress int
	addresses          limits.Addresses
	// cluster joins a cluster of nodes over NATS (app_cluster.go).
	cluster clusterOptions
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return serveCommand(ctx, "serve", args, stderr, false)
}

func runMediator(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return serveCommand(ctx, "mediator", args, stderr, true)
}

func serveCommand(ctx context.Context, name string, args []string, stderr io.Writer, mediatorOnly bool) error {
	fs := newFlags(name, stderr)
	opts := serveOptions{mediatorOnly: mediatorOnly}
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&opts.db, "db", "mixstudio.db", "SQLite database file")
	if !mediatorOnly {
		fs.StringVar(&opts.publicURL, "public-url", "", "URL viewers reach this server at (turns on sign-in)")
		fs.BoolVar(&opts.allowPrivateWebhooks, "allow-private-webhooks", false, "let reactions' webhooks reach loopback, private and link-local addresses")
	} else {
		fs.StringVar(&opts.publicURL, "public-url", "", "URL clients reach this node at (handed out by discovery in a cluster)")
		opts.cluster.edgeFlag(fs)
	}
	opts.cluster.flags(fs)
	fs.Float64Var(&opts.inputRate, "input-rate", limits.InputPerSecond, "giveInput a second one participant may send on average, bursts of twice that (0: no limit)")
	fs.IntVar(&opts.socketsPerAddress, "sockets-per-address", limits.ParticipantSocketsPerAddress, "participant sockets one client address may hold open (0: no cap)")
	fs.IntVar(&opts.requestsPerAddress, "requests-per-address", limits.RequestsPerAddress, "plain HTTP requests one client address may have in progress at once (0: no cap)")
	trusted := fs.String("trusted-proxy", "", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (docs/security.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if opts.addresses, err = limits.ParseTrusted(*trusted); err != nil {
		return err
	}
	if opts.inputRate < 0 || opts.socketsPerAddress < 0 || opts.requestsPerAddress < 0 {
		return fmt.Errorf("%s: --input-rate, --sockets-per-address and --requests-per-address take 0 (no limit) or more", name)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	if err := opts.cluster.check(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return serve(ctx, ln, opts, logger)
}

// serve builds the parts, serves on ln until ctx ends, then shuts down:
// live sockets are closed with 1012 and the database is flushed and closed.
func serve(ctx context.Context, ln net.Listener, opts serveOptions, logger *slog.Logger) error {
	opts.listenURL = "http://" + ln.Addr().String()
	if opts.cluster.enabled() && opts.cluster.nodeID == "" {
		opts.cluster.nodeID = defaultNodeID(ln.Addr())
	}
	a, err := openApp(ctx, opts, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		began := time.Now()
		a.close()
		logger.Info("database closed", "took", time.Since(began).Round(time.Millisecond))
	}()
	pruneCtx, stopPruning := context.WithCancel(ctx)
	pruned := make(chan struct{})
	go func() { keepPruning(pruneCtx, a.db, time.Hour, logger); close(pruned) }()
	defer func() { stopPruning(); <-pruned }() // before the database closes

	srv := web.NewHTTPServer(a.web.Handler(), slog.NewLogLogger(logger.Handler(), slog.LevelWarn))
	conns := &unusedConns{}
	srv.ConnState = conns.track
	logger.Info("mixstudio listening", "url", "http://"+ln.Addr().String(), "db", opts.db)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	resumed := make(chan struct{})
	go func() {
		// Shows that were live when the server stopped go live again, now
		// that the embedded mediator answers.
		if a.console != nil {
			a.console.Resume(ctx)
		}
		close(resumed)
	}()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	began := time.Now()
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.web.Shutdown(shutdownCtx)
	<-resumed
	// Browsers open spare connections they may never use; net/http waits
	// 5 s before counting one as idle. Nothing is asked on them: close.
	conns.closeUnused()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("shut down", "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// app is every long-lived part, built once and handed to each other here.
type app struct {
	db      *persistence.DB
	web     *web.Server
	console *console.Manager // nil for `mixstudio mediator`
	cluster *clusterParts    // nil unless --nats or --nats-listen
}

func openApp(ctx context.Context, opts serveOptions, logger *slog.Logger) (*app, error) {
	db, err := persistence.Open(ctx, opts.db)
	if err != nil {
		return nil, err
	}
	requireSignIn, err := prepareIdentity(ctx, db, opts, logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	var parts *clusterParts
	var bus mediator.Bus
	if opts.cluster.enabled() {
		if parts, err = joinCluster(ctx, opts, logger); err != nil {
			db.Close()
			return nil, err
		}
		bus = parts.node
	}
	live := mediator.New(db, time.Now, logger, mediator.Options{
		PublicURL:         opts.publicURL,
		InputRate:         orNoLimit(opts.inputRate),
		SocketsPerAddress: int(orNoLimit(float64(opts.socketsPerAddress))),
		ClientAddr:        opts.addresses.Of,
		Bus:               bus,
		EdgeOnly:          opts.cluster.edgeOnly,
	})
	var liveConsole *console.Manager
	if !opts.mediatorOnly {
		// Stopped by web.Server.Shutdown, before the mediator closes.
		liveConsole = console.New(console.Config{DB: db, EmbeddedURL: opts.listenURL, Mediator: live, Now: time.Now, Logger: logger,
			WebhookAllowPrivate: opts.allowPrivateWebhooks})
	}
	w := web.New(web.Config{
		Logger:        logger,
		PublicURL:     opts.publicURL,
		MediatorOnly:  opts.mediatorOnly,
		RequireSignIn: requireSignIn,
		// DNS rebinding: only a loopback Host gets the default owner.
		OwnerOnLoopbackHostOnly: true,
		Mediator:                live,
		Addresses:               opts.addresses,
		RequestsPerAddress:      int(orNoLimit(float64(opts.requestsPerAddress))),
		Console:                 liveConsole,
	}, db)
	return &app{db: db, web: w, console: liveConsole, cluster: parts}, nil
}

// orNoLimit turns a flag's 0 ("no limit") into the mediator's -1 (its 0
// means "the default").
func orNoLimit(v float64) float64 {
	if v == 0 {
		return -1
	}
	return v
}

// close runs after the web server and the mediator have shut down: the
// node leaves the cluster once its sessions have released their leases.
func (a *app) close() {
	a.cluster.close()
	if err := a.db.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "mixstudio: closing database:", err)
	}
}

// openDB opens the database for the one-shot commands (import, token, ...).
func openDB(ctx context.Context, path string) (*persistence.DB, error) {
	return persistence.Open(ctx, path)
}
