package main

import (
	"net"
	"net/http"
	"sync"
)

// unusedConns tracks the HTTP connections on which no request has begun
// (http.StateNew), so that shutdown can close them at once: browsers open
// such spare connections ahead of need, and http.Server.Shutdown waits 5 s
// before counting one as idle. From closeUnused on, new ones are closed as
// they come.
type unusedConns struct {
	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
}

// track is the server's ConnState hook.
func (u *unusedConns) track(c net.Conn, st http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conns == nil {
		u.conns = map[net.Conn]struct{}{}
	}
	switch {
	case st == http.StateNew && u.closing:
		c.Close()
	case st == http.StateNew:
		u.conns[c] = struct{}{}
	default:
		delete(u.conns, c)
	}
}

// closeUnused closes every connection that has not begun a request.
func (u *unusedConns) closeUnused() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closing = true
	for c := range u.conns {
		c.Close()
		delete(u.conns, c)
	}
}
