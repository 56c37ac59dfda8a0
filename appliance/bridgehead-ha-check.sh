#!/bin/sh
# keepalived track script of a bridgehead HA member (docs/INTERNALS.md 11): succeeds while the
# daemon is alive (it rewrites DIR/ha-health every 500 ms) and has not stepped down (the file
# says "ok"; after a split or a planned handover it says "stepped-down ..." for a few seconds).
# Usage: bridgehead-ha-check.sh [CONFIG_DIR]   (default /etc/bridgehead)
f="${1:-/etc/bridgehead}/ha-health"
[ -f "$f" ] || exit 1
age=$(( $(date +%s) - $(stat -c %Y "$f") ))
[ "$age" -le 2 ] || exit 1
read -r state < "$f" || exit 1
[ "$state" = ok ]
