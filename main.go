// Command mixstudio is the studio, the Interactive 2 mediator and the play
// pages in one binary. This file holds flags and subcommands only; the parts
// are built and wired in app.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its one-line summary and what it runs.
type command struct {
	name    string
	usage   string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve [--addr 127.0.0.1:8080] [--db mixstudio.db] [--public-url URL] [--trusted-proxy CIDR,...] [--input-rate N] [--sockets-per-address N] [--nats URL | --nats-listen ADDR] [--node-id ID] [--lease-ttl 3s]", "run the studio, the embedded mediator and the play pages (the default)", runServe},
		{"mediator", "mediator [--addr] [--db] [--public-url URL] [--trusted-proxy] [--input-rate] [--sockets-per-address] [--nats URL | --nats-listen ADDR] [--node-id ID] [--lease-ttl 3s] [--edge-only]", "run the mediator alone, for a public host", runMediator},
		{"import", "import FILE.json [--db]", "create a project from an exported layout; prints the new version ID", runImport},
		{"export", "export VERSION_ID [--db] [-o FILE]", "write a version's layout JSON", runExport},
		{"bundle", "bundle upload VERSION_ID DIR_OR_ZIP [--db] | bundle remove VERSION_ID [--db]", "attach a custom-control bundle (a built CDK project) to a draft version, or remove it", runBundle},
		{"token", "token [--db] [--user NAME]", "print a new OAuth access token (interactive:robot:self)", runToken},
		{"client", "client add NAME [--db] [--secret]", "register an OAuth client for the shortcode flow; prints its client_id", runClient},
		{"overlay", "overlay [--db] [--user NAME] [--rotate] [--url BASE]", "print the channel's overlay URL (with its key) for an OBS browser source", runOverlay},
		{"sparks", "sparks USER [--db] [--add N]", "print a viewer's sparks balance; --add credits N", runSparks},
		{"sharecode", "sharecode VERSION_ID [--db] [--rotate|--revoke]", "print (creating if needed), rotate or revoke a version's share code", runSharecode},
		{"loadtest", "loadtest [--mode input|fanout|idle] [--n N] [--rate R] [--duration D] [--url URL --token T --version V | --edges N]", "drive a mediator (or a cluster: --edges) over loopback with one game client and N participants; prints one line of figures", runLoadtest},
		{"help", "help [COMMAND]", "show this list, or one command's usage", nil},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mixstudio:", err)
		os.Exit(1)
	}
}

// run dispatches to a subcommand; with no arguments it serves.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runServe(ctx, nil, stdout, stderr)
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		return printHelp(stdout, args[1:])
	}
	if name != "" && name[0] == '-' { // flags only: `mixstudio --addr :9000` serves
		return runServe(ctx, args, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	printHelp(stderr, nil)
	return fmt.Errorf("unknown command %q", name)
}

func printHelp(w io.Writer, args []string) error {
	if len(args) > 0 {
		for _, c := range commands() {
			if c.name == args[0] {
				fmt.Fprintf(w, "usage: mixstudio %s\n\n%s\n", c.usage, c.summary)
				return nil
			}
		}
		return fmt.Errorf("unknown command %q", args[0])
	}
	fmt.Fprintln(w, "mixstudio: design, run and play Interactive 2 (MixPlay) controls.")
	fmt.Fprintln(w, "\nusage: mixstudio [command] [flags]   (no command: serve)")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n`mixstudio COMMAND --help` shows a command's flags.")
	return nil
}

// newFlags makes a FlagSet that prints the command's usage line on --help.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		for _, c := range commands() {
			if c.name == name {
				fmt.Fprintf(stderr, "usage: mixstudio %s\n\n%s\n\nflags:\n", c.usage, c.summary)
			}
		}
		fs.PrintDefaults()
	}
	return fs
}

// parseInterspersed parses flags that may come before or after positional
// arguments (`import FILE --db x` and `import --db x FILE` both work).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

func notYet(name string) error {
	return fmt.Errorf("%s is not yet available in this build", name)
}
