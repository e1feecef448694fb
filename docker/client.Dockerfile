# A lottery agency, from a static binary built on the host (`make images`):
# no base image to pull. Build context: the repository root.
FROM scratch
COPY bin/client /client
COPY docker/client.yaml /config/client.yaml
ENV CLI_DATA_PATH=/data/agency.csv
# An agency that is done within a second or two would exit before a
# `docker compose logs -f` started right after `up -d` is watching, and
# compose reports only the exits it sees happen (the course's tests wait for
# them). A signal still stops it at once.
ENV CLI_MIN_UPTIME=3s
USER 65534:65534
ENTRYPOINT ["/client"]
CMD ["-config", "/config/client.yaml"]
