#!/usr/bin/env bash
# Builds the Docker image and runs it, alone and as the compose stack, with podman and without any
# image registry: the base images are made here (debootstrap + this machine's Node 20) and passed to
# the Dockerfile as build arguments, and PostgreSQL is a local stand-in (scripts/docker-verify/).
# Needs root and: apt-get install -y podman buildah runc catatonit podman-compose debootstrap
# Takes several minutes (the image builds better-sqlite3 from source); not part of npm test.
#
#   scripts/docker-verify.sh            everything
#   SKIP_COMPOSE=1 scripts/docker-verify.sh
#   IDRIVE_VERIFY_DIR=/var/tmp/x        where base images' root file systems and state go
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

work=${IDRIVE_VERIFY_DIR:-/var/tmp/idrive-docker-verify}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
slim=localhost/idrive-base/node:20-bookworm-slim
full=localhost/idrive-base/node:20-bookworm
image=localhost/idrive:verify
pgimage=localhost/idrive-verify/postgres:15
name=idrive-verify
mkdir -p "$work"

step() { echo; echo "== $* =="; }
fail() { echo "FAILED: $*" >&2; exit 1; }
for tool in podman debootstrap curl; do
  command -v "$tool" >/dev/null || fail "$tool is missing (see the header of $0)"
done
[ "$(id -u)" = 0 ] || fail "run as root (debootstrap, chroot and rootful podman)"

# Where these scripts were first run, crun refused the hybrid cgroup v1/v2 layout and the process
# could not raise resource limits (no CAP_SYS_RESOURCE), so podman's defaults failed: runc, and
# limits within the current ones. A containers.conf of our own leaves the system's alone.
conf="$work/containers.conf"
{
  echo '[containers]'
  echo "default_ulimits = [\"nofile=$(ulimit -Hn):$(ulimit -Hn)\", \"nproc=4096:4096\"]"
  if command -v runc >/dev/null; then printf '[engine]\nruntime = "runc"\n'; fi
} >"$conf"
export CONTAINERS_CONF="$conf"

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

wait_healthy() { # url, what
  for _ in $(seq 1 90); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  return 1
}

