#!/bin/sh
# Installs the engines the remote-launcher tests start: OpenSSH's server (and client); with the
# argument "slurm" also Slurm and munge (for slurm-single-node.sh).
# Debian packages only; nothing in /etc is changed beyond what the packages install: the tests
# start their own sshd with its own configuration, host key and port in a temporary directory.
# Run as root (the tests run it themselves when /usr/sbin/sshd is missing and they are root).
set -eu
need=""
[ -x /usr/sbin/sshd ] || need="$need openssh-server"
command -v ssh >/dev/null 2>&1 || need="$need openssh-client"
command -v setsid >/dev/null 2>&1 || need="$need util-linux"
if [ "${1:-}" = slurm ]; then
  [ -x /usr/sbin/slurmctld ] || need="$need slurm-wlm"
  [ -x /usr/sbin/munged ] || need="$need munge"
fi
if [ -z "$need" ]; then
  echo "install-engines.sh: everything asked for is installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-engines.sh: run as root to install:$need" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing on a fresh machine.
apt-get install -y -q --no-install-recommends $need >/dev/null 2>&1 || {
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends $need >/dev/null
}
# The package may start the system's sshd on port 22 (no init system here usually); the tests
# never use it.
echo "install-engines.sh: installed:$need"
