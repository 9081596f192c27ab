# syntax=docker/dockerfile:1
# Multi-stage build: a static stagebot binary on a small base, run as a non-root user with
# its state in a volume. BuildKit (the syntax line above) keeps Go's module and build caches
# between builds, so a change to the code downloads no module again.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# .dockerignore keeps .git out of the context, so pass the revision here; left empty,
# `stagebot version` says "unknown".
ARG VERSION=dev
ARG COMMIT=
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/stagebot ./cmd/stagebot

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/stagebot --create-home stagebot
COPY --from=build /out/stagebot /usr/local/bin/stagebot
USER stagebot
WORKDIR /var/lib/stagebot
VOLUME ["/var/lib/stagebot"]
# http.listen must be 0.0.0.0:8080 in the container's config for this port to answer
# (127.0.0.1 answers only inside the container).
EXPOSE 8080
# SIGTERM lets the job under way finish for up to shutdown_grace (30 s by default): stop the
# container with a longer timeout than that (docker run --stop-timeout 45, docker stop -t 45,
# compose's stop_grace_period: 45s), or Docker kills the bot mid-job after 10 s.
STOPSIGNAL SIGTERM
# The image has no curl: the binary asks its own /readyz (http.listen from the same config;
# without http.listen the check fails with status 2). The timeout is above the check's own
# 10 s bound; the start period covers connecting to the chat networks.
HEALTHCHECK --interval=30s --timeout=15s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/stagebot", "healthcheck", "--config", "/etc/stagebot/stagebot.yaml"]
ENTRYPOINT ["/usr/local/bin/stagebot"]
CMD ["run", "--config", "/etc/stagebot/stagebot.yaml"]
