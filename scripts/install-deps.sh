#!/usr/bin/env bash
# Installs every build and test dependency of portico from Debian 12's
# packages. Idempotent: packages already present are skipped, and apt's lists
# are refreshed only when something is missing.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config clang libclang-rt-14-dev clang-format
  libasio-dev libssl-dev libcli11-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libcrypt-dev
  libgtest-dev libgmock-dev
  # peers the benchmark (bench/run.py) measures portico against; ProFTPD and
  # Pure-FTPd conflict with vsftpd, so bench/run.py unpacks them with
  # apt-get download + dpkg -x and only their libraries are installed here
  vsftpd python3-pyftpdlib openssl
  libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23
  libidn2-0 libacl1 libncursesw6 libcap2 libwrap0
  # real clients and tools the integration tests drive
  curl lftp wget python3 python3-pytest iproute2 nftables
  haproxy
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
