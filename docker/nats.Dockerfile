# A NATS JetStream node of the three-node topology (make up NODES=3), from
# the static nats-server that `make build` builds on the host from the Go
# module proxy (go.mod's tool directive): no base image to pull. Build
# context: the repository root.
FROM scratch
COPY bin/nats-server /nats-server
COPY docker/nats.conf /config/nats.conf
# The node's store lives here (-sd /data: JetStream keeps it in
# /data/jetstream), in the container's own writable layer (no volume), as the
# single server's bets file does: it survives a restart or a stop and start
# of the container; a new container (compose down then up) starts empty.
COPY --chown=65534:65534 docker/rootfs/data/ /data/
USER 65534:65534
# Clients (the lottery servers) on 4222, the other nodes' routes on 6222.
EXPOSE 4222 6222
# nats-server stops cleanly on SIGTERM (exit 0) as PID 1.
ENTRYPOINT ["/nats-server"]
# Alone, one node without a cluster (--cluster= drops the file's): the
# compose file gives each node of the cluster its own command, with its name
# and its routes to the other two.
CMD ["-c", "/config/nats.conf", "-sd", "/data", "-n", "nats", "--cluster="]
