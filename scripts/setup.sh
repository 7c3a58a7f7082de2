#!/usr/bin/env bash
# Installs what building and running Tandem needs on Debian/Ubuntu, and nothing that is already
# there: the C toolchain and cmake (CharLS, OpenJPEG), and the X11/GL libraries the window
# loads at run time. Safe to run again; does nothing when all is present.
set -euo pipefail

packages=(gcc g++ make cmake
          libx11-6 libx11-xcb1 libxcursor1 libxi6 libxkbcommon-x11-0 libgl1 libegl1)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    if [[ $(id -u) -eq 0 ]]; then sudo=(); else sudo=(sudo); fi
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust (cargo) is needed: https://rustup.rs" >&2; exit 1; }
