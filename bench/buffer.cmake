# evbuffer micro-benchmarks: one C source built against eventide and, when
# Debian's libevent-dev is installed, against libevent. Run both and compare
# the "name ns_per_op" lines (an argument picks one group: add, add_buffer,
# readln, search, socket).
add_executable(buffer_bench_eventide ${CMAKE_CURRENT_LIST_DIR}/buffer_bench.c)
target_link_libraries(buffer_bench_eventide PRIVATE eventide)

find_package(PkgConfig)
if(PkgConfig_FOUND)
  pkg_check_modules(BUFFER_BENCH_LIBEVENT IMPORTED_TARGET libevent)
endif()
if(BUFFER_BENCH_LIBEVENT_FOUND)
  add_executable(buffer_bench_libevent ${CMAKE_CURRENT_LIST_DIR}/buffer_bench.c)
  target_link_libraries(buffer_bench_libevent PRIVATE PkgConfig::BUFFER_BENCH_LIBEVENT)
endif()