make_base_images() {
  local rootfs="$work/rootfs" node npm
  node=$(readlink -f "$(command -v node)")
  npm=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  "$node" -e 'process.exit(process.versions.node.startsWith("20.") ? 0 : 1)' || fail "Node 20 is needed, not $("$node" -v)"
  step "base images: debootstrap bookworm with Node $("$node" -v)"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log"
  rm -f "$rootfs"/var/cache/apt/archives/*.deb
  # As Docker Hub's node images have it: node, npm and the headers under /usr/local.
  install -D "$node" "$rootfs/usr/local/bin/node"
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$rootfs/usr/local/include"
  cp -a "$npm" "$rootfs/usr/local/lib/node_modules/npm"
  cp -a "$(dirname "$(dirname "$node")")/include/node" "$rootfs/usr/local/include/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  # This machine's CA bundle (its egress may re-sign TLS); headers from /usr/local, since node-gyp
  # cannot download them here.
  install -D /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  local changes=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
    --change 'ENV npm_config_nodedir=/usr/local' --change 'CMD ["node"]')
  tar -C "$rootfs" -c . | podman import -q "${changes[@]}" - "$slim" >/dev/null
  # The build image adds the compilers node-gyp needs, as node:20-bookworm has them.
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ && apt-get clean && rm -rf /var/lib/apt/lists/*' \
    >"$work/build-tools.log" 2>&1
  : >"$rootfs/etc/resolv.conf"
  tar -C "$rootfs" -c . | podman import -q "${changes[@]}" - "$full" >/dev/null
  rm -rf "$rootfs"
}

if ! podman image exists "$slim" || ! podman image exists "$full"; then make_base_images; fi

step "podman build"
# --format docker keeps HEALTHCHECK (OCI images have no such field).
podman build --format docker --network=host --build-arg "BUILD_IMAGE=$full" --build-arg "BASE_IMAGE=$slim" \
  -t "$image" . >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; fail "podman build (log: $work/build.log)"; }
echo "built $image ($(podman image inspect "$image" --format '{{.Size}}' | awk '{printf "%d MB", $1/1e6}'))"

cleanup() {
  podman rm -f "$name" "$name-tty" >/dev/null 2>&1 || true
  podman volume rm -f "$name-data" >/dev/null 2>&1 || true
  if [ -f "$work/compose/compose.yaml" ]; then
    (cd "$work/compose" && podman-compose -p "$name" down -v >/dev/null 2>&1) || true
  fi
}
trap cleanup EXIT
cleanup

step "the image alone: SQLite, master key from a file"
secrets="$work/secrets"
mkdir -p "$secrets" && chmod 700 "$secrets"
node -e 'console.log(require("crypto").randomBytes(32).toString("hex"))' >"$secrets/master_key"
chmod 644 "$secrets/master_key"
port=$(free_port)
podman run -d --name "$name" -p "127.0.0.1:$port:8080" -v "$name-data:/data" \
  -v "$secrets/master_key:/run/secrets/master_key:ro" -e IDRIVE_MASTER_KEY_FILE=/run/secrets/master_key \
  "$image" >/dev/null
wait_healthy "http://127.0.0.1:$port/api/v1/health" || { podman logs "$name"; fail "no answer on /api/v1/health"; }
echo "GET /api/v1/health: $(curl -fsS "http://127.0.0.1:$port/api/v1/health")"
podman healthcheck run "$name" >/dev/null || fail "the image's HEALTHCHECK does not pass"
echo "HEALTHCHECK: passes"
[ "$(podman exec "$name" id -u)" = 10001 ] || fail "the server does not run as uid 10001"
echo "runs as: $(podman exec "$name" id)"
podman exec "$name" sh -c 'command -v ffmpeg ffprobe exiftool heif-convert' >/dev/null ||
  fail "a media tool is missing"
echo "tools: ffmpeg, ffprobe, exiftool, heif-convert present"
podman exec "$name" sh -c 'touch /app/x' 2>/dev/null && fail "the server can write its own code"
logs=$(podman logs "$name" 2>&1)
grep -q '"msg":"Created the admin account' <<<"$logs" || { echo "$logs"; fail "no admin record in the JSON log"; }
grep -q 'A new master key' <<<"$logs" && fail "the key file was ignored: a new master key was made"
podman exec "$name" test ! -e /data/master.key || fail "a master.key was written although a key file was given"
echo "log: JSON records (no terminal); the master key came from the file, none was made"
podman stop -t 20 "$name" >/dev/null
[ "$(podman inspect "$name" --format '{{.State.ExitCode}}')" = 0 ] || fail "SIGTERM did not stop it cleanly"
echo "podman stop: exit code 0"

step "the image with a terminal (docker run -t): lines for a person"
podman volume rm -f "$name-data" >/dev/null
podman run -d -t --name "$name-tty" -p "127.0.0.1:$port:8080" -v "$name-data:/data" "$image" >/dev/null
wait_healthy "http://127.0.0.1:$port/api/v1/health" || { podman logs "$name-tty"; fail "no answer with -t"; }
logs=$(podman logs "$name-tty" 2>&1 | sed 's/\x1b\[[0-9;]*m//g; s/\r$//')
podman rm -f "$name-tty" >/dev/null
grep -q '^{' <<<"$logs" && { echo "$logs"; fail "JSON lines on a terminal"; }
grep -Eq '^ {4}[A-Za-z0-9_-]{16}$' <<<"$logs" || { echo "$logs"; fail "the admin password is not on a line of its own"; }
grep -q 'BACK IT UP NOW' <<<"$logs" || fail "no master key warning"
echo "log: text lines, the admin password on a line of its own, the master key warning readable"

if [ -n "${SKIP_COMPOSE:-}" ]; then exit 0; fi
command -v podman-compose >/dev/null || fail "podman-compose is missing"

step "compose: the drive with PostgreSQL"
podman build --network=host --build-arg "BASE_IMAGE=$slim" -t "$pgimage" \
  -f scripts/docker-verify/postgres.Dockerfile scripts/docker-verify >"$work/postgres-build.log" 2>&1 ||
  fail "the PostgreSQL stand-in did not build (log: $work/postgres-build.log)"
# A copy of compose.yaml with secrets of its own, so that ./secrets of this checkout is never touched.
rm -rf "$work/compose" && mkdir -p "$work/compose/secrets" && chmod 700 "$work/compose/secrets"
cp "$repo/compose.yaml" "$work/compose/compose.yaml"
(
  cd "$work/compose"
  password=$(node -e 'console.log(require("crypto").randomBytes(16).toString("hex"))')
  printf '%s\n' "$password" >secrets/postgres_password
  printf 'postgres://idrive:%s@db:5432/idrive\n' "$password" >secrets/database_url
  cp "$secrets/master_key" secrets/master_key
  chmod 644 secrets/*
  port=$(free_port)
  export IDRIVE_IMAGE=$image IDRIVE_POSTGRES_IMAGE=$pgimage IDRIVE_PORT=$port
  podman-compose -p "$name" up -d >"$work/compose-up.log" 2>&1 || { cat "$work/compose-up.log"; fail "podman-compose up"; }
  wait_healthy "http://127.0.0.1:$port/api/v1/health" || {
    podman-compose -p "$name" logs >"$work/compose.log" 2>&1
    tail -40 "$work/compose.log"
    fail "the stack's drive does not answer"
  }
  echo "GET /api/v1/health: $(curl -fsS "http://127.0.0.1:$port/api/v1/health")"
  drive=$(podman ps --filter "label=io.podman.compose.project=$name" --filter 'label=com.docker.compose.service=drive' --format '{{.Names}}' | head -n 1)
  logs=$(podman logs "$drive" 2>&1)
  password=$(node -e 'const lines = require("fs").readFileSync(0, "utf8").split("\n");
    for (const l of lines) { try { const r = JSON.parse(l); const m = /shown only this once.*\n\n +(\S+)$/s.exec(r.msg); if (m) console.log(m[1]); } catch {} }' <<<"$logs")
  [ -n "$password" ] || { echo "$logs"; fail "no admin password in the drive's log"; }
  trap 'echo "$logs" | tail -20' ERR
  token=$(curl -fsS "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\",\"bearer\":true}" | node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).token)')
  echo hello >"$work/hello.txt"
  root=$(curl -fsS "http://127.0.0.1:$port/api/v1/folders/root" -H "authorization: Bearer $token" |
    node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).folder.id)')
  curl -fsS -T "$work/hello.txt" "http://127.0.0.1:$port/api/v1/folders/$root/files/hello.txt" \
    -H "authorization: Bearer $token" >/dev/null
  db=$(podman ps --filter "label=io.podman.compose.project=$name" --filter 'label=com.docker.compose.service=db' --format '{{.Names}}' | head -n 1)
  count=$(podman exec "$db" psql -U idrive -d idrive -tAc "select count(*) from items where name = 'hello.txt'")
  [ "$count" = 1 ] || fail "the upload is not in PostgreSQL"
  echo "signed in with the logged password, uploaded hello.txt, found it in PostgreSQL"
)
echo
echo "docker-verify: all checks passed"
