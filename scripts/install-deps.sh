#!/usr/bin/env bash
# Installs what ftcore needs on a Debian machine, and nothing that is already there.
# Run as root; as another user it prints the exact command to run as root and stops.
set -euo pipefail
pkgs=(build-essential cmake make pkg-config libck-dev liburcu-dev libcriterion-dev
      clang libclang-rt-14-dev gnuplot-nox python3 doxygen clang-format clang-tidy spin)
missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "ftcore: missing packages: ${missing[*]}" >&2
    echo "ftcore: run as root:  $cmd" >&2
    exit 1
fi
echo "ftcore: installing ${missing[*]}" >&2
sh -c "$cmd"
