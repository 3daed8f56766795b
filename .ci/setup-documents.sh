#!/usr/bin/env bash
# What amreview's documents need from the operating system, on a fresh Debian machine:
#   - PDF: Debian's Chromium, kept open per worker (amreview/documents/chromium.py), or where
#     there is none WeasyPrint, in-process: Pango and HarfBuzz's subsetter, fontconfig and fonts with
#     the glyphs reviews use (DejaVu: − ≥ → and accented names; Liberation: the body text);
#   - the document tests and the PDFs: Debian's Chromium, driven headless by Python playwright (its wheel
#     carries its own driver; `playwright install` is never run: it would download a browser);
#   - looking at PDFs as pictures (pdftoppm, pdftotext from poppler-utils);
#   - the accessibility tests' checkers (tests/js, installed by `make test` with npm): Node.js and
#     npm for axe-core, and a Java runtime for the W3C validator's vnu.jar;
#   - the review forms' tests: LibreOffice Calc, headless (libreoffice-calc-nogui), opens a form and
#     saves it again as a person would (tests/conftest.py's libreoffice fixture).
# The Python side (weasyprint, playwright, pypdf) comes from pyproject.toml.
#
# Idempotent: installs only what is missing, and runs `apt-get update` only when a package
# cannot be found without it. Runs as root. Prints what it did on stderr; exits non-zero
# when a package cannot be installed. Then run the tests with AMREVIEW_REQUIRE_BROWSER=1 and
# AMREVIEW_REQUIRE_LIBREOFFICE=1, so a missing browser or LibreOffice fails them instead of skipping.
set -euo pipefail

PACKAGES=(
  chromium
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
  fonts-dejavu-core fonts-liberation
  poppler-utils
  libreoffice-calc-nogui
  default-jre-headless nodejs
)

log() { echo "setup-documents: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { log "run me as root (I install Debian packages)"; exit 1; }

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  log "installing ${missing[*]}"
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
    log "refreshing the package lists once"
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
else
  log "every package is installed already"
fi

[ -x /usr/bin/chromium ] || { log "/usr/bin/chromium is missing after the install"; exit 1; }
fc-list : family | grep -qi "dejavu sans" || { log "fontconfig finds no DejaVu Sans"; exit 1; }
command -v soffice >/dev/null || { log "soffice (LibreOffice) is missing after the install"; exit 1; }
command -v java >/dev/null || { log "java is missing after the install"; exit 1; }
if ! command -v npm >/dev/null; then  # Debian's nodejs comes without npm; NodeSource's carries it
  log "installing npm"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm >&2
fi
log "ready: $(/usr/bin/chromium --version 2>/dev/null || echo chromium), pango $(dpkg-query -W -f='${Version}' libpango-1.0-0)"
