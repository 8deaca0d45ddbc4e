#!/usr/bin/env bash
# Makes certprint_<version>_<arch>.deb from a built tree with CPack's DEB
# generator (cmake/CertprintPackage.cmake): the install rules of that build,
# binaries stripped, ${shlibs:Depends} from dpkg-shlibdeps, the maintainer
# scripts and conffiles of packaging/deb/.
#   scripts/package-deb.sh BUILD_DIR OUT_DIR
# BUILD_DIR must be built and configured with -DCMAKE_INSTALL_PREFIX=/usr.
# Prints the package's path last.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: scripts/package-deb.sh BUILD_DIR OUT_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
for tool in cpack dpkg-shlibdeps fakeroot; do
  command -v "$tool" >/dev/null ||
    { echo "package-deb: $tool is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
done
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
if [ "$prefix" != /usr ]; then
  echo "package-deb: $build is configured for the prefix '$prefix'; a package needs" \
       "-DCMAKE_INSTALL_PREFIX=/usr" >&2
  exit 2
fi
[ -f "$build/CPackConfig.cmake" ] || { echo "package-deb: $build has no CPackConfig.cmake" >&2; exit 2; }
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
# fakeroot: every file in the package belongs to root, whoever builds it.
(cd "$build" && fakeroot cpack --config CPackConfig.cmake -G DEB -B "$staging" >"$staging/cpack.log" 2>&1) ||
  { cat "$staging/cpack.log" >&2; echo "package-deb: cpack failed" >&2; exit 1; }
deb=$(find "$staging" -maxdepth 1 -name 'certprint_*.deb' -print -quit)
[ -n "$deb" ] || { cat "$staging/cpack.log" >&2; echo "package-deb: cpack made no package" >&2; exit 1; }
mv "$deb" "$out/"
echo "$out/$(basename "$deb")"
