// The files of web/ as the build embedded them (embed.cmake writes the
// definition). Internal to this folder: use assets.hpp.
#pragma once

#include <string_view>
#include <vector>

namespace certprint::console {

struct EmbeddedFile {
  std::string_view name;   // "console.js"
  std::string_view bytes;  // the file's bytes
};
extern const std::vector<EmbeddedFile> kEmbedded;

}  // namespace certprint::console
