// The fixed 64-byte header at the start of every model file (little-endian):
//
//   offset size field
//        0    8 magic "WASMTRCH"
//        8    4 format version (kFormatVersion; these constants: schema/contract.toml)
//       12    4 header size (64)
//       16    8 flatbuffer offset        24 8 flatbuffer size
//       32    8 weights offset (64-aligned)  40 8 weights size
//       48    4 CRC-32 (IEEE) of bytes [64, file size)
//       52    4 reserved (0)
//       56    8 file size
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/contract.h"
#include "core/status.h"

namespace wt {

using contract::kFileMagic;
using contract::kFlatbufferAlignment;
using contract::kFormatVersion;
using contract::kHeaderSize;
using contract::kWeightsAlignment;

struct FileHeader {
  uint32_t format_version;
  uint64_t flatbuffer_offset;
  uint64_t flatbuffer_size;
  uint64_t weights_offset;
  uint64_t weights_size;
  uint32_t checksum;
  uint64_t file_size;
};

// Parses and range-checks the header against the real buffer size, and verifies the checksum.
Result<FileHeader> parse_file_header(const uint8_t* data, size_t size);

uint32_t crc32_ieee(const uint8_t* data, size_t size);

}  // namespace wt
