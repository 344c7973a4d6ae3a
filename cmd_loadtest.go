package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/mixstudio/mixstudio/live/loadtest"
)

// runLoadtest drives a mediator with one game client and N participants
// over loopback and prints one line of figures (live/loadtest). By default
// the mediator runs in a child process (this binary, `loadtest --serve`)
// so that its memory is measured alone.
func runLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest", stderr)
	var cfg loadtest.Config
	mode := fs.String("mode", "input", "input (participants give input), fanout (the game client updates everyone), idle, or mixed (input and fan-outs at once)")
	fs.IntVar(&cfg.Participants, "n", 1000, fmt.Sprintf("participants (at most %d)", loadtest.MaxParticipants))
	fs.Float64Var(&cfg.Rate, "rate", 1, "input, mixed: inputs per participant per second; fanout: updates per second")
	fs.Float64Var(&cfg.FanoutRate, "fanout-rate", 2, "mixed: updates per second")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, fmt.Sprintf("traffic time (at most %s)", loadtest.MaxDuration))
	fs.StringVar(&cfg.Fanout, "fanout", "controls", "fanout: controls (updateControls on a label) or scene (the default group switches scene)")
	fs.BoolVar(&cfg.Batch, "batch", false, "participants opt in to JSON array batches")
	fs.BoolVar(&cfg.KeepThrottle, "keep-throttle", false, "keep the default game-client bandwidth throttle (10 Mbit/s drain; input past it is dropped by design)")
	server := fs.String("server", "child", "child (the mediator in a child process: honest memory figures) or inprocess")
	edges := fs.Int("edges", 0, fmt.Sprintf("run a cluster instead: an embedded NATS server, a home node (the game client's) and this many edge nodes (the participants'), each a mixstudio mediator child process (1 to %d)", loadtest.MaxEdges))
	target := fs.String("url", "", "drive a running mediator at this loopback URL instead (needs --token and --version)")
	token := fs.String("token", "", "with --url: the game client's token (`mixstudio token`)")
	version := fs.Int64("version", 0, "with --url: the version ID to run (`mixstudio import`)")
	channel := fs.Int64("channel", 0, "with --url: the channel (default: the token's, from /api/v1/users/current)")
	pid := fs.Int("pid", 0, "with --url: the server's process id, to read its memory and CPU from /proc")
	profile := fs.String("cpuprofile", "", "write the server's CPU profile over the traffic phase to this file")
	heapProfile := fs.String("heapprofile", "", "write the server's heap profile, taken once the participants have joined, to this file")
	serveDB := fs.String("serve", "", "internal: serve the mediator on this database for a parent load test and print its address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("loadtest: unexpected argument %q", fs.Arg(0))
	}
	if *serveDB != "" {
		return serveForLoadtest(ctx, *serveDB, stdout, stderr)
	}
	cfg.Mode = loadtest.Mode(*mode)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if *edges != 0 {
		switch err := loadtest.CheckEdges(*edges); {
		case err != nil:
			return fmt.Errorf("loadtest: --%w", err)
		case *target != "":
			return errors.New("loadtest: --edges starts its own cluster; it does not go with --url")
		case *server != "child":
			return errors.New("loadtest: --edges runs every node in a child process; it does not go with --server")
		case *profile != "" || *heapProfile != "":
			return errors.New("loadtest: --cpuprofile and --heapprofile profile one server; not a cluster")
		}
	}
	// One end of each socket lives here and the other in the server (the
	// child inherits this limit); in process, both ends live here.
	want := uint64(cfg.Participants + 512)
	if *server == "inprocess" && *target == "" {
		want += uint64(cfg.Participants)
	}
	before, after, err := loadtest.RaiseFileLimit(want)
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	if after != before {
		fmt.Fprintf(stderr, "loadtest: raised RLIMIT_NOFILE from %d to %d\n", before, after)
	}

	var t loadtest.Target
	switch {
	case *target != "":
		if err := loadtest.CheckLoopback(*target); err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		if *token == "" || *version == 0 {
			return errors.New("loadtest: --url needs --token and --version")
		}
		t = loadtest.Target{BaseURL: *target, Token: *token, VersionID: *version, ChannelID: *channel, PID: *pid}
		if t.ChannelID == 0 {
			if t.ChannelID, err = loadtest.LookupChannel(ctx, *target, *token); err != nil {
				return fmt.Errorf("loadtest: %w", err)
			}
		}
	default:
		dir, err := os.MkdirTemp("", "mixstudio-loadtest-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		db := filepath.Join(dir, "load.db")
		var srv interface{ Stop() error }
		switch {
		case *edges > 0:
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			c, err := loadtest.StartCluster(ctx, dir, exe, *edges, stderr)
			if err != nil {
				return fmt.Errorf("loadtest: %w", err)
			}
			for _, n := range c.Target.Nodes {
				fmt.Fprintf(stderr, "loadtest: node %s pid %d at %s\n", n.Name, n.PID, n.URL)
			}
			srv, t = c, c.Target
		case *server == "child":
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			s, err := loadtest.StartChild(ctx, db, exe, []string{"loadtest", "--serve", db}, stderr)
			if err != nil {
				return fmt.Errorf("loadtest: %w", err)
			}
			srv, t = s, s.Target
		case *server == "inprocess":
			s, err := loadtest.StartInProcess(ctx, db, nil)
			if err != nil {
				return fmt.Errorf("loadtest: %w", err)
			}
			srv, t = s, s.Target
		default:
			return fmt.Errorf("loadtest: --server %q: want child or inprocess", *server)
		}
		defer srv.Stop()
	}

	var o loadtest.Options
	o.Log = stderr
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		o.CPUProfile = f
	}
	if *heapProfile != "" {
		f, err := os.Create(*heapProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		o.HeapProfile = f
	}
	res, err := loadtest.Run(ctx, t, cfg, o)
	fmt.Fprintln(stdout, res.Line())
	if res.FirstError != "" {
		fmt.Fprintln(stderr, "loadtest: first error:", res.FirstError)
	}
	if err != nil {
		return fmt.Errorf("loadtest: %w", err)
	}
	return nil
}

// serveForLoadtest is the child side of `loadtest --server child`: the
// same wiring as `mixstudio mediator` on dbPath at 127.0.0.1:0, plus the
// load test's debug endpoints (memory, profiles) on another loopback
// port. It stops when ctx ends or its stdin closes (the parent is gone).
func serveForLoadtest(ctx context.Context, dbPath string, stdout, stderr io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	dln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen: %w", err)
	}
	debug := &http.Server{Handler: loadtest.DebugHandler(), ReadHeaderTimeout: 10 * time.Second}
	go debug.Serve(dln)
	defer debug.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		cancel()
	}()
	fmt.Fprintln(stdout, loadtest.ReadyLine("http://"+ln.Addr().String(), "http://"+dln.Addr().String()))
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// Zero inputRate and socketsPerAddress: no per-viewer rate, no cap per
	// address (every participant comes from loopback and presses faster
	// than people; the tool measures load, not the limits).
	return serve(ctx, ln, serveOptions{db: dbPath, mediatorOnly: true}, logger)
}
