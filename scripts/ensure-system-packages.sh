#!/usr/bin/env bash
# Installs Debian packages the project needs (gettext, chromium, CJK fonts) when the user
# is root; otherwise says what to install.
set -u
missing=("$@")
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing ${missing[*]} with apt-get"
  (apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1) || { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
else
  echo "Please install: ${missing[*]} (for example: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
