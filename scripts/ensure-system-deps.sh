#!/usr/bin/env bash
# Installs from Debian's packages what stickler needs and is missing: nginx and HAProxy for the
# managed stacks, plus every command named as an argument (the test suite adds chromium and openssl).
# Exit 0 when everything is there afterwards (installed now or before); exit 3 naming what is
# still missing and how to install it by hand. Safe to run again: it does nothing when all is there.
set -uo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
still_missing() {
  local name out=()
  # nginx and HAProxy always; each name once, however often it is asked for.
  for name in nginx haproxy "$@"; do
    [[ " ${out[*]} " == *" $name "* ]] && continue
    have "$name" || out+=("$name")
  done
  echo "${out[*]}"
}
give_up() {
  echo "stickler: still missing: $1" >&2
  echo "stickler: install it by hand (Debian/Ubuntu: sudo apt-get install $1), then run this command again" >&2
  exit 3
}

missing=$(still_missing "$@")
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  give_up "$missing"
fi
command -v apt-get >/dev/null 2>&1 || give_up "$missing"

echo "stickler: installing $missing from Debian packages" >&2
# Keep the packages' own services from starting (stickler runs its own processes on loopback).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null && $SUDO chmod +x "$policy" && created_policy=1
fi
remove_policy() {
  if [ "$created_policy" -eq 1 ]; then $SUDO rm -f "$policy"; fi
  return 0
}
trap remove_policy EXIT

log=$(mktemp)
# shellcheck disable=SC2086
if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
  tail -n 15 "$log" >&2
fi
rm -f "$log"

left=$(still_missing "$@")
[ -n "$left" ] && give_up "$left"
echo "stickler: installed $missing" >&2
exit 0
