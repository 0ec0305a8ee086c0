# The Debian package (./scripts/package, or `cpack -G DEB` in the build folder): cortado_<version>_amd64.deb
# with what an operator runs, not what an app developer builds against:
#   /usr/bin/cortado-server, /usr/bin/cortado-console      the example server and the admin console
#   /lib/systemd/system/cortado.service                    the service (user cortado, data in /var/lib/cortado)
#   /etc/cortado/cortado.env                               its settings (a conffile)
#   /usr/share/applications/cortado-console.desktop (+ icon), /usr/share/doc/cortado/ (README, docs)
#   /usr/share/cortado/js/                                 the browser client (also served at /cortado.js)
# These files are the `runtime` install component and EXCLUDE_FROM_ALL: a plain `cmake --install`
# (the framework for app developers, cmake/CortadoInstall.cmake) neither installs them nor writes
# to /etc; the package is made from that component alone. docs/packaging.md has the rest.
include(GNUInstallDirs)

install(TARGETS cortado-server cortado-console RUNTIME DESTINATION bin COMPONENT runtime EXCLUDE_FROM_ALL)
install(FILES packaging/cortado.service DESTINATION /lib/systemd/system COMPONENT runtime EXCLUDE_FROM_ALL)
# Readable by root only: an operator may put the JWT secret or a database password in it.
install(FILES packaging/cortado.env DESTINATION /etc/cortado
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ COMPONENT runtime EXCLUDE_FROM_ALL)
install(FILES packaging/cortado-console.desktop DESTINATION share/applications COMPONENT runtime EXCLUDE_FROM_ALL)
install(FILES packaging/cortado-console.svg DESTINATION share/icons/hicolor/scalable/apps
        COMPONENT runtime EXCLUDE_FROM_ALL)
install(FILES README.md packaging/copyright DESTINATION share/doc/cortado COMPONENT runtime EXCLUDE_FROM_ALL)
# README links to docs/x.md; installed side by side, so the links in docs/ between pages still work.
file(GLOB cortado_doc_pages CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${cortado_doc_pages} DESTINATION share/doc/cortado/docs COMPONENT runtime EXCLUDE_FROM_ALL)
# The browser client (ES module and TypeScript declarations), for pages served by another web server.
install(FILES shared/js/cortado.js shared/js/cortado.d.ts DESTINATION share/cortado/js COMPONENT runtime EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cortado)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Cortado")
set(CPACK_PACKAGE_CONTACT "Cortado maintainers <maintainers@users.noreply.r-seed-b240193e.example>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Realtime server on Qt 6 (WebSocket rooms, REST) and its admin console")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}
 Cortado serves REST and WebSocket routes on one port, with rooms, presence, acks,
 history with recovery (SQLite or PostgreSQL) and clustering on Redis.
 .
 This package holds the example server (cortado-server) as the systemd service
 cortado.service (user cortado, settings in /etc/cortado/cortado.env, data in
 /var/lib/cortado), the admin console (cortado-console) and
 the browser client (cortado.js) in /usr/share/cortado/js.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Only the runtime component, as one package (the framework's headers and libraries are left out).
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};Cortado;runtime;/")
set(CPACK_PACKAGE_FILE_NAME "cortado_${PROJECT_VERSION}_amd64")
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the binaries' shared libraries (dpkg-shlibdeps, in dpkg-dev), plus what is loaded at
# run time and so invisible to it: Qt's SQLite driver (the default storage; /health says "degraded"
# without it) and the QML modules the console's views import (Qt Quick's file dialog also needs
# Qt.labs.folderlistmodel, missing from qml6-module-qtquick-dialogs' own Depends). passwd: useradd when adduser is absent.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libqt6sql6-sqlite, qml6-module-qtquick, qml6-module-qtquick-controls, qml6-module-qtquick-layouts, qml6-module-qtquick-templates, qml6-module-qtquick-window, qml6-module-qtqml-workerscript, qml6-module-qtcharts, qml6-module-qtquick-dialogs, qml6-module-qt-labs-folderlistmodel, passwd")
# The console's window needs a platform plugin (xcb, wayland); a headless server does not.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "qt6-qpa-plugins")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_SOURCE_DIR}/packaging/debian/postrm
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Stripped binaries in the package (the build folder keeps its debug information).
set(CPACK_STRIP_FILES ON)
include(CPack)
