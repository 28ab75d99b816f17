#!/usr/bin/env bash
# The main job, for real: build sparkctl, bring up three lab hosts on this
# machine (lab/lab), build Spark and ZooKeeper tarballs from PyPI and Debian
# packages, deploy the ZooKeeper-HA cluster of inventories/lab.toml onto
# them, and show its status. Run as root after scripts/setup-debian.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
lab/lab build >/dev/null
lab/lab up 3
./target/release/sparkctl deploy inventories/lab.toml
./target/release/sparkctl status inventories/lab.toml
echo
echo "The cluster is running on the lab hosts. Try:"
echo "  lab/lab ssh hosta /opt/spark/current/bin/spark-submit --master spark://10.213.37.11:7077,10.213.37.12:7077 ..."
echo "  ./target/release/sparkctl stop inventories/lab.toml     # stop every daemon"
echo "  lab/lab down                                            # remove the lab hosts"
