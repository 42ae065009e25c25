#!/usr/bin/env bash
# Builds the real Dockerfile with podman and runs the image against the
# local Postgres and Redis (issue 23). Run as root: make container.
#
# No registry is reachable here, so the two base images the Dockerfile names
# are made locally under exactly those names (the only substitution):
#   - the builder, `lukemathwalker/cargo-chef:<chef>-rust-<rust>-bookworm`: a
#     `debootstrap --variant=minbase bookworm` root with build-essential and
#     pkg-config, this machine's Rust toolchain copied in (none can be
#     downloaded), and cargo-chef built from crates.io at the pinned version;
#   - the runtime, `gcr.io/distroless/cc-debian12:nonroot`: only the files of
#     the packages distroless cc carries (glibc, libgcc, libgomp, libstdc++,
#     libssl, CA certificates, tzdata, netbase), /etc/passwd with `nonroot`
#     (65532), no shell and no package manager. A stand-in, not a
#     replacement: docs/operations.md lists how it differs.
# Both are cached in $cache (they depend only on the Debian release and the
# pinned versions) and rebuilt when missing.
#
# Then, against the image: `taskflow migrate` as a one-off container;
# `taskflow serve` read-only, all capabilities dropped, non-root; readiness,
# `taskflow smoke` from the image, the HEALTHCHECK, the embedded web app and
# /docs assets, the image's user, its size, a second container on another
# port answering the same data, and `podman stop` (SIGTERM) draining to exit
# 0 within the grace period. Figures go to target/container/report.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eval "$(scripts/dev-env.sh)"
out=$root/target/container
mkdir -p "$out"
cache=${TASKFLOW_CONTAINER_CACHE:-/var/cache/taskflow-container}
mkdir -p "$cache"
log() { echo "[container] $*" >&2; }
fail() { echo "[container] FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (rootful podman; see docs/operations.md)"
missing=()
for tool in podman buildah debootstrap runc; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (Debian)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman buildah debootstrap runc >&2
fi
# This machine has no systemd or journald for podman to talk to.
podman=(podman --cgroup-manager=cgroupfs --events-backend=file --runtime=runc)

# The names and versions the Dockerfile pins.
rust_version=$(sed -n 's/^ARG RUST_VERSION=//p' Dockerfile)
chef_image=$(sed -n 's/^FROM \(lukemathwalker\/cargo-chef:[^ ]*\) AS chef$/\1/p' Dockerfile)
chef_image=${chef_image//\$\{RUST_VERSION\}/$rust_version}
chef_version=$(echo "$chef_image" | sed -n 's/.*cargo-chef:\([0-9.]*\)-rust.*/\1/p')
runtime_image=$(sed -n 's/^FROM \(gcr.io\/distroless\/[^ ]*\)$/\1/p' Dockerfile)
[ -n "$rust_version" ] && [ -n "$chef_version" ] && [ -n "$runtime_image" ] || fail "could not read the base images from the Dockerfile"
toolchain=$(rustup toolchain list | awk -v v="$rust_version" 'index($1, v) == 1 {print $1; exit}')
[ -n "$toolchain" ] || fail "the Dockerfile pins Rust $rust_version; this machine has no such toolchain (rustup toolchain list)"
toolchain_dir=$(rustup run "$toolchain" rustc --print sysroot)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# A minbase bookworm root, made once and reused by both stand-ins.
minbase() {
  local dir=$cache/minbase-bookworm
  if [ ! -f "$dir/.done" ]; then
    log "debootstrap --variant=minbase bookworm (once; cached in $cache)"
    rm -rf "$dir"
    debootstrap --variant=minbase bookworm "$dir" "$mirror" > "$out/debootstrap.log" 2>&1 || {
      tail -20 "$out/debootstrap.log"; fail "debootstrap"; }
    touch "$dir/.done"
  fi
  echo "$dir"
}

# Runs a command in a root (for apt and dpkg inside it).
in_root() {
  local dir=$1
  shift
  mount --bind /proc "$dir/proc" 2>/dev/null || true
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  local rc=0
  chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@" || rc=$?
  umount "$dir/proc" 2>/dev/null || true
  return $rc
}

# A scratch copy of the minbase root to build one stand-in in.
fresh_root() {
  local base work=$cache/$1
  base=$(minbase)
  rm -rf "$work" && cp -a "$base" "$work"
  echo "$work"
}

have_image() { "${podman[@]}" image exists "$1"; }

make_runtime() {
  local tarball=$cache/runtime-cc-debian12.tar
  if [ ! -f "$tarball" ]; then
    log "runtime stand-in for $runtime_image"
    local work
    work=$(fresh_root runtime-work)
    local packages=(libc6 libgcc-s1 libgomp1 libstdc++6 libssl3 ca-certificates tzdata netbase)
    in_root "$work" apt-get install -y -qq --no-install-recommends "${packages[@]}" > "$out/runtime-apt.log" 2>&1 || {
      tail -20 "$out/runtime-apt.log"; fail "apt in the runtime root"; }
    local rootfs=$cache/runtime-rootfs
    rm -rf "$rootfs" && mkdir -p "$rootfs/usr/lib" "$rootfs/usr/lib64" "$rootfs/usr/bin" "$rootfs/usr/sbin"
    # usrmerge first: /lib, /lib64, /bin and /sbin are links into /usr in
    # bookworm, and the packages' file lists still name the old paths.
    for link in lib lib64 bin sbin; do [ -L "$work/$link" ] && cp -a "$work/$link" "$rootfs/$link"; done
    # Only the packages' own files (and the CA bundle their scripts made).
    for pkg in "${packages[@]}"; do
      in_root "$work" dpkg -L "$pkg" | while read -r f; do
        [ -e "$work$f" ] || [ -L "$work$f" ] || continue
        [ -L "$rootfs$f" ] && continue # one of the usrmerge links
        [ -d "$work$f" ] && [ ! -L "$work$f" ] && { mkdir -p "$rootfs$f"; continue; }
        mkdir -p "$rootfs$(dirname "$f")" && cp -a "$work$f" "$rootfs$f"
      done
    done
    cp -a "$work/etc/ssl/certs/." "$rootfs/etc/ssl/certs/"
    mkdir -p "$rootfs/etc" "$rootfs/tmp" "$rootfs/home/nonroot"
    chmod 1777 "$rootfs/tmp"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$rootfs/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n' > "$rootfs/etc/group"
    chown 65532:65532 "$rootfs/home/nonroot"
    cp "$work/etc/os-release" "$rootfs/etc/os-release" 2>/dev/null || cp "$work/usr/lib/os-release" "$rootfs/etc/os-release"
    tar -C "$rootfs" -cf "$tarball" .
    rm -rf "$work" "$rootfs"
  fi
  have_image "$runtime_image" || "${podman[@]}" import --change 'USER 65532:65532' --change 'WORKDIR /home/nonroot' \
    "$tarball" "$runtime_image" > /dev/null
}

make_builder() {
  local tarball=$cache/builder-rust-$rust_version-chef-$chef_version.tar
  if [ ! -f "$tarball" ]; then
    log "builder stand-in for $chef_image (Rust $toolchain from this machine, cargo-chef $chef_version from crates.io)"
    local work
    work=$(fresh_root builder-work)
    in_root "$work" apt-get install -y -qq --no-install-recommends build-essential pkg-config ca-certificates \
      > "$out/builder-apt.log" 2>&1 || { tail -20 "$out/builder-apt.log"; fail "apt in the builder root"; }
    # The toolchain without its documentation, where the official image has it.
    mkdir -p "$work/usr/local/rustup/toolchains/$toolchain" "$work/usr/local/cargo/bin"
    tar -C "$toolchain_dir" --exclude=./share/doc -cf - . | tar -C "$work/usr/local/rustup/toolchains/$toolchain" -xf -
    for tool in cargo rustc rustdoc; do
      ln -sf "/usr/local/rustup/toolchains/$toolchain/bin/$tool" "$work/usr/local/cargo/bin/$tool"
    done
    # cargo-chef at the pinned version, built here with the same toolchain
    # (this machine is bookworm too, so the binary runs in the root).
    local chef_root=$cache/cargo-chef-$chef_version
    if [ ! -x "$chef_root/bin/cargo-chef" ]; then
      log "cargo install cargo-chef $chef_version"
      cargo "+$toolchain" install --locked --quiet cargo-chef --version "$chef_version" --root "$chef_root"
    fi
    cp "$chef_root/bin/cargo-chef" "$work/usr/local/cargo/bin/cargo-chef"
    # This machine reaches crates.io through a TLS-inspecting proxy whose CA
    # only the host's bundle trusts; the real builder image needs no such
    # thing (docs/operations.md lists it among the stand-in's differences).
    cp /etc/ssl/certs/ca-certificates.crt "$work/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$work/var/cache/apt/archives/"*.deb "$work/var/lib/apt/lists/"*
    tar -C "$work" -cf "$tarball" .
    rm -rf "$work"
  fi
  have_image "$chef_image" || "${podman[@]}" import \
    --change 'ENV RUSTUP_HOME=/usr/local/rustup' --change 'ENV CARGO_HOME=/usr/local/cargo' \
    --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tarball" "$chef_image" > /dev/null
}

started=$(date +%s)
make_runtime
make_builder
bases_s=$(( $(date +%s) - started ))
log "bases ready in ${bases_s} s: $chef_image, $runtime_image"

image=localhost/taskflow:check
sha=$(git rev-parse HEAD)
log "podman build --pull=never (the unmodified Dockerfile)"
build_started=$(date +%s)
# Host networking: cargo fetches crates from crates.io during the build.
# Docker format, as `docker build` makes: OCI images drop HEALTHCHECK.
"${podman[@]}" build --pull=never --format docker --network=host --build-arg "GIT_SHA=$sha" -t "$image" -f Dockerfile . \
  > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; fail "podman build"; }
build_s=$(( $(date +%s) - build_started ))
size=$("${podman[@]}" image inspect --format '{{.Size}}' "$image")
user=$("${podman[@]}" image inspect --format '{{.Config.User}}' "$image")
log "built in ${build_s} s; $(( size / 1024 / 1024 )) MiB; user $user"
[ "$user" = "65532:65532" ] || fail "the image runs as '$user', not 65532:65532"

# A fresh database for the containers, migrated by a one-off container.
admin_url=${TASKFLOW_ADMIN_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
db=taskflow_container_$$
names=()
cleanup() {
  for n in "${names[@]}"; do "${podman[@]}" rm -f "$n" > /dev/null 2>&1 || true; done
  psql -X -q "$admin_url" -c "drop database if exists \"$db\" with (force)" > /dev/null 2>&1 || true
}
trap cleanup EXIT
psql -X -q -v ON_ERROR_STOP=1 "$admin_url" -c "create database \"$db\" owner taskflow_owner"
# Production settings, as the image defaults to, with secrets made for this
# run. The local Postgres speaks no TLS, so require_ssl is the one production
# setting turned off here.
mfa_key=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')
env_args=(
  -e TASKFLOW_DATABASE__HOST=127.0.0.1 -e "TASKFLOW_DATABASE__NAME=$db" -e TASKFLOW_DATABASE__REQUIRE_SSL=false
  -e TASKFLOW_MFA__ACTIVE_KEY_ID=container -e "TASKFLOW_MFA__KEYS__CONTAINER=$mfa_key"
  -e "TASKFLOW_DATABASE__APP_PASSWORD=$TASKFLOW_DATABASE__APP_PASSWORD"
  -e "TASKFLOW_DATABASE__OWNER_PASSWORD=$TASKFLOW_DATABASE__OWNER_PASSWORD"
  -e "TASKFLOW_AUTH__JWT_SECRET=$TASKFLOW_AUTH__JWT_SECRET"
  -e "TASKFLOW_REDIS__URL=${TASKFLOW_REDIS__URL:-redis://127.0.0.1:6379}"
  -e "TASKFLOW_REDIS__KEY_PREFIX=taskflow-container-$$:"
  -e TASKFLOW_APPLICATION__HOST=127.0.0.1 -e TASKFLOW_APPLICATION__PUBLIC_URL=https://taskflow.example.com
)
# Limits within this machine's hard ones: podman's defaults are above them
# (runc: "error setting rlimits ... operation not permitted").
limits=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
hardening=(--read-only --cap-drop=ALL --security-opt=no-new-privileges --network=host "${limits[@]}")
log "taskflow migrate (one-off container)"
"${podman[@]}" run --rm "${hardening[@]}" "${env_args[@]}" "$image" migrate > "$out/migrate.log" 2>&1 || {
  cat "$out/migrate.log"; fail "migrate"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
serve() {
  local name=$1 port=$2 metrics=$3
  names+=("$name")
  "${podman[@]}" run -d --name "$name" "${hardening[@]}" "${env_args[@]}" -e "TASKFLOW_APPLICATION__PORT=$port" \
    -e "TASKFLOW_APPLICATION__METRICS_PORT=$metrics" --stop-timeout 30 "$image" > /dev/null
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/health/ready" > /dev/null 2>&1 && return 0
    sleep 0.2
  done
  "${podman[@]}" logs "$name" | tail -20
  fail "$name did not become ready on port $port"
}
port_a=$(free_port)
port_b=$(free_port)
metrics_a=$(free_port)
metrics_b=$(free_port)
serve taskflow-a "$port_a" "$metrics_a"
serve taskflow-b "$port_b" "$metrics_b"
base_a=http://127.0.0.1:$port_a
base_b=http://127.0.0.1:$port_b
log "serving on $port_a and $port_b (read-only root, no capabilities, uid 65532)"
[ "$("${podman[@]}" inspect --format '{{.HostConfig.ReadonlyRootfs}}' taskflow-a)" = true ] || fail "root is writable"
caps=$("${podman[@]}" inspect --format '{{.EffectiveCaps}}' taskflow-a)
[ "$caps" = "[]" ] || fail "capabilities left: $caps"
uid=$("${podman[@]}" top taskflow-a huser user | awk 'NR==2 {print $2}')
[ "$uid" = 65532 ] || [ "$uid" = nonroot ] || fail "the server runs as '$uid'"

"${podman[@]}" run --rm "${hardening[@]}" "$image" smoke --base-url "$base_a" \
  --metrics-url "http://127.0.0.1:$metrics_a/metrics" > "$out/smoke.log" 2>&1 || {
  cat "$out/smoke.log"; fail "taskflow smoke"; }
log "$(tail -1 "$out/smoke.log")"
"${podman[@]}" healthcheck run taskflow-a > /dev/null || fail "HEALTHCHECK reports unhealthy"
log "HEALTHCHECK: healthy"

# The web app and the API docs are compiled into the binary: the image holds
# no asset files, and both are served.
page=$(curl -fsS "$base_a/")
asset=$(echo "$page" | grep -o '/assets/[^"]*\.js' | head -1)
[ -n "$asset" ] || fail "the web app page names no script"
curl -fsS "$base_a$asset" | grep -q "import" || fail "$asset is not the web app's module"
curl -fsS "$base_a/docs" | grep -q "swagger-ui" || fail "/docs"
curl -fsS -o /dev/null "$base_a/docs/swagger-ui-bundle.js" || fail "/docs assets"
# ... and the image's filesystem holds no copy of them: they come from the binary.
files=$("${podman[@]}" export taskflow-b | tar -t)
if echo "$files" | grep -E '(^|/)(app\.js|swagger-ui-bundle\.js|index\.html)$'; then
  fail "the image holds asset files; they should be compiled into the binary"
fi
log "web app ($asset) and /docs assets served, from the binary: the image's $(echo "$files" | wc -l) files hold none"

# Two containers of one image answer the same data.
email="container-$$@example.com"
password="container-password-$$"
curl -fsS -H 'content-type: application/json' -d "{\"email\":\"$email\",\"password\":\"$password\",\"display_name\":\"Container\"}" \
  "$base_a/api/v1/auth/register" > /dev/null
token=$(curl -fsS -H 'content-type: application/json' -d "{\"email\":\"$email\",\"password\":\"$password\"}" \
  "$base_b/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
task=$(curl -fsS -H "authorization: Bearer $token" -H 'content-type: application/json' -d '{"title":"Seen by both"}' \
  "$base_a/api/v1/tasks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["task_id"])')
curl -fsS -H "authorization: Bearer $token" "$base_b/api/v1/tasks/$task" | grep -q '"Seen by both"' \
  || fail "the second container does not see the first one's task"
log "a task made through one container is read through the other"

# SIGTERM: the server drains (readiness fails first) and exits 0 in time.
grace=$("${podman[@]}" inspect --format '{{.Config.StopTimeout}}' taskflow-a)
stop_started=$(date +%s)
"${podman[@]}" stop -t "$grace" taskflow-a > /dev/null &
stopper=$!
# While it drains, readiness says 503 so a load balancer stops sending.
drained=false
for _ in $(seq 1 100); do
  status=$(curl -s -o /dev/null -w '%{http_code}' "$base_a/health/ready" || true)
  if [ "$status" = 503 ]; then drained=true; break; fi
  [ "$status" = 000 ] && break
  sleep 0.1
done
wait "$stopper"
stop_s=$(( $(date +%s) - stop_started ))
[ "$drained" = true ] || fail "readiness never answered 503 while the server drained"
code=$("${podman[@]}" inspect --format '{{.State.ExitCode}}' taskflow-a)
[ "$code" = 0 ] || { "${podman[@]}" logs taskflow-a | tail -20; fail "exit code $code after SIGTERM"; }
[ "$stop_s" -lt "$grace" ] || fail "stopping took ${stop_s} s, the grace period is ${grace} s"
log "podman stop: readiness 503 while draining, then exit 0 after ${stop_s} s (grace ${grace} s)"

cat > "$out/report.md" <<EOF
# Container check ($(date -u +%Y-%m-%dT%H:%MZ), $sha)

| | |
| --- | --- |
| bases (stand-ins, cached in $cache) | ${bases_s} s |
| podman build of the unmodified Dockerfile | ${build_s} s |
| image size | $(( size / 1024 / 1024 )) MiB ($size bytes) |
| image user | $user |
| stop (SIGTERM) to exit 0 | ${stop_s} s of ${grace} s |
EOF
log "passed; figures in $out/report.md"
