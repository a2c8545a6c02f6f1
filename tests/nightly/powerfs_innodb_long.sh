#!/usr/bin/env bash
# powerfs_innodb_long.sh — the InnoDB power-cut test with torn writes: 40
# cuts where 30 % of the pending pages (seeded) reach the disk in random
# order, as real disks tear writes. The post-cut datadir image and the
# operation trace of any cut that loses an acknowledged commit or stops
# recovery are kept under /var/tmp/lab-evidence/powerfs_innodb.NAME/ as evidence
# (a prototype saw "The first page of file ... is corrupted",
# possibly MDEV-27014 / MDEV-32968). A failure here may be a MariaDB
# finding, not a lab bug: read the evidence.
export POWERFS_CUTS=${POWERFS_CUTS:-40} POWERFS_KEEP=${POWERFS_KEEP:-0.3} POWERFS_EVIDENCE=1
exec bash "$(dirname "$0")/../integration/powerfs_innodb.sh"
