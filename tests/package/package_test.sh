#!/usr/bin/env bash
# The Debian package, as an administrator gets it: built from the tested
# build (scripts/package-deb.sh), judged by lintian (no error; every warning
# one tests/package/lintian-warnings lists and explains), then installed into
# a clean Debian 12 root made here with debootstrap from Debian's archive,
# where the installed programs run, the PPDs pass cupstestppd with the
# installed filter, and remove and purge leave what they promise.
#   package_test.sh SOURCE_DIR BUILD_DIR
# Needs root (debootstrap, chroot), lintian and debootstrap
# (scripts/install-deps.sh). Packages debootstrap fetches are kept in
# /var/cache/certprint-ci/debootstrap, and the host's apt cache is lent to
# the root, so a second run downloads little.
set -euo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
mirror=${CERTPRINT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap and chroot)"
for tool in lintian debootstrap dpkg-deb; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"
done

work=$(mktemp -d /var/tmp/certprint-package-XXXXXX)
root=$work/root
cleanup() {
  for m in var/cache/apt/archives dev/pts proc; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
  done
  rm -rf "$work"
}
trap cleanup EXIT

echo "package_test: building the package"
deb=$(bash "$src/scripts/package-deb.sh" "$build" "$work/dist" | tail -n 1)
[ -f "$deb" ] || fail "no package made"
name=$(basename "$deb")
version=$(dpkg-deb -f "$deb" Version)
[ "$name" = "certprint_${version}_$(dpkg --print-architecture).deb" ] || fail "file name $name"
echo "package_test: $name, $(du -k "$deb" | cut -f1) KiB"
dpkg-deb -f "$deb" Depends | grep -q 'libcups2' || fail "Depends lacks the shared libraries: $(dpkg-deb -f "$deb" Depends)"
dpkg-deb -f "$deb" Recommends | grep -q 'cups-daemon' || fail "cups-daemon is not recommended"
dpkg-deb -I "$deb" conffiles | grep -qx /etc/certprint/certprintd.conf || fail "certprintd.conf is not a conffile"
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|')
for path in /usr/bin/certprint /usr/bin/certcal /usr/sbin/certprintd \
            /usr/lib/cups/filter/rastertopassbook /usr/share/ppd/certprint/cp-plq20.ppd \
            /usr/share/certprint/templates/marriage.json /lib/systemd/system/certprintd.service \
            /usr/lib/sysusers.d/certprint.conf /usr/lib/tmpfiles.d/certprint.conf \
            /etc/certprint/certprintd.conf /usr/share/doc/certprint/deploy.md \
            /usr/share/doc/certprint/copyright /usr/share/doc/certprint/changelog.gz \
            /usr/share/man/man8/certprintd.8.gz /usr/share/man/man1/certprint.1.gz \
            /usr/share/man/man1/certcal.1.gz; do
  grep -qx "$path" <<<"$contents" || fail "the package lacks $path"
done

echo "package_test: lintian"
lintian --tag-display-limit 0 "$deb" >"$work/lintian.out" 2>&1 || true
cat "$work/lintian.out"
! grep -q '^E: ' "$work/lintian.out" || fail "lintian reports errors"
while read -r tag; do
  grep -q "^$tag\b" "$src/tests/package/lintian-warnings" ||
    fail "lintian warning '$tag' is not one tests/package/lintian-warnings explains"
done < <(sed -n 's/^W: certprint[^:]*: \([a-z0-9-]*\).*/\1/p' "$work/lintian.out" | sort -u)

echo "package_test: a clean Debian 12 root (debootstrap $mirror)"
mkdir -p /var/cache/certprint-ci/debootstrap
debootstrap --variant=minbase --cache-dir=/var/cache/certprint-ci/debootstrap bookworm "$root" \
  "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log"; fail "debootstrap"; }
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SOURCES
# No service starts inside the root.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

echo "package_test: apt install ./$name"
in_root apt-get update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update"; }
in_root apt-get install -y -q "/tmp/$name" >"$work/install.log" 2>&1 ||
  { tail -n 40 "$work/install.log"; fail "apt install"; }
grep -E '^certprint:' "$work/install.log" || true

echo "package_test: what the maintainer scripts did"
in_root getent passwd certprint >/dev/null || fail "no certprint user"
# Owners as the root's own user database names them.
owner() { in_root stat -c '%a %U %G' "$1"; }
[ "$(owner /etc/certprint)" = "750 root certprint" ] || fail "/etc/certprint is $(owner /etc/certprint)"
[ "$(owner /etc/certprint/keys)" = "750 root certprint" ] ||
  fail "/etc/certprint/keys is $(owner /etc/certprint/keys)"
ls "$root"/etc/certprint/keys/key-*.hex >/dev/null 2>&1 || fail "no first signing key"
[ "$(owner /etc/certprint/keys/key-1.hex)" = "600 root root" ] ||
  fail "the key is $(owner /etc/certprint/keys/key-1.hex)"
[ -L "$root/etc/systemd/system/multi-user.target.wants/certprintd.service" ] ||
  fail "certprintd.service is not enabled"

echo "package_test: the installed programs"
in_root certprintd --help >"$work/help.out" || fail "certprintd --help"
grep -q -- '--check' "$work/help.out" || fail "certprintd --help says nothing of --check"
in_root certprint render /usr/share/certprint/samples/marriage.json --out /tmp/out \
  --keys /etc/certprint/keys --dpi 360x180 --raster || fail "certprint render"
for page in male-info male-page5 female-info female-page5; do
  ls "$root"/tmp/out/*-"$page".pdf "$root"/tmp/out/*-"$page".png >/dev/null 2>&1 ||
    fail "certprint render wrote no $page PDF and PNG"
done
in_root certcal chart --page page5 --out /tmp/target.pdf || fail "certcal chart"
count=0
for ppd in "$root"/usr/share/ppd/certprint/*.ppd; do
  in_root cupstestppd "/usr/share/ppd/certprint/$(basename "$ppd")" || fail "cupstestppd $(basename "$ppd")"
  count=$((count + 1))
done
[ "$count" -ge 6 ] || fail "$count PPDs installed, expected 6"
gzip -dc "$root/usr/share/man/man8/certprintd.8.gz" | grep -q -- '--check' || fail "certprintd(8) lacks --check"

echo "package_test: remove keeps the store and the keys"
mkdir -p "$root/var/lib/certprint"
echo "a store" >"$root/var/lib/certprint/certprint.db"
in_root apt-get remove -y -q certprint >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "remove"; }
[ ! -e "$root/usr/sbin/certprintd" ] || fail "certprintd is still there after remove"
[ -f "$root/var/lib/certprint/certprint.db" ] || fail "remove deleted the store"
[ -f "$root/etc/certprint/keys/key-1.hex" ] || fail "remove deleted the keys"
[ -f "$root/etc/certprint/certprintd.conf" ] || fail "remove deleted the settings"

echo "package_test: purge deletes them, saying so"
in_root apt-get purge -y -q certprint >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
grep -q 'deleting the store' "$work/purge.log" || fail "purge did not say what it deletes"
rm -rf "$root/tmp/$name" "$root/tmp/out" "$root/tmp/target.pdf"  # this test's own files
left=$(cd "$root" && find . -xdev \( -path ./proc -o -path ./var/cache/apt/archives \) -prune -o \
  \( -name '*certprint*' -o -name 'rastertopassbook' -o -path './usr/share/ppd/certprint*' \) -print)
[ -z "$left" ] || fail "left after purge: $left"
echo "package_test: the certprint user stays, as Debian keeps system users"
echo "package_test: PASS"
