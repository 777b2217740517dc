# Installation: headers, libraries, CMake package and pkg-config files, and
# (EVENTIDE_LIBEVENT_NAMES) the same library under libevent's link names.
include(CMakePackageConfigHelpers)

set(EVENTIDE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/eventide)
set(EVENTIDE_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS eventide eventide_static EXPORT eventideTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")
install(FILES ${EVENTIDE_GENERATED_INCLUDE}/event2/event-config.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/event2)

# --- What a C program linking the static library needs on top of the C runtime:
# the C++ runtime (libstdc++ and libm with GCC) and the threads library. CMake
# knows both lists, so the difference is exact for whichever toolchain built us.
set(EVENTIDE_STATIC_DEPS "")
foreach(lib ${CMAKE_CXX_IMPLICIT_LINK_LIBRARIES})
  if(NOT lib IN_LIST CMAKE_C_IMPLICIT_LINK_LIBRARIES AND NOT lib IN_LIST EVENTIDE_STATIC_DEPS)
    list(APPEND EVENTIDE_STATIC_DEPS ${lib})
  endif()
endforeach()
if(CMAKE_THREAD_LIBS_INIT MATCHES "^-l(.+)$")
  list(APPEND EVENTIDE_STATIC_DEPS ${CMAKE_MATCH_1})
endif()
set(EVENTIDE_PC_LIBS_PRIVATE "")
foreach(lib ${EVENTIDE_STATIC_DEPS})
  string(APPEND EVENTIDE_PC_LIBS_PRIVATE " -l${lib}")
endforeach()
if(CMAKE_THREAD_LIBS_INIT STREQUAL "-pthread")
  string(APPEND EVENTIDE_PC_LIBS_PRIVATE " -pthread")
endif()
string(STRIP "${EVENTIDE_PC_LIBS_PRIVATE}" EVENTIDE_PC_LIBS_PRIVATE)

# --- CMake package: find_package(eventide) -> eventide::eventide, eventide::eventide_static
install(EXPORT eventideTargets NAMESPACE eventide:: DESTINATION ${EVENTIDE_CMAKE_DIR})
configure_package_config_file(cmake/eventideConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/eventideConfig.cmake
  INSTALL_DESTINATION ${EVENTIDE_CMAKE_DIR})
# 0.x releases may break compatibility between minor versions.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/eventideConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/eventideConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/eventideConfigVersion.cmake
  DESTINATION ${EVENTIDE_CMAKE_DIR})

# --- pkg-config files. They are written at install time, so that the paths in
# them follow `cmake --install --prefix DIR` and not only the configure-time
# prefix; file(INSTALL) then honours DESTDIR and records them in the manifest.
# eventide_install_pc(COMPONENT comp [EXCLUDE_FROM_ALL] FILES name...)
function(eventide_install_pc)
  cmake_parse_arguments(arg "EXCLUDE_FROM_ALL" "COMPONENT" "FILES" ${ARGN})
  set(exclude "")
  if(arg_EXCLUDE_FROM_ALL)
    set(exclude EXCLUDE_FROM_ALL)
  endif()
  foreach(name ${arg_FILES})
    set(template ${PROJECT_SOURCE_DIR}/cmake/${name}.pc.in)
    set(stage ${CMAKE_CURRENT_BINARY_DIR}/pkgconfig-stage)
    # @VAR@ is filled now; ${VAR} is read when the install runs.
    string(CONFIGURE [=[
      set(prefix "${CMAKE_INSTALL_PREFIX}")
      set(libdir "@CMAKE_INSTALL_LIBDIR@")
      if(NOT IS_ABSOLUTE "${libdir}")
        set(libdir "\${exec_prefix}/${libdir}")
      endif()
      set(includedir "@CMAKE_INSTALL_INCLUDEDIR@")
      if(NOT IS_ABSOLUTE "${includedir}")
        set(includedir "\${prefix}/${includedir}")
      endif()
      set(PROJECT_VERSION "@PROJECT_VERSION@")
      set(EVENTIDE_LIBEVENT_VERSION "@EVENTIDE_LIBEVENT_VERSION@")
      set(EVENTIDE_PC_LIBS_PRIVATE "@EVENTIDE_PC_LIBS_PRIVATE@")
      # One staging file per destination: one tree may be installed into two prefixes at once.
      string(MD5 tag "$ENV{DESTDIR}${prefix}")
      configure_file("@template@" "@stage@/${tag}/@name@.pc" @ONLY)
      set(dest "@EVENTIDE_PKGCONFIG_DIR@")
      if(NOT IS_ABSOLUTE "${dest}")
        set(dest "${CMAKE_INSTALL_PREFIX}/${dest}")
      endif()
      file(INSTALL DESTINATION "${dest}" TYPE FILE FILES "@stage@/${tag}/@name@.pc")
    ]=] code @ONLY)
    install(CODE "${code}" COMPONENT ${arg_COMPONENT} ${exclude})
  endforeach()
endfunction()
set(default_component Unspecified)
if(CMAKE_INSTALL_DEFAULT_COMPONENT_NAME)
  set(default_component ${CMAKE_INSTALL_DEFAULT_COMPONENT_NAME})
endif()
eventide_install_pc(COMPONENT ${default_component} FILES eventide)

# --- libevent's names. libevent*.so and libevent*.a are GNU ld scripts (like
# glibc's libc.so) that name libeventide itself, so `-levent -levent_pthreads`
# resolves to one DT_NEEDED libeventide.so.N: one copy of the global state at
# run time, where real copies of the library would load it twice. The static
# scripts also pull in the C++ runtime so that `cc -static prog.c -levent` links.
# The rules always exist in component `libevent_names`; without the option they
# are left out of a plain install, and `cmake --install <dir> --component
# libevent_names` still adds them to an install of any build tree.
set(names_dir ${CMAKE_CURRENT_BINARY_DIR}/libevent-names)
set(static_deps "")
foreach(lib ${EVENTIDE_STATIC_DEPS})
  string(APPEND static_deps " -l${lib}")
endforeach()
set(names_files "")
foreach(name event event_core event_pthreads)
  file(GENERATE OUTPUT ${names_dir}/lib${name}.so CONTENT
"/* GNU ld script: lib${name} is eventide (libevent ${EVENTIDE_LIBEVENT_VERSION} API). */
INPUT($<TARGET_SONAME_FILE_NAME:eventide>)
")
  file(GENERATE OUTPUT ${names_dir}/lib${name}.a CONTENT
"/* GNU ld script: lib${name} is eventide (libevent ${EVENTIDE_LIBEVENT_VERSION} API), static. */
INPUT($<TARGET_FILE_NAME:eventide_static>${static_deps})
")
  list(APPEND names_files ${names_dir}/lib${name}.so ${names_dir}/lib${name}.a)
endforeach()
set(names_exclude EXCLUDE_FROM_ALL)
if(EVENTIDE_LIBEVENT_NAMES)
  set(names_exclude "")
endif()
install(FILES ${names_files} DESTINATION ${CMAKE_INSTALL_LIBDIR}
  COMPONENT libevent_names ${names_exclude})
eventide_install_pc(COMPONENT libevent_names ${names_exclude}
  FILES libevent libevent_core libevent_pthreads)
