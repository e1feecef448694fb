# The lottery server, from a static binary built on the host (`make images`):
# no base image to pull. Build context: the repository root.
FROM scratch
COPY bin/server /server
COPY docker/server.yaml /config/server.yaml
# The bets file lives here, in the container's own writable layer (no volume):
# it survives a restart or a stop and start of the container; a new container
# (compose down then up) is a fresh lottery. /data is writable by the user below.
COPY --chown=65534:65534 docker/rootfs/data/ /data/
ENV SERVER_STORE_PATH=/data/bets.csv
USER 65534:65534
EXPOSE 12345
# A ping over the protocol, by the binary itself.
HEALTHCHECK --interval=1s --timeout=3s --retries=30 \
  CMD ["/server", "ping", "-config", "/config/server.yaml"]
ENTRYPOINT ["/server"]
CMD ["-config", "/config/server.yaml"]
