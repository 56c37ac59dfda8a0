#!/bin/sh
# /usr/local/bin/bridgehead: the CLI of the appliance install under /opt/bridgehead.
# Run by root, the configuring commands (init, invite, join, status, ...) run as the service user
# `bridgehead`, so every config, key and invite file they write belongs to the daemon's user
# (0600) and the daemon can read it. `up` (a foreground daemon) and `capture` (libpcap) keep root;
# BRIDGEHEAD_AS_ROOT=1 keeps root for any command.
set -e
node=/opt/bridgehead/node/bin/node
main=/opt/bridgehead/dist/src/cli/main.js
case "${1:-}" in up|capture) BRIDGEHEAD_AS_ROOT=1 ;; esac
if [ "$(id -u)" = 0 ] && [ "${BRIDGEHEAD_AS_ROOT:-0}" != 1 ] && id -u bridgehead >/dev/null 2>&1; then
  exec setpriv --reuid=bridgehead --regid=bridgehead --init-groups --inh-caps=-all --bounding-set=-all \
    -- "$node" "$main" "$@"
fi
exec "$node" "$main" "$@"
