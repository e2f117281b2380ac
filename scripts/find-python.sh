#!/bin/sh
# Print the path of a Python >= 3.12 (Django 6 needs it). Looks at $PYTHON,
# the usual names on PATH, then pyenv's and deadsnakes-style install folders.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for p in "$PYTHON" python3.14 python3.13 python3.12 python3 \
         "$HOME"/.pyenv/versions/3.14*/bin/python3 "$HOME"/.pyenv/versions/3.13*/bin/python3 \
         "$HOME"/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3.1[234] /usr/bin/python3.1[234]; do
    [ -n "$p" ] || continue
    if command -v "$p" >/dev/null 2>&1 && ok "$p"; then command -v "$p"; exit 0; fi
done
echo "No Python 3.12+ found; install one (e.g. apt-get install python3.12 or pyenv install 3.13) or set PYTHON=/path/to/python3.12" >&2
exit 1
