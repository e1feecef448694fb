package main

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"syscall"

	"github.com/tp0/loteria/actors"
	"github.com/tp0/loteria/domain"
)

// hinted is an error that stops the server from starting, with what the
// user can do about it. Hints have no colon, so that the course's parser,
// which splits a detail at its last colon, reads them whole.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// listenHint says what to do when the server cannot listen.
func listenHint(err error, cfg Config) string {
	port, ip := spec.KeyName("server.port"), spec.KeyName("server.ip")
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Sprintf("another process listens on port %d already; stop it, or set %s to a free port", cfg.Port, port)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Sprintf("%s is not an address of this machine; set it to one, or to 0.0.0.0 for all", ip)
	case errors.Is(err, syscall.EACCES):
		return fmt.Sprintf("port %d needs privileges; set %s to 1024 or more", cfg.Port, port)
	}
	return fmt.Sprintf("check %s and %s", ip, port)
}

// storeHint says what to do when the store refuses to open.
func storeHint(err error, cfg Config) string {
	if cfg.StoreBackend == "jetstream" {
		return jetstreamHint(err, cfg)
	}
	path, key := cfg.StorePath, spec.KeyName("store.path")
	files := actors.StoreFiles(path)
	fresh := fmt.Sprintf("start a fresh one with docker compose down then up (outside Docker, move %s and %s away)",
		strings.Join(files[:len(files)-1], ", "), files[len(files)-1])
	switch {
	case errors.Is(err, domain.ErrInUse):
		return fmt.Sprintf("another server runs on the store at %s; stop it, or set %s to another path", path, key)
	case errors.Is(err, domain.ErrOtherLottery):
		return fmt.Sprintf("the store at %s belongs to another lottery; to resume it start the server as it was (%s and %s), or %s",
			path, spec.KeyName("server.agencies"), spec.KeyName("lottery.date"), fresh)
	case errors.Is(err, domain.ErrCorrupt), errors.Is(err, domain.ErrBadRow):
		return fmt.Sprintf("the store at %s is damaged (the error names the line); %s", path, fresh)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("the directory of %s does not exist; create it, or set %s", path, key)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("the server's user cannot write %s; make it writable, or set %s", path, key)
	}
	return fmt.Sprintf("check %s, now %s", key, path)
}

// jetstreamHint is storeHint for the jetstream backend.
func jetstreamHint(err error, cfg Config) string {
	switch {
	case errors.Is(err, domain.ErrOtherLottery):
		return fmt.Sprintf("the NATS cluster holds another lottery, or one of other replicas; to resume it start the server as it was (%s, %s and %s), or start a fresh one with docker compose down -v then up",
			spec.KeyName("server.agencies"), spec.KeyName("lottery.date"), spec.KeyName("store.replicas"))
	case errors.Is(err, domain.ErrCorrupt):
		return "the lottery's stream holds what no server writes (the error says where); start a fresh one with docker compose down -v then up"
	}
	return fmt.Sprintf("check that NATS answers, with JetStream, at %s (%s): with %s=3 a quorum of two nodes must be up, and all three to create the stream",
		cfg.NatsURL, spec.KeyName("store.nats_url"), spec.KeyName("store.replicas"))
}
