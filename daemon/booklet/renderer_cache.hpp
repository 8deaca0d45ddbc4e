// One renderer per kind of certificate, made from the template directory on
// first use and kept: loading the CJK font and the template is the slow part
// of rendering a booklet.
//
// Thread-safety: none. A renderer is not thread-safe either; give each
// thread its own cache, or guard one with a mutex.
#pragma once

#include <filesystem>
#include <map>
#include <memory>

#include "common/result.hpp"
#include "daemon/booklet/renderer.hpp"
#include "issuance/record.hpp"

namespace certprint::booklet {

class RendererCache {
 public:
  explicit RendererCache(std::filesystem::path templates_dir)
      : templates_dir_(std::move(templates_dir)) {}

  // The renderer for this kind; owned by the cache. Fails naming the
  // template file when it cannot be loaded (and tries again next time).
  Result<BookletRenderer*> get(issuance::Kind kind);

 private:
  std::filesystem::path templates_dir_;
  std::map<issuance::Kind, std::unique_ptr<BookletRenderer>> renderers_;
};

}  // namespace certprint::booklet
