# syntax=docker/dockerfile:1
# TaskFlow API image: dependency-cached build, distroless non-root runtime.
#   docker build --build-arg GIT_SHA=$(git rev-parse HEAD) -t taskflow:$(git rev-parse --short HEAD) .

ARG RUST_VERSION=1.95
FROM lukemathwalker/cargo-chef:0.1.73-rust-${RUST_VERSION}-bookworm AS chef
WORKDIR /src

# Recipe: the dependency graph only, so source edits keep the dependency layer cached.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --release --locked --recipe-path recipe.json
COPY . .
ARG GIT_SHA=unknown
# Queries are checked against the committed .sqlx/ data: no database at build time.
ENV SQLX_OFFLINE=true \
    TASKFLOW_GIT_SHA=${GIT_SHA}
RUN cargo build --release --locked --bin taskflow \
 && install -D -m 0755 target/release/taskflow /out/taskflow

# Runtime: glibc + CA certificates, no shell, no package manager, uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
ARG VERSION=0.1.0
ARG GIT_SHA=unknown
LABEL org.opencontainers.image.title="taskflow" \
      org.opencontainers.image.description="Self-hostable task-management API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${GIT_SHA}" \
      org.opencontainers.image.licenses="AGPL-3.0-only"
WORKDIR /app
COPY --from=builder /out/taskflow /usr/local/bin/taskflow
COPY configuration/ /app/configuration/
ENV TASKFLOW_ENV=production \
    TASKFLOW_CONFIG_DIR=/app/configuration
USER 65532:65532
EXPOSE 3000
# The binary probes itself: the image has no shell or curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/taskflow", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/taskflow"]
CMD ["serve"]
