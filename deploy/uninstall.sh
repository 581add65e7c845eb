#!/usr/bin/env bash
# Removes the FeedWatcher service and binary. Settings (/etc/feedwatcher) and data (/var/lib/feedwatcher, the
# database and pickup folder) are kept unless --purge is given.
#
#   sudo deploy/uninstall.sh [--prefix DIR] [--purge]
#   DESTDIR=/tmp/root deploy/uninstall.sh ...   the same under a temporary root
set -euo pipefail

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
prefix=/opt/feedwatcher purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "uninstall.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
root="${DESTDIR:-}"
if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
  echo "uninstall.sh: run as root (or set DESTDIR)" >&2
  exit 1
fi

if [ -z "$root" ] && command -v systemctl >/dev/null && systemctl cat feedwatcher.service >/dev/null 2>&1; then
  systemctl disable --now feedwatcher.service || true
fi
rm -f "$root/etc/systemd/system/feedwatcher.service"
[ -z "$root" ] && command -v systemctl >/dev/null && systemctl daemon-reload || true
rm -rf "$root$prefix"
echo "Removed the service and $root$prefix"

if [ "$purge" = 1 ]; then
  # With DynamicUser=yes systemd keeps the state under /var/lib/private and links /var/lib/feedwatcher to it.
  rm -rf "$root/etc/feedwatcher" "$root/var/lib/feedwatcher" "$root/var/lib/private/feedwatcher"
  echo "Purged $root/etc/feedwatcher and $root/var/lib/feedwatcher"
else
  echo "Kept $root/etc/feedwatcher (settings) and $root/var/lib/feedwatcher (data); --purge removes them"
fi
