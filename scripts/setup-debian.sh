#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian 12 machine, as
# root: ssh client and server (the lab's hosts run their own sshd), iproute2
# (network namespaces), Java 17 (Spark 4), python3 (PySpark jobs), ZooKeeper
# (its jars become the lab's ZooKeeper tarball), sudo (the `[ssh] sudo` test),
# nftables (the lab's SSH-only operator namespace), kubernetes-validate from
# PyPI (tests/k8s.rs validates the rendered Kubernetes manifests with it),
# a Spark Connect client in a venv of its own (tests/connect.rs), and the
# Rust toolchain's
# rustfmt/clippy if rustup is there. Idempotent; safe to run every time.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=(openssh-server openssh-client iproute2 openjdk-17-jdk-headless python3 python3-pip python3-venv curl tar gzip zookeeper procps sudo nftables)
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
# tests/connect.rs: a Spark Connect client on the operator's side, in a
# venv (not system-wide: its pandas/pyarrow/grpcio pins would clash with
# Debian's). PyPI's pyspark-client stops at 4.2.0 (there is no 4.3.0 on
# PyPI); Spark Connect serves older 4.x clients, and the test checks
# exactly that against the lab's 4.3.0 server.
cv=4.2.0
venv=/var/cache/sparkctl-lab/connect-client
if ! "$venv/bin/python" -c "import sys, pyspark; sys.exit(pyspark.__version__ != '$cv')" 2>/dev/null; then
  echo "setup: installing pyspark-client $cv (PyPI) into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "pyspark-client==$cv"
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
