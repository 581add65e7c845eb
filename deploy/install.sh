#!/usr/bin/env bash
# Installs FeedWatcher as a systemd service: the binary in /opt/feedwatcher, the unit, the settings in
# /etc/feedwatcher (never overwriting what is there), then enables and starts it.
#
#   sudo deploy/install.sh [--prefix DIR] [--from PUBLISHED_DIR] [--no-start]
#   DESTDIR=/tmp/root deploy/install.sh ...     install under a temporary root: nothing is started
#
#   --prefix DIR   where the binary goes (default /opt/feedwatcher)
#   --from DIR     an existing `dotnet publish` output instead of publishing from this checkout
#   --no-start     install and enable, but do not start
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
prefix=/opt/feedwatcher from="" start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --from) from="${2:?--from needs a directory}"; shift 2 ;;
    --no-start) start=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
case "$prefix" in /*) ;; *) echo "install.sh: --prefix must be an absolute path" >&2; exit 2 ;; esac
root="${DESTDIR:-}"
if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (or set DESTDIR to install under a temporary root)" >&2
  exit 1
fi

# The binary: published from this checkout unless given, then swapped in whole.
if [ -z "$from" ]; then
  from="$(mktemp -d)"
  trap 'rm -rf "$from"' EXIT
  echo "Publishing FeedWatcher ..."
  dotnet publish src/FeedWatcher -c Release -o "$from" --nologo -v q
fi
[ -f "$from/feedwatcher" ] || { echo "install.sh: $from holds no feedwatcher binary" >&2; exit 1; }
install -d -m 0755 "$(dirname "$root$prefix")"
rm -rf "$root$prefix.new"
cp -a "$from" "$root$prefix.new"
chmod -R u=rwX,go=rX "$root$prefix.new"
rm -rf "$root$prefix.old"
[ -e "$root$prefix" ] && mv "$root$prefix" "$root$prefix.old"
mv "$root$prefix.new" "$root$prefix"
rm -rf "$root$prefix.old"
echo "Installed the binary in $root$prefix"

# The unit, pointed at the prefix.
install -d -m 0755 "$root/etc/systemd/system"
sed "s|/opt/feedwatcher|$prefix|g" deploy/feedwatcher.service > "$root/etc/systemd/system/feedwatcher.service"
chmod 0644 "$root/etc/systemd/system/feedwatcher.service"
echo "Installed $root/etc/systemd/system/feedwatcher.service"

# Settings: an existing file is never overwritten. Secrets go in the environment file, readable by root only
# (systemd reads it before dropping to the service's own user).
install -d -m 0755 "$root/etc/feedwatcher"
if [ -e "$root/etc/feedwatcher/appsettings.json" ]; then
  echo "Kept $root/etc/feedwatcher/appsettings.json"
else
  install -m 0644 deploy/appsettings.example.json "$root/etc/feedwatcher/appsettings.json"
  echo "Created $root/etc/feedwatcher/appsettings.json"
fi
if [ -e "$root/etc/feedwatcher/feedwatcher.env" ]; then
  echo "Kept $root/etc/feedwatcher/feedwatcher.env"
else
  install -m 0600 deploy/feedwatcher.env.example "$root/etc/feedwatcher/feedwatcher.env"
  echo "Created $root/etc/feedwatcher/feedwatcher.env (mode 0600)"
fi

if [ -n "$root" ]; then
  echo "Installed under $root: nothing enabled or started there."
  exit 0
fi

# No user to create: the unit runs as a user systemd makes up (DynamicUser=yes).
# Migrations: against a configured database now; a private one is created and migrated at the first start.
if grep -q '^FeedWatcher__Database__ConnectionString=' /etc/feedwatcher/feedwatcher.env ||
   grep -q '"ConnectionString": *"[^"]' /etc/feedwatcher/appsettings.json; then
  echo "Applying migrations ..."
  (set -a; . /etc/feedwatcher/feedwatcher.env; set +a; "$prefix/feedwatcher" migrate)
fi
systemctl daemon-reload
systemctl enable feedwatcher.service
if [ "$start" = 1 ]; then
  systemctl restart feedwatcher.service
  systemctl --no-pager --lines=5 status feedwatcher.service || true
fi
echo "Done. Settings: /etc/feedwatcher/appsettings.json; secrets: /etc/feedwatcher/feedwatcher.env; logs: journalctl -u feedwatcher"
