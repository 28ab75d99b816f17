#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian 12 machine, as
# root: ssh client and server (the lab's hosts run their own sshd), iproute2
# (network namespaces), Java 17 (Spark 4), python3 (PySpark jobs), ZooKeeper
# (its jars become the lab's ZooKeeper tarball), sudo (the `[ssh] sudo` test),
# nftables (the lab's SSH-only operator namespace), kubernetes-validate from
# PyPI (tests/k8s.rs validates the rendered Kubernetes manifests with it),
# and the Rust toolchain's
# rustfmt/clippy if rustup is there. Idempotent; safe to run every time.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=(openssh-server openssh-client iproute2 openjdk-17-jdk-headless python3 python3-pip curl tar gzip zookeeper procps sudo nftables)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Pinned: tests/k8s.rs validates against a Kubernetes version this release bundles.
kv=1.37.0
if ! kubernetes-validate --version 2>/dev/null | grep -qx "$kv"; then
  echo "setup: installing kubernetes-validate $kv (PyPI)" >&2
  # Debian 12's pip refuses system-wide installs without the flag (PEP 668).
  python3 -m pip install --quiet "kubernetes-validate==$kv" 2>/dev/null ||
    python3 -m pip install --quiet --break-system-packages "kubernetes-validate==$kv"
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found; install Rust (rustup) first" >&2
  exit 1
fi
if command -v rustup >/dev/null 2>&1; then
  rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt >/dev/null 2>&1 || true
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy >/dev/null 2>&1 || true
fi
echo "setup: ok" >&2
