# Writes OUT, a C++ file defining qnsim_bindings::source_digest() and build_config(): the SHA-256 of
# the native sources under ROOT (each file's path and SHA-256, in path order, and CMakeLists.txt),
# and CONFIG, the compiler and flags the build uses.
#
# Run by the build (CMakeLists.txt) as a step that depends on every source, not at configure time: a
# build after editing a .cc without reconfiguring (cmake --build, an editable install's rebuild)
# compiled the edit but kept the digest of the sources from the last configure, so a resumed sweep
# took the rows of two builds as one.
#
#   cmake -DROOT=<source dir> -DOUT=<file.cc> -DCONFIG=<text> -P source_digest.cmake
foreach(var ROOT OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "source_digest.cmake needs -D${var}=...")
  endif()
endforeach()
# Globbed here, at build time, so that a source added since the last configure is covered too.
file(GLOB_RECURSE sources "${ROOT}/cpp/*.cc" "${ROOT}/cpp/*.h")
list(FILTER sources EXCLUDE REGEX "(_perf|_test|\\.test)\\.cc$")
list(SORT sources)
set(text "")
foreach(src ${sources} "${ROOT}/CMakeLists.txt")
  file(RELATIVE_PATH rel "${ROOT}" "${src}")
  file(SHA256 "${src}" hash)
  string(APPEND text "${rel} ${hash}\n")
endforeach()
string(SHA256 digest "${text}")
string(REPLACE "\\" "\\\\" config "${CONFIG}")
string(REPLACE "\"" "\\\"" config "${config}")
set(content "// Written by cmake/source_digest.cmake at build time; do not edit.
namespace qnsim_bindings {
const char *source_digest() { return \"${digest}\"; }
const char *build_config() { return \"${config}\"; }
}  // namespace qnsim_bindings
")
file(WRITE "${OUT}" "${content}")
