#!/usr/bin/env bash
# Boots systemd as PID 1 in private pid, mount, cgroup, UTS and IPC namespaces, installs FeedWatcher there with
# deploy/install.sh, starts the service, waits for "active (running)" (which only READY=1 from the host gives a
# Type=notify unit), checks that `feedwatcher status` reports it healthy and that an edited watch takes effect
# without a restart, stops it and checks that it exited cleanly. The host is not touched: inside, /run, /tmp, /var and /opt are private tmpfs mounts and /etc a
# private copy, and systemd starts nothing but the service and the journal.
#
#   sudo deploy/test-in-systemd.sh [PUBLISHED_DIR]     (publishes this checkout when no directory is given)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "test-in-systemd.sh: needs root (namespaces, mounts)" >&2; exit 1; }
for tool in unshare nsenter /lib/systemd/systemd; do
  command -v "$tool" >/dev/null || { echo "test-in-systemd.sh: $tool is missing (apt-get install systemd util-linux)" >&2; exit 1; }
done

work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "${KEEP:-}" ] && [ -n "$pid" ]; then
    echo "KEEP: systemd left running as host PID $pid (nsenter --target $pid --mount --pid --uts --ipc --cgroup ...; kill -KILL $pid)"
    return
  fi
  [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true # PID 1 of the namespace: everything in it goes too
  rm -rf "$work"
}
trap cleanup EXIT

published="${1:-}"
if [ -z "$published" ]; then
  published="$work/publish"
  dotnet publish src/FeedWatcher -c Release -o "$published" --nologo -v q
fi
mkdir -p "$work/stage"
cp -a deploy "$work/stage/deploy"
cp -a "$published" "$work/stage/publish"

# The service alone, with the journal: no sysinit.target (udev, tmpfiles, sysctl ...), which would act on the
# host's devices and directories.
cat > "$work/stage/feedwatcher-test.target" <<'UNIT'
[Unit]
Description=FeedWatcher under test
DefaultDependencies=no
Wants=systemd-journald.socket
UNIT
cat > "$work/stage/no-default-dependencies.conf" <<'UNIT'
[Unit]
DefaultDependencies=no
Wants=systemd-journald.socket
After=systemd-journald.socket
UNIT

cat > "$work/boot.sh" <<'BOOT'
set -euo pipefail
stage="$1"
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/fwtest /run/systemd/system/feedwatcher.service.d /run/lock
cp -a "$stage/." /run/fwtest/
cp /run/fwtest/feedwatcher-test.target /run/systemd/system/
cp /run/fwtest/no-default-dependencies.conf /run/systemd/system/feedwatcher.service.d/
# /etc: a private copy, so that what install.sh and systemd write there stays in here.
mount -t tmpfs -o mode=0755 tmpfs /mnt
cp -a /etc/. /mnt/
mount --move /mnt /etc
rm -f /etc/machine-id && systemd-machine-id-setup >/dev/null 2>&1 || true
# Belt and braces: nothing that could reach out of the namespaces (devices, clock, network, the host's
# directories) may start, even if something asks for it.
for unit in network-online.target systemd-networkd.service systemd-resolved.service NetworkManager.service \
    systemd-udevd.service systemd-udev-trigger.service systemd-tmpfiles-setup.service systemd-tmpfiles-clean.timer \
    systemd-timesyncd.service systemd-sysctl.service systemd-modules-load.service systemd-remount-fs.service \
    postgresql.service nginx.service; do
  ln -sf /dev/null "/etc/systemd/system/$unit"
done
for dir in /tmp /var/tmp /var/log /var/lib /var/cache /opt; do
  mkdir -p "$dir" && mount -t tmpfs -o mode=0755 tmpfs "$dir"
done
chmod 1777 /tmp /var/tmp
exec /lib/systemd/systemd --system --unit=feedwatcher-test.target
BOOT

unshare --pid --mount --cgroup --uts --ipc --fork --mount-proc bash "$work/boot.sh" "$work/stage" </dev/null >"$work/systemd.log" 2>&1 &
outer=$!
for _ in $(seq 100); do
  pid="$(pgrep -P "$outer" || true)"
  [ -n "$pid" ] && break
  sleep 0.1
done
[ -n "$pid" ] || { echo "test-in-systemd.sh: systemd did not start"; cat "$work/systemd.log"; exit 1; }
inside() { nsenter --target "$pid" --mount --pid --uts --ipc --cgroup "$@"; }

for _ in $(seq 100); do
  inside systemctl is-system-running >/dev/null 2>&1 && break
  state="$(inside systemctl is-system-running 2>/dev/null || true)"
  case "$state" in running|degraded|starting) break ;; esac
  sleep 0.2
