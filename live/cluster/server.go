package cluster

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a NATS server (JetStream on) run inside this process: for
// tests, and behind --nats-listen to try a cluster on one machine. A
// deployment runs its own nats-server instead.
type Server struct {
	s       *server.Server
	tempDir string // removed at Shutdown when RunServer made it
}

// MaxPayload is the largest message the embedded server takes (NATS's
// default is 1 MiB; a frame of a big scene can pass that). A NATS server
// run for a cluster wants the same: max_payload: 8MB.
const MaxPayload = 8 << 20

// RunServer starts a NATS server listening on listen ("127.0.0.1:0"
// picks a free port) with JetStream storing in storeDir ("" makes a
// temporary directory that Shutdown removes).
func RunServer(listen, storeDir string) (*Server, error) {
	host, portText, err := net.SplitHostPort(listen)
	if err != nil {
		return nil, fmt.Errorf("cluster: nats listen address %q: %w", listen, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("cluster: nats listen port %q: %w", portText, err)
	}
	if port == 0 {
		port = server.RANDOM_PORT // nats-server reads 0 as its default 4222
	}
	srv := &Server{}
	if storeDir == "" {
		if srv.tempDir, err = os.MkdirTemp("", "mixstudio-nats-"); err != nil {
			return nil, fmt.Errorf("cluster: nats store: %w", err)
		}
		storeDir = srv.tempDir
	}
	s, err := server.NewServer(&server.Options{
		ServerName: "mixstudio",
		Host:       host,
		Port:       port,
		JetStream:  true,
		MaxPayload: MaxPayload,
		StoreDir:   storeDir,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		srv.removeTemp()
		return nil, fmt.Errorf("cluster: nats server: %w", err)
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		srv.removeTemp()
		return nil, fmt.Errorf("cluster: nats server on %s did not start", listen)
	}
	srv.s = s
	return srv, nil
}

// URL is the nats:// URL clients connect to.
func (s *Server) URL() string { return s.s.ClientURL() }

// Messages returns the server's message counters: messages it received
// from clients and messages it delivered to them (the load test divides
// them by updates to report bus messages per update).
func (s *Server) Messages() (in, out uint64) {
	v, err := s.s.Varz(nil)
	if err != nil {
		return 0, 0
	}
	return uint64(v.InMsgs), uint64(v.OutMsgs)
}

// Shutdown stops the server and waits until it has.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
	s.removeTemp()
}

func (s *Server) removeTemp() {
	if s.tempDir != "" {
		os.RemoveAll(s.tempDir)
	}
}
