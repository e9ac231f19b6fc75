# syntax=docker/dockerfile:1
# pss-bot: a static binary on distroless, running as a non-root numeric user.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so that source edits reuse the module layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: the SQLite driver (modernc.org/sqlite) is pure Go, so the
# binary is static and runs without libc.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/pss-bot ./cmd/pss-bot
# The data directory of the SQLite queue, owned by the runtime user (the
# final image has no shell to create it).
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/pss-bot /usr/local/bin/pss-bot
COPY --from=build --chown=65532:65532 /out/data /var/lib/pss-bot
# 65532 is distroless' "nonroot"; numeric so that runAsNonRoot can verify it.
USER 65532:65532
# The SQLite queue of a single instance lives here (mount a volume); replicas
# use PostgreSQL (--database-url) instead.
WORKDIR /var/lib/pss-bot
ENV PSS_BOT_SQLITE_PATH=/var/lib/pss-bot/pss-bot.db
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/pss-bot"]
CMD ["serve"]
