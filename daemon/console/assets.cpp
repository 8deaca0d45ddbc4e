#include "assets.hpp"

#include "embedded.hpp"

namespace certprint::console {
namespace {

std::string type_of(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

std::optional<Asset> find_asset(std::string_view path) {
  std::string_view name;
  if (path == "/")
    name = "index.html";
  else if (path.starts_with("/console/"))
    name = path.substr(9);
  else
    return std::nullopt;
  for (const auto& f : kEmbedded)
    if (f.name == name) return Asset{f.bytes, type_of(f.name)};
  return std::nullopt;
}

std::string_view content_security_policy() {
  return "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
         "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
}

}  // namespace certprint::console
