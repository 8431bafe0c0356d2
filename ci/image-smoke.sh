#!/usr/bin/env bash
# Builds the image from docker/Dockerfile and smoke-tests it, with podman (no Docker engine
# needed). Called by .ci/run; run it alone with `bash ci/image-smoke.sh`.
#
# 1. installs podman, runc, debootstrap (Debian packages) when missing;
# 2. builds a local stand-in for the Dockerfile's base (python:3.11-slim) with debootstrap
#    (Debian bookworm minbase + python3, venv, pip, CA certificates incl. the host's
#    extra ones) and imports it under the base's name, since no registry is reachable;
# 3. builds the image (--pull=never), reports its size;
# 4. runs it and checks: health check, HEALTHCHECK (also with GUNICORN_BIND_ADDRESS
#    moved), uid 10001 and no capabilities, no pip/setuptools, `migrate`, migrate-on-start,
#    the README's evaluate, SIGTERM → exit 0 quickly;
# 5. removes every container, image and file it made (also on failure; a base it built
#    is kept with MSPROMO_SMOKE_KEEP_BASE=1, which saves the debootstrap on the next run).
# Exits non-zero when any step fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf '\n=== image-smoke: %s\n' "$*" >&2; }
die() { printf '\n*** image-smoke: %s\n' "$*" >&2; exit 1; }

started=$SECONDS
run_id="$$-$RANDOM"
work="$(mktemp -d /tmp/mspromo-image.XXXXXX)"
image="localhost/mspromo-smoke:$run_id"
containers=()
base_made=""
base="$(sed -n 's/^ARG PYTHON_IMAGE=//p' docker/Dockerfile | head -n1)"
[[ -n $base ]] || die "no ARG PYTHON_IMAGE in docker/Dockerfile"

cleanup() {
    local status=$?
    set +e
    for c in "${containers[@]}"; do podman rm --force --time 0 "$c" >/dev/null 2>&1; done
    podman rmi --force "$image" >/dev/null 2>&1
    [[ -n $base_made && -z ${MSPROMO_SMOKE_KEEP_BASE:-} ]] && podman rmi --force "$base" >/dev/null 2>&1
    # the builder stage's untagged images made by this run (none of anyone else's)
    [[ -f $work/dangling-before ]] \
        && comm -13 "$work/dangling-before" <(podman images -q --filter dangling=true | sort) \
        | xargs -r podman rmi --force >/dev/null 2>&1
    rm -rf "$work"
    log "cleaned up (exit $status, $((SECONDS - started)) s in all)"
    exit "$status"
}
trap cleanup EXIT

missing=()
for tool in podman runc debootstrap curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
command -v slirp4netns >/dev/null || missing+=(slirp4netns)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        podman runc debootstrap slirp4netns uidmap fuse-overlayfs curl ca-certificates >/dev/null
fi

# Podman's own configuration for this run only: runc with cgroupfs (no systemd here), and
# the container's open-file and process limits within the host's hard limits.
nofile="$(ulimit -Hn)"
[[ $nofile == unlimited ]] || ((nofile <= 65536)) || nofile=65536
[[ $nofile == unlimited ]] && nofile=65536
nproc="$(ulimit -Hu)"  # (a value near the host's limit was refused here: 4096 is plenty)
[[ $nproc == unlimited ]] || ((nproc <= 4096)) || nproc=4096
[[ $nproc == unlimited ]] && nproc=4096
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$work/containers.conf"

# --- the base ---------------------------------------------------------------------------
if podman image exists "$base"; then
    log "base $base is present; using it"
else
    log "building a local $base stand-in with debootstrap"
    t0=$SECONDS
    mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)"
    mirror="${mirror:-http://deb.debian.org/debian}"
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
        bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$work/rootfs/usr/local/share/ca-certificates/"
        chroot "$work/rootfs" update-ca-certificates >/dev/null 2>&1
    fi
    chroot "$work/rootfs" apt-get clean
    rm -rf "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" -c . | podman import --quiet \
        --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' - "$base" >/dev/null
    base_made=1
    rm -rf "$work/rootfs"
    log "base built in $((SECONDS - t0)) s"
fi

# --- build ------------------------------------------------------------------------------
podman images -q --filter dangling=true | sort >"$work/dangling-before"
log "building $image from docker/Dockerfile"
t0=$SECONDS
podman build --pull=never --network host --format docker -f docker/Dockerfile -t "$image" . \
    >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; die "image build failed"; }
size="$(podman image inspect --format '{{.Size}}' "$image")"
log "built in $((SECONDS - t0)) s; image size $((size / 1000000)) MB"

# --- checks -----------------------------------------------------------------------------
check() { printf '  ok: %s\n' "$*" >&2; }
# No systemd here to schedule podman's health-check timers: one-off containers run without
# the check, the served one with its timer off (the check is run by hand below).
prun() { podman run --no-healthcheck "$@"; }

inspect() { podman image inspect --format "$1" "$image"; }
[[ "$(inspect '{{.Config.User}}')" == 10001:10001 ]] || die "image user is not 10001:10001"
inspect '{{json .Config.Healthcheck}}' | grep -q mspromo-healthcheck \
    || die "image has no HEALTHCHECK"
