# A mock echo server for the course's echo tests (ej3), whose own mock image
# cannot be pulled here: a plain TCP echo on :12345, or with the command
# `-unhealthy` one that answers "error reading data: " + what it read.
# From a static binary built on the host (`make echomock-image`): no base
# image to pull. Build context: the repository root.
FROM scratch
COPY bin/echomock /echomock
USER 65534:65534
EXPOSE 12345
ENTRYPOINT ["/echomock"]
