# Compiler flags shared by every portico target, applied through the
# portico_flags interface library so that third-party code is unaffected.
add_library(portico_flags INTERFACE)
target_compile_options(portico_flags INTERFACE
  -Wall -Wextra -Wshadow -Wpedantic -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  -Wimplicit-fallthrough -Wformat=2
  # GCC 12 reports a false mismatched-new-delete inside every Asio coroutine
  # frame (GCC bug 109224); the frames are allocated and freed by Asio itself.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
if(PORTICO_WERROR)
  target_compile_options(portico_flags INTERFACE -Werror)
endif()
target_include_directories(portico_flags INTERFACE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(portico_flags INTERFACE
  PORTICO_VERSION="${PROJECT_VERSION}")

# Hardening for release builds (Debian's usual set).
if(CMAKE_BUILD_TYPE STREQUAL "Release" OR CMAKE_BUILD_TYPE STREQUAL "RelWithDebInfo")
  target_compile_options(portico_flags INTERFACE
    -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection
    -fcf-protection -fPIE)
  target_link_options(portico_flags INTERFACE -pie -Wl,-z,relro,-z,now)
endif()

if(PORTICO_SANITIZE)
  target_compile_options(portico_flags INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(portico_flags INTERFACE -fsanitize=address,undefined)
endif()
