#!/usr/bin/env bash
# Stops the engine tests/engine/start.sh started (by its PID), with its containers.
set -uo pipefail
dir=${COMPOSEGUARD_ENGINE_DIR:-/tmp/composeguard-engine}
export DOCKER_HOST=unix://$dir/docker.sock
pid=$(cat "$dir/dockerd.pid" 2>/dev/null || cat "$dir/dockerd.started-pid" 2>/dev/null || true)
[ -n "$pid" ] || exit 0
if kill -0 "$pid" 2>/dev/null; then
  ids=$(docker ps -aq 2>/dev/null || true)
  [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
  kill "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
fi
rm -f "$dir/dockerd.pid" "$dir/dockerd.started-pid"
exit 0
