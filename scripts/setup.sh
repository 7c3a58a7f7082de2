#!/usr/bin/env bash
# Installs what building, running and testing Tandem needs on Debian/Ubuntu, and nothing that is
# already there: the C toolchain and cmake (CharLS, OpenJPEG), the X11/GL libraries the window
# loads at run time, zenity (rfd's file dialogs use it where no xdg-desktop-portal runs; with
# neither they cannot open), and the independent checkers the export tests run (dciodvfy from
# dicom3tools; pdftotext, pdfinfo and pdfimages from poppler-utils; highdicom and nibabel in a
# Python venv at .venv/, which git ignores). Safe to run again; does nothing when all is present.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(gcc g++ make cmake
          libx11-6 libx11-xcb1 libxcursor1 libxi6 libxkbcommon-x11-0 libgl1 libegl1 zenity
          dicom3tools poppler-utils python3 python3-venv)

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

# highdicom reads our DICOM SEG exports back in tests/seg.rs, nibabel our NIfTI exports in
# tests/nifti.rs. Pinned (with the pydicom under them), so every machine checks against the same
# readers; built on Debian's own python3, not on whatever python3 comes first on PATH.
venv="$root/.venv"
pins=(highdicom==0.28.2 pydicom==3.0.2 nibabel==5.4.2)
if ! "$venv/bin/python" -c "import highdicom, pydicom, nibabel, sys
sys.exit((highdicom.__version__, pydicom.__version__, nibabel.__version__) != ('0.28.2', '3.0.2', '5.4.2'))" 2>/dev/null; then
    echo "setup: installing ${pins[*]} into $venv" >&2
    [[ -x $venv/bin/python ]] || /usr/bin/python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "${pins[@]}"
fi

command -v cargo >/dev/null || { echo "setup: Rust (cargo) is needed: https://rustup.rs" >&2; exit 1; }
