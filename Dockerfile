# Multi-stage build: a static stagebot binary on a small base, run as a non-root user with
# its state in a volume.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .dockerignore keeps .git out of the context, so pass the revision here; left empty,
# `stagebot version` says "unknown".
ARG VERSION=dev
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath \
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
ENTRYPOINT ["/usr/local/bin/stagebot"]
CMD ["run", "--config", "/etc/stagebot/stagebot.yaml"]
