#!/usr/bin/env bash
# The real peers the integration tests drive, from Debian's packages when missing: Chromium (the web-chat
# widget and the admin console, through playwright-core) and Dovecot (the IMAP connector). Tests start their own
# instances on random loopback ports; nothing here starts a service.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "the tests need ${missing[*]}: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing ${missing[*]} from Debian's packages (first run only)…" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the system Dovecot on install; the tests run their own, so the system one is not needed.
if command -v dovecot >/dev/null && pgrep -x dovecot >/dev/null; then (service dovecot stop || pkill -x dovecot || true) >/dev/null 2>&1; fi
