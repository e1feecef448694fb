# A lottery agency, from a static binary built on the host (`make images`):
# no base image to pull. Build context: the repository root.
FROM scratch
COPY bin/client /client
COPY docker/client.yaml /config/client.yaml
ENV CLI_DATA_PATH=/data/agency.csv
USER 65534:65534
ENTRYPOINT ["/client"]
CMD ["-config", "/config/client.yaml"]
