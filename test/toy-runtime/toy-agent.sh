#!/bin/sh
# The toy runtime's TUI: says it is idle through quartet's record.sh, then waits to be stopped.
sh "$TOY_RECORD" toy start idle "$TOY_SESSION" </dev/null
echo "toy agent ready${1:+: $1}"
while :; do sleep 1; done
