# Install tests: the installed package used the way libevent users use it.
# install.dropin installs this build tree (with the libevent names) into a temporary
# prefix and builds a libevent program with -levent, pkg-config and find_package;
# install.configure runs ./configure && make && make install on a copy of the source.
set(eventide_install_cflags "")
if(EVENTIDE_SANITIZE)
  # A program linked to a sanitized library needs the same runtime.
  set(eventide_install_cflags "-fsanitize=${EVENTIDE_SANITIZE}")
endif()
add_test(NAME install.dropin
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/install/dropin_test.sh
          --build ${PROJECT_BINARY_DIR} --config $<CONFIG> --cflags "${eventide_install_cflags}")
set_tests_properties(install.dropin PROPERTIES
  TIMEOUT 120 LABELS install ENVIRONMENT "CC=${CMAKE_C_COMPILER}")

add_test(NAME install.configure
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/install/configure_test.sh --source ${PROJECT_SOURCE_DIR})
# It builds the library with -j2: two of ctest's slots.
set_tests_properties(install.configure PROPERTIES
  TIMEOUT 300 LABELS "install;slow" PROCESSORS 2 ENVIRONMENT "CC=${CMAKE_C_COMPILER}")
