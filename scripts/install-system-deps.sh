#!/usr/bin/env bash
# Debian packages dokreg uses beside its Python dependencies (CI runs this; so can an operator).
# - tesseract-ocr + tesseract-ocr-est: OCR of scans, Estonian first (English alone misreads õäöüšž)
# - libreoffice-writer-nogui / -calc-nogui: legacy .doc/.xls conversion, headless
# - poppler-utils: pdftotext, the reference speed in bench/
set -euo pipefail
packages=(tesseract-ocr tesseract-ocr-est tesseract-ocr-eng poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
