# `cmake --install` puts the framework where an app outside this repository finds it:
#   include/cortado/*.h            the public headers (<cortado/route.h>, <cortado/app.h>, ...)
#   include/cortado/<module>/*.h   the module headers they include ("core/hub.h", "routing/route.h")
#   lib/libcortado_*.a             the framework's static libraries
#   lib/cmake/Cortado/             find_package(Cortado): Cortado::Server, Cortado::Client, Cortado::Test,
#                                  Cortado::Main and cortado_add_routes()
# tests/outoftree/ builds the README's own-app example against this and runs it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(cortado_framework_libraries
    cortado_protocol cortado_client cortado_metrics cortado_core cortado_routing cortado_auth cortado_storage cortado_cluster
    cortado_transport cortado_admin cortado_builtin_routes cortado_config cortado_app cortado_main cortado_testing)


set(cortado_export_names
    cortado_protocol Protocol cortado_client Client cortado_metrics Metrics cortado_core Core cortado_routing Routing cortado_auth Auth
    cortado_storage Storage cortado_cluster Cluster cortado_transport Transport cortado_admin Admin
    cortado_builtin_routes BuiltinRoutes cortado_config Config cortado_app App cortado_main Main
    cortado_testing Test cortado_server Server)
while(cortado_export_names)
    list(POP_FRONT cortado_export_names target name)
    set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
endwhile()

install(TARGETS ${cortado_framework_libraries} cortado_server
        EXPORT CortadoTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${CMAKE_INSTALL_INCLUDEDIR}/cortado)

install(DIRECTORY server/include/cortado DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES shared/cortado/protocol.h shared/cortado/jsonschema.h shared/client/cortado/client.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cortado)
foreach(module metrics core routing transport auth storage cluster admin config app testing)
    install(DIRECTORY server/${module} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cortado
            FILES_MATCHING PATTERN "*.h")
endforeach()

set(cortado_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/Cortado)
install(EXPORT CortadoTargets NAMESPACE Cortado:: DESTINATION ${cortado_cmake_dir})
configure_package_config_file(cmake/CortadoConfig.cmake.in
    ${CMAKE_CURRENT_BINARY_DIR}/CortadoConfig.cmake INSTALL_DESTINATION ${cortado_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/CortadoConfigVersion.cmake
    COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/CortadoConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/CortadoConfigVersion.cmake
              cmake/CortadoRoutes.cmake
        DESTINATION ${cortado_cmake_dir})
