#include "daemon/booklet/renderer_cache.hpp"

namespace certprint::booklet {

Result<BookletRenderer*> RendererCache::get(issuance::Kind kind) {
  auto& slot = renderers_[kind];
  if (!slot) {
    auto tmpl = load_template_for(templates_dir_, kind);
    if (!tmpl) return tmpl.error();
    auto made = BookletRenderer::create(std::move(*tmpl));
    if (!made) return made.error();
    slot = std::move(*made);
  }
  return slot.get();
}

}  // namespace certprint::booklet