done
echo "systemd is up as PID 1 of its namespaces (host PID $pid)"

inside bash -c 'cd /run/fwtest && deploy/install.sh --from /run/fwtest/publish --no-start'
# The service polls nothing beyond loopback: one feed on a port where nothing listens. Its story pages are on,
# on a free loopback port.
web_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo 18089)"
inside bash -c 'cat > /etc/feedwatcher/appsettings.json' <<JSON
{ "FeedWatcher": { "Feeds": [ { "Url": "http://127.0.0.1:9/news.rss", "Name": "Loopback desk" } ],
  "Web": { "Enabled": true, "Listen": "http://127.0.0.1:$web_port" } } }
JSON
inside systemctl start --no-block feedwatcher.service
ok=""
for _ in $(seq 180); do
  if [ "$(inside systemctl show -p ActiveState --value feedwatcher.service)" = active ] &&
     [ "$(inside systemctl show -p SubState --value feedwatcher.service)" = running ]; then
    ok=1
    break
  fi
  [ "$(inside systemctl show -p ActiveState --value feedwatcher.service)" = failed ] && break
  sleep 1
done
inside systemctl --no-pager status feedwatcher.service || true
if [ -z "$ok" ]; then
  echo "FAIL: feedwatcher.service did not become active (running)"
  inside journalctl --no-pager -u feedwatcher.service | tail -40
  exit 1
fi
echo "feedwatcher.service is active (running): READY=1 arrived"

# `status`, as an administrator runs it beside the service: healthy, and the service's database left running.
healthy=""
for _ in $(seq 30); do
  if inside env STATE_DIRECTORY=/var/lib/feedwatcher /opt/feedwatcher/feedwatcher status >"$work/status.txt" 2>&1; then
    healthy=1
    break
  fi
  sleep 1
done
cat "$work/status.txt"
[ -n "$healthy" ] || { echo "FAIL: feedwatcher status did not report healthy"; exit 1; }
[ "$(inside systemctl show -p SubState --value feedwatcher.service)" = running ] || { echo "FAIL: the service stopped while status ran"; exit 1; }
echo "feedwatcher status: healthy, exit 0"
grep -q "^pages .*/watches, answering" "$work/status.txt" || { echo "FAIL: the story pages do not answer under the hardened unit"; exit 1; }
echo "the story pages answer under the hardened unit"
pinged="$(inside systemctl show -p WatchdogTimestampMonotonic --value feedwatcher.service)"
[ -n "$pinged" ] && [ "$pinged" != 0 ] || { echo "FAIL: the watchdog was never pinged"; exit 1; }
echo "watchdog pinged"

# A keyword changed in /etc/feedwatcher/appsettings.json takes effect in the running service, without a restart.
main_pid="$(inside systemctl show -p MainPID --value feedwatcher.service)"
inside bash -c 'cat > /etc/feedwatcher/appsettings.json' <<'JSON'
{ "FeedWatcher": { "Feeds": [ { "Url": "http://127.0.0.1:9/news.rss", "Name": "Loopback desk" } ],
  "Watches": [ { "Name": "Kabul watch", "Keywords": [ "Kabul", "Kandahar" ] } ] } }
JSON
reloaded=""
for _ in $(seq 30); do
  if inside journalctl --no-pager -u feedwatcher.service | grep -q "Configuration reloaded"; then reloaded=1; break; fi
  sleep 1
done
[ -n "$reloaded" ] || { echo "FAIL: the running service did not reload its settings"; exit 1; }
[ "$(inside systemctl show -p MainPID --value feedwatcher.service)" = "$main_pid" ] || { echo "FAIL: the service restarted"; exit 1; }
inside journalctl --no-pager -u feedwatcher.service | grep "Configuration reloaded" | tail -1
echo "a watch edited in /etc/feedwatcher/appsettings.json took effect without a restart"

inside systemctl stop feedwatcher.service
result="$(inside systemctl show -p Result --value feedwatcher.service)"
status="$(inside systemctl show -p ExecMainStatus --value feedwatcher.service)"
inside journalctl --no-pager -u feedwatcher.service | tail -15
if [ "$result" != success ] || [ "$status" != 0 ]; then
  echo "FAIL: stopping feedwatcher.service gave Result=$result, exit status $status"
  exit 1
fi
echo "PASS: feedwatcher.service started (READY=1), pinged its watchdog, reported healthy by status, reloaded an edited watch, stopped on SIGTERM and exited with status 0"
