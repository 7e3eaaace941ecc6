# Finds every library Basalt uses. All come from Debian packages (scripts/setup.sh installs them); on the
# GPU machine the same Debian packages are unpacked next to the venv's libtorch (shared/gpu-build).
#
# Order matters: Protobuf and gRPC must be found before Torch, because the torch wheel ships protobuf
# headers of its own; and protobuf-generated code never shares a target with torch include paths.
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)          # CMake's FindProtobuf module (Debian ships no protobuf-config)
find_package(gRPC CONFIG REQUIRED)
find_package(absl CONFIG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)   # no CMake config is shipped
find_package(RapidJSON CONFIG REQUIRED)  # sets RAPIDJSON_INCLUDE_DIRS only
find_package(ICU REQUIRED COMPONENTS uc i18n data)
find_package(spdlog CONFIG REQUIRED)

if(NOT TARGET basalt_rapidjson)
  add_library(basalt_rapidjson INTERFACE)
  target_include_directories(basalt_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
  # std::string overloads, and no silent acceptance of NaN/Infinity in requests.
  target_compile_definitions(basalt_rapidjson INTERFACE RAPIDJSON_HAS_STDSTRING=1)
endif()

if(BASALT_BUILD_WORKER)
  find_package(Torch REQUIRED)
  message(STATUS "libtorch ${Torch_VERSION}; CUDA: ${TORCH_CUDA_LIBRARIES}")
  set(BASALT_CUDA OFF)
  if(TORCH_CUDA_LIBRARIES OR CAFFE2_USE_CUDA)
    set(BASALT_CUDA ON)
  endif()
endif()

if(BASALT_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
  find_program(NODE_EXECUTABLE node)
endif()
