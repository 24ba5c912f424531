#!/usr/bin/env bash
# Starts a private Docker engine for tests/audit_engine.rs and prints its socket.
#
# Its own --data-root, --exec-root, --pidfile and unix socket under one scratch folder
# ($COMPOSEGUARD_ENGINE_DIR, default /tmp/composeguard-engine), so it touches no other
# engine's state; stop it with tests/engine/stop.sh (by the PID in that folder).
# Loads the image cg-busybox:1 made from the static busybox binary with `docker import`
# (no registry is reached). Installs nothing: .ci/run installs docker.io, busybox-static,
# iproute2 and iptables.
set -euo pipefail

dir=${COMPOSEGUARD_ENGINE_DIR:-/tmp/composeguard-engine}
sock=$dir/docker.sock
mkdir -p "$dir"
export DOCKER_HOST=unix://$sock

for tool in dockerd docker busybox iptables ip; do
  command -v "$tool" >/dev/null || { echo "start.sh: $tool is not installed" >&2; exit 3; }
done

if [ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null \
  && docker version >/dev/null 2>&1; then
  echo "$sock"
  exit 0
fi
rm -f "$sock" "$dir/dockerd.pid"

# dockerd's own containerd (it starts one under --exec-root when none is given).
nohup dockerd \
  --data-root "$dir/data" \
  --exec-root "$dir/exec" \
  --pidfile "$dir/dockerd.pid" \
  -H "unix://$sock" \
  --iptables=true \
  >"$dir/dockerd.log" 2>&1 </dev/null &
echo $! >"$dir/dockerd.started-pid"

for _ in $(seq 1 120); do
  if docker version >/dev/null 2>&1; then break; fi
  if ! kill -0 "$(cat "$dir/dockerd.started-pid")" 2>/dev/null; then
    echo "start.sh: dockerd exited; its log:" >&2
    tail -n 30 "$dir/dockerd.log" >&2
    exit 4
  fi
  sleep 0.5
done
docker version >/dev/null 2>&1 || { echo "start.sh: dockerd did not answer in 60 s" >&2; tail -n 30 "$dir/dockerd.log" >&2; exit 4; }

if ! docker image inspect cg-busybox:1 >/dev/null 2>&1; then
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp" "$root/www" "$root/var/lib/postgresql/data"
  bb=$(command -v busybox)
  # The image has no libc: the binary must be the static one (Debian's busybox-static).
  if ldd "$bb" >/dev/null 2>&1; then
    echo "start.sh: $bb is dynamically linked; install busybox-static" >&2
    exit 3
  fi
  cp "$bb" "$root/bin/busybox"
  for applet in sh nc httpd sleep echo cat ls; do ln -s busybox "$root/bin/$applet"; done
  echo ok >"$root/www/index.html"
  tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' - cg-busybox:1 >/dev/null
  rm -rf "$root"
fi
echo "$sock"
