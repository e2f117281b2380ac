#!/bin/sh
# Debian packages the test suite and the document outputs need: Chromium for the
# browser tests and screenshots, CJK fonts so Chinese renders in screenshots and
# PDFs, Pango for WeasyPrint's PDFs, gettext for the English translation,
# poppler for PDF checks.
# Installs only what is missing, and only when it can (root + apt-get).
set -eu
need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need="$need fonts-noto-cjk"
command -v msgfmt >/dev/null 2>&1 || need="$need gettext"
command -v pdftoppm >/dev/null 2>&1 || need="$need poppler-utils"
command -v npm >/dev/null 2>&1 || need="$need npm"
# WeasyPrint (PDF output) draws text with Pango.
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need="$need libpango-1.0-0 libpangoft2-1.0-0"
[ -n "$need" ] || exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages:$need"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
else
    echo "warning: missing system packages:$need (install them with your package manager)" >&2
fi
