# The Debian package, made by CPack's DEB generator from the install rules
# of this build (scripts/package-deb.sh runs it): the binaries the tests ran
# are the ones packaged, stripped, and the build needs no second compile.
# Configure with -DCMAKE_INSTALL_PREFIX=/usr: the programs look for their
# templates under the prefix they were built for.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME certprint)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "certprint developers <certprint-dev@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "print server for marriage-registration certificate booklets")
set(CPACK_PACKAGE_DESCRIPTION
    "certprintd renders the personal-information page and the QR page of each
marriage or divorce certificate booklet, prints them through CUPS in the
prescribed order and reports every step back to the registry's issuance
record. Clerks and technicians use its web console; certprint and certcal
are the command-line clients. It ships rastertopassbook, a CUPS filter for
24-pin ESC/P2 passbook printers, with PPDs for common models.")
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # certprint_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE "")
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # ${shlibs:Depends}, by dpkg-shlibdeps
# Beyond the libraries: the templates' font, systemd-sysusers and
# systemd-tmpfiles for the maintainer scripts (deb-systemd-helper is in the
# essential init-system-helpers).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "fonts-noto-cjk, systemd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "cups-daemon, cups-client")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/deb/postinst ${PROJECT_SOURCE_DIR}/packaging/deb/prerm
    ${PROJECT_SOURCE_DIR}/packaging/deb/postrm ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
