package loadtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a server process a load test started. It dies with this
// process (Pdeathsig) and when its stdin closes (if it watches stdin).
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.Closer
	exited chan struct{}
	err    error // cmd.Wait's, once exited is closed
	once   sync.Once
	stopE  error
}

// startChild runs exe with args and waits (up to 30 s, or until ctx
// ends) until ready recognises a line it printed: on stdout, or on stderr
// when fromStderr. ready returns what the caller wants from that line.
// Every stderr line is copied to logTo, prefixed with name when set.
func startChild(ctx context.Context, name, exe string, args []string, logTo io.Writer, fromStderr bool, ready func(line string) (string, bool)) (*child, string, error) {
	if logTo == nil {
		logTo = io.Discard
	}
	cmd := exec.Command(exe, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start %s: %w", exe, err)
	}
	c := &child{name: name, cmd: cmd, stdin: stdin, exited: make(chan struct{})}
	found := make(chan string, 1)
	prefix := ""
	if name != "" {
		prefix = "[" + name + "] "
	}
	var logMu sync.Mutex
	scan := func(r io.Reader, watch, copyLog bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if copyLog {
				logMu.Lock()
				fmt.Fprintln(logTo, prefix+line)
				logMu.Unlock()
			}
			if watch {
				if v, ok := ready(line); ok {
					select {
					case found <- v:
					default:
					}
				}
			}
		}
		io.Copy(io.Discard, r)
	}
	var pipes sync.WaitGroup
	pipes.Go(func() { scan(stdout, !fromStderr, false) })
	pipes.Go(func() { scan(stderr, fromStderr, true) })
	go func() {
		pipes.Wait() // Wait closes the pipes: read them to the end first
		c.err = cmd.Wait()
		close(c.exited)
	}()
	select {
	case v := <-found:
		return c, v, nil
	case <-c.exited:
		return nil, "", fmt.Errorf("%s exited before serving: %v", c.label(), c.err)
	case <-time.After(30 * time.Second):
		c.stop()
		return nil, "", fmt.Errorf("%s did not start in 30 s", c.label())
	case <-ctx.Done():
		c.stop()
		return nil, "", ctx.Err()
	}
}

func (c *child) label() string {
	if c.name != "" {
		return c.name
	}
	return "server"
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop ends the child: SIGTERM (a server shuts down cleanly on it), then
// SIGKILL after 15 s. Being killed by the signal sent is a clean stop.
// It may be called more than once.
func (c *child) stop() error {
	c.once.Do(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		c.stdin.Close()
		select {
		case <-c.exited:
			var ee *exec.ExitError
			if errors.As(c.err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
				return
			}
			c.stopE = c.err
		case <-time.After(15 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
			c.stopE = fmt.Errorf("%s did not stop in 15 s; killed", c.label())
		}
	})
	return c.stopE
}

// readyPrefixed recognises "PREFIX rest" and returns rest.
func readyPrefixed(prefix string) func(string) (string, bool) {
	return func(line string) (string, bool) {
		return strings.CutPrefix(line, prefix)
	}
}
