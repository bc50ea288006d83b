#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/browser), driven by Playwright's Python package.
# Playwright's own browser download cannot be used here (no network but the package registries), so
# the tests launch /usr/bin/chromium. fonts-dejavu-core gives pages readable glyphs for õäöüšž in
# screenshots; fonts-liberation gives the metric-compatible sans-serif family Chromium asks for first.
# Idempotent: installs only what is missing.
set -euo pipefail
packages=(chromium fonts-dejavu-core fonts-liberation)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
