# fsscim container image: a static binary on a distroless base, running as a non-root user.
#
#   docker build -t fsscim:1.0.0 --build-arg VERSION=1.0.0 .
#   docker run -p 8080:8080 -p 127.0.0.1:9090:9090 -e FSSCIM_TOKEN_KEYS=... \
#     -v "$PWD/tenants:/etc/fsscim/tenants:ro" -v fsscim-data:/var/lib/fsscim fsscim:1.0.0
#
# CI builds the binary with the same command as the build stage and starts it with the layout below
# (cmd/fsscim/image_test.go): keep the two in step.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# No dependency needs cgo: the binary is fully static and runs on a base without a C library.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/fsscim ./cmd/fsscim
# The volumes' mount points, owned by the runtime user so that a fresh named volume is writable.
RUN mkdir -p /out/etc/fsscim/tenants /out/var/lib/fsscim

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/fsscim /usr/local/bin/fsscim
COPY --from=build /out/etc/fsscim /etc/fsscim
COPY --from=build --chown=65532:65532 /out/var/lib/fsscim /var/lib/fsscim

# Tenant files (read-only: a ConfigMap or a host folder) and the embedded store (read-write). The
# admin listener (metrics, readiness) listens on every address of the container so that probes and
# Prometheus reach it; publish it only to the host or the cluster, never to the internet.
ENV FSSCIM_TENANTS=/etc/fsscim/tenants \
    FSSCIM_DATA_DIR=/var/lib/fsscim \
    FSSCIM_LISTEN=:8080 \
    FSSCIM_ADMIN_LISTEN=:9090 \
    FSSCIM_LOG_FORMAT=json
VOLUME ["/etc/fsscim/tenants", "/var/lib/fsscim"]

# distroless "nonroot": uid and gid 65532.
USER 65532:65532
# 8080: SCIM at /scim/v2 and a liveness /healthz. 9090: the admin listener, /healthz (liveness),
# /readyz (readiness) and /metrics, without a token.
EXPOSE 8080 9090
# The image has no shell or curl: the binary probes the admin listener's /readyz, found from
# FSSCIM_ADMIN_LISTEN, in TLS when FSSCIM_TLS_CERT is set.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/fsscim", "health"]

ENTRYPOINT ["/usr/local/bin/fsscim", "serve"]
# Plain HTTP behind a TLS-terminating ingress. To terminate TLS in fsscim instead, mount the
# certificate and set FSSCIM_TLS_CERT=/etc/fsscim/tls/tls.crt and FSSCIM_TLS_KEY=/etc/fsscim/tls/tls.key
# (variables, not arguments, so that the HEALTHCHECK speaks TLS too); --insecure-http then has no effect.
CMD ["--insecure-http"]
