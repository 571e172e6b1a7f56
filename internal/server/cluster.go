package server

import (
	"errors"
	"time"

	"github.com/parley-im/parley/internal/cluster"
	"github.com/parley-im/parley/internal/store"
)

// joinCluster makes the hub one node of the cluster at cfg.NATS, when set:
// topics are then placed on nodes by leases in the shared store.
func (s *Server) joinCluster() error {
	if s.cfg.NATS == "" {
		return nil
	}
	leases, ok := s.store.(store.Leases)
	if !ok {
		return errors.New("nats needs a store the nodes share (PostgreSQL)")
	}
	node, err := cluster.Start(cluster.Config{NATS: s.cfg.NATS, Leases: leases, Hub: s.hub,
		Lease: time.Duration(s.cfg.ClusterLease), Log: s.log})
	if err != nil {
		return err
	}
	s.hub.SetPlacement(node)
	s.hub.SetRoster(node)
	s.node = node
	s.log.Info("joined the cluster", "node", node.ID(), "nats", s.cfg.NATS)
	return nil
}

// departCluster disconnects the sessions of other nodes attached here,
// before the hub stops.
func (s *Server) departCluster() {
	if s.node != nil {
		s.node.Leave()
	}
}

// leaveCluster gives this node's leases up after its actors stopped.
func (s *Server) leaveCluster() {
	if s.node == nil {
		return
	}
	if err := s.node.Close(); err != nil {
		s.log.Warn("leaving the cluster", "err", err)
	}
}
