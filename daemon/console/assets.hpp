// The web console's files, embedded in the binary at build time: the page
// certprintd serves at "/" and what it loads from "/console/".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace certprint::console {

struct Asset {
  std::string_view bytes;
  std::string content_type;  // with its charset for text
};

// The file of the console named by a request path: "/" is the page itself,
// "/console/NAME" one of its files. nullopt for anything else.
std::optional<Asset> find_asset(std::string_view path);

// The Content-Security-Policy every console answer carries: its own files
// only, no inline script, no framing.
std::string_view content_security_policy();

}  // namespace certprint::console
