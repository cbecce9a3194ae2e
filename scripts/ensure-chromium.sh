#!/usr/bin/env bash
# Browser tests drive Debian's chromium through Playwright's executable_path; never
# `playwright install` (it downloads a browser build, which this project does not do).
set -u
need=()
command -v chromium >/dev/null 2>&1 || [ -n "${ZHIDU_CHROMIUM:-}" ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
[ ${#need[@]} -eq 0 ] && exit 0
exec "$(dirname "$0")/ensure-system-packages.sh" "${need[@]}"
