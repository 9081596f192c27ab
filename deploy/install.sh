#!/bin/sh
# Installs stagebot to run under systemd: the binary, the unit, the documentation the unit
# names, and /etc/stagebot for the config, keys and secrets (nothing there is overwritten).
#
#   deploy/install.sh [BINARY]
#
# BINARY is a stagebot built elsewhere; without it, one is built here (needs Go). DESTDIR
# puts every file under another root (packaging, tests); as root on the machine itself,
# leave it unset.
set -eu
cd "$(dirname "$0")/.."
dest=${DESTDIR:-}

bin=${1:-}
if [ -z "$bin" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	bin=$tmp/stagebot
	CGO_ENABLED=0 go build -trimpath -buildvcs=auto -o "$bin" ./cmd/stagebot
fi

install -D -m 0755 "$bin" "$dest/usr/local/bin/stagebot"
install -D -m 0644 deploy/stagebot.service "$dest/etc/systemd/system/stagebot.service"
install -D -m 0644 README.md "$dest/usr/local/share/doc/stagebot/README.md"
install -D -m 0644 config.example.yaml "$dest/usr/local/share/doc/stagebot/config.example.yaml"
install -d -m 0750 "$dest/etc/stagebot"

if [ -z "$dest" ]; then
	cat <<'NEXT'
Installed. Next:
  1. /etc/stagebot/stagebot.yaml (from /usr/local/share/doc/stagebot/config.example.yaml),
     with state_dir: /var/lib/stagebot and ssh_key: ${CREDENTIALS_DIRECTORY}/id_ed25519
  2. the SSH key as /etc/stagebot/id_ed25519 (root, 0600), known_hosts beside it,
     secrets in /etc/stagebot/env (root, 0600)
  3. CREDENTIALS_DIRECTORY=/etc/stagebot stagebot check-config --config /etc/stagebot/stagebot.yaml
  4. systemctl daemon-reload && systemctl enable --now stagebot
NEXT
fi