check "image user 10001:10001, HEALTHCHECK declared"

out="$(prun --rm --network none "$image" sh -c 'id -u; id -g; grep CapEff /proc/self/status')"
[[ "$(sed -n 1p <<<"$out")" == 10001 && "$(sed -n 2p <<<"$out")" == 10001 ]] \
    || die "container does not run as uid/gid 10001: $out"
check "runs as uid 10001 gid 10001 ($(sed -n 3p <<<"$out" | tr -s '\t' ' '))"

for module in pip setuptools; do
    if prun --rm --network none "$image" python -c "import $module" 2>/dev/null; then
        die "the runtime image can import $module"
    fi
done
prun --rm --network none "$image" sh -c '! command -v pip && ! command -v pip3' \
    >/dev/null || die "the runtime image has a pip command"
check "no pip or setuptools in the runtime image"

# `migrate` on a database file, then the schema is there (a second run is a no-op).
mkdir -p "$work/data" && chown 10001:10001 "$work/data"
prun --rm --network none -v "$work/data:/data:Z" \
    -e MSPROMO_DATABASE_URL=sqlite:////data/m.sqlite3 "$image" migrate >/dev/null 2>&1 \
    || die "'migrate' failed"
prun --rm --network none -v "$work/data:/data:Z" \
    -e MSPROMO_DATABASE_URL=sqlite:////data/m.sqlite3 "$image" migrate >/dev/null 2>&1 \
    || die "'migrate' failed on an up-to-date database"
prun --rm --network none -v "$work/data:/data:Z" "$image" python -c '
import sqlite3, sys
names = {r[0] for r in sqlite3.connect("/data/m.sqlite3").execute("SELECT name FROM sqlite_master")}
sys.exit(0 if {"promo_header", "alembic_version"} <= names else 1)' || die "'migrate' made no schema"
check "'migrate' applies the migrations (twice: idempotent)"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
host_port=18401
while ! port_free "$host_port"; do host_port=$((host_port + 1)); done

# Serve with migrate-on-start on the SQLite default, on a moved bind address.
name="mspromo-smoke-$run_id"
containers+=("$name")
podman run --health-interval=disable -d --name "$name" --network slirp4netns -p "127.0.0.1:$host_port:9123" \
    -e GUNICORN_BIND_ADDRESS=0.0.0.0:9123 -e GUNICORN_WORKERS=2 -e GUNICORN_THREADS=2 \
    -e DEPLOYMENT_ENV=test \
    -e MSPROMO_MIGRATE_ON_START=1 "$image" >/dev/null || die "podman run failed"
base_url="http://127.0.0.1:$host_port"
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null --max-time 2 "$base_url/health_check/" 2>/dev/null; do
    if [[ "$(podman inspect --format '{{.State.Running}}' "$name")" != true ]]; then
        podman logs "$name" >&2 || true
        die "the container stopped before answering"
    fi
    ((SECONDS < deadline)) || { podman logs "$name" >&2; die "no health check 200 within 60 s"; }
    sleep 0.5
done
check "GET /health_check/ 200 (migrated on start, bound to :9123)"

podman healthcheck run "$name" >/dev/null || die "the HEALTHCHECK fails on a moved bind address"
podman exec -e GUNICORN_BIND_ADDRESS=127.0.0.1:1 "$name" mspromo-healthcheck 2>/dev/null \
    && die "the HEALTHCHECK passes against a port nothing listens on"
check "HEALTHCHECK follows GUNICORN_BIND_ADDRESS (healthy on :9123, unhealthy on :1)"

podman exec "$name" sh -c '! test -e "$HOME/.gunicorn"' || die "gunicorn made a control socket"
check "no gunicorn control socket under \$HOME"

podman exec "$name" mspromo load-examples >/dev/null || die "load-examples failed"
answer="$(curl -fsS --max-time 10 -X POST "$base_url/api/1.0/promotions/evaluate/" \
    -H 'Content-Type: application/json' -d @docs/examples/evaluate-request.json)" \
    || die "the README's evaluate failed"
grep -q '"discount": *"10.000"' <<<"$answer" || die "unexpected evaluate answer: $answer"
check "the README's evaluate: \"discount\": \"10.000\""

t0=${EPOCHREALTIME/[.,]/}
podman stop --time 20 "$name" >/dev/null 2>"$work/stop.log" || die "podman stop failed"
t1=${EPOCHREALTIME/[.,]/}
code="$(podman inspect --format '{{.State.ExitCode}}' "$name")"
[[ $code == 0 ]] || { podman logs "$name" >&2; die "exit code $code after SIGTERM, not 0"; }
ms=$(((t1 - t0) / 1000))
((ms < 15000)) || die "the container took ${ms} ms to stop on SIGTERM"
check "SIGTERM: exit 0 in ${ms} ms"

log "image smoke test passed ($((SECONDS - started)) s; image $((size / 1000000)) MB)"
