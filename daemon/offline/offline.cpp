#include "daemon/offline/offline.hpp"

#include "common/file.hpp"
#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "layout/calibration.hpp"
#include "layout/raster.hpp"

namespace certprint::offline {
namespace {

// Writes all files or none: each goes to a hidden temporary name first and
// is renamed into place only when every one of them was written. Each is
// made with mode 0600.
Status write_all(const std::filesystem::path& dir,
                 const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create output directory " + dir.string() + ": " + ec.message()};
  std::vector<std::filesystem::path> temps;
  auto cleanup = [&] {
    for (const auto& t : temps) std::filesystem::remove(t, ec);
  };
  for (const auto& [name, bytes] : files) {
    // Owner-only from creation: the pages show names and ID numbers. A
    // temporary left by an earlier run that died is made again, not reused.
    const auto tmp = dir / ("." + name + ".tmp");
    std::filesystem::remove(tmp, ec);
    if (auto s = create_private_file(tmp, bytes); !s) {
      cleanup();
      return s;
    }
    temps.push_back(tmp);
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::filesystem::rename(temps[i], dir / files[i].first, ec);
    if (ec) {
      cleanup();
      return Error{"cannot move " + files[i].first + " into " + dir.string() + ": " + ec.message()};
    }
  }
  return {};
}

}  // namespace

Status run_keygen(const KeygenCommand& cmd, const RandomSource& random, std::ostream& out) {
  auto key = token::generate_key(cmd.keys_dir, random);
  if (!key) return key.error();
  out << "new key " << int(key->id) << " written to " << cmd.keys_dir.string()
      << "; it signs every token from now on, older keys still verify\n";
  return {};
}

Result<std::vector<IssuedToken>> run_render(const RenderCommand& cmd,
                                            const issuance::ValidationOptions& validation,
                                            const RandomSource& random, std::ostream& out) {
  auto record = issuance::load_issuance_file(cmd.issuance_file, validation);
  if (!record) return record.error();
  auto keys = token::KeyRing::load_dir(cmd.keys_dir);
  if (!keys) return keys.error();
  booklet::RenderOptions options;
  options.device = {cmd.res};
  options.preview = true;
  options.preview_dpi = cmd.preview_dpi;
  if (cmd.calibration_file) {
    auto cal = layout::load_calibration(*cmd.calibration_file);
    if (!cal) return cal.error();
    options.calibration = *cal;
  }
  auto tmpl = booklet::load_template_for(cmd.templates_dir, record->kind);
  if (!tmpl) return tmpl.error();
  std::string forms[2];
  for (int i = 0; i < 2; ++i) {
    const auto& path = i == 0 ? cmd.info_form_pdf : cmd.page5_form_pdf;
    if (!path) continue;
    auto form = read_file(*path, "form");
    if (!form) return form.error();
    if (form->rfind("%PDF-", 0) != 0)
      return Error{"form " + path->string() + ": not a readable PDF file"};
    forms[i] = std::move(*form);
  }
  auto renderer = booklet::BookletRenderer::create(std::move(*tmpl), forms[0], forms[1]);
  if (!renderer) return renderer.error();

  std::vector<issuance::Holder> holders = record->holders();
  if (cmd.holder) {
    if (!record->booklet(*cmd.holder))
      return Error{"holder \"" + std::string(issuance::to_string(*cmd.holder)) +
                   "\": this issuance carries no such booklet"};
    holders = {*cmd.holder};
  }

  std::vector<IssuedToken> tokens;
  std::vector<std::pair<std::string, std::string>> files;
  for (issuance::Holder h : holders) {
    auto tok = booklet::issue_booklet_token(*keys, *record, h, random);
    if (!tok) return tok.error();
    auto pages = (*renderer)->render_booklet(*record, h, *tok, options);
    if (!pages) return pages.error();
    for (auto& page : *pages) {
      const std::string base = record->issuance_id + "-" + std::string(issuance::to_string(h)) +
                               "-" + std::string(issuance::to_string(page.kind));
      files.emplace_back(base + ".pdf", std::move(page.pdf));
      files.emplace_back(base + ".png", std::move(page.preview_png));
      if (cmd.write_raster) files.emplace_back(base + ".pbm", layout::to_pbm(*page.raster));
    }
    tokens.push_back({h, std::move(*tok)});
  }
  if (auto s = write_all(cmd.out_dir, files); !s) return s.error();
  for (const auto& [name, bytes] : files) out << "wrote " << (cmd.out_dir / name).string() << "\n";
  for (const auto& t : tokens)
    out << "token " << issuance::to_string(t.holder) << " " << t.token << "\n";
  return tokens;
}

Result<bool> run_verify(const VerifyCommand& cmd, const issuance::ValidationOptions& validation,
                        std::ostream& out) {
  auto record = issuance::load_issuance_file(cmd.issuance_file, validation);
  if (!record) return record.error();
  auto keys = token::KeyRing::load_dir(cmd.keys_dir);
  if (!keys) return keys.error();
  const booklet::TokenMatch m = booklet::match_token(*keys, *record, cmd.token);
  if (m.holder) {
    out << "match: the " << issuance::to_string(*m.holder) << " booklet of issuance "
        << record->issuance_id << " (stock serial " << record->booklet(*m.holder)->stock_serial
        << ")\n";
    return true;
  }
  switch (m.verdict) {
    case token::Verdict::malformed: {
      auto parts = token::decode(cmd.token);
      out << "no match: the token is malformed (" << (parts ? "?" : parts.error().message) << ")\n";
      break;
    }
    case token::Verdict::unknown_key:
      out << "no match: the token was signed with a key that is not in " << cmd.keys_dir.string()
          << "\n";
      break;
    default:
      out << "no match: the token belongs to none of this issuance's booklets\n";
  }
  return false;
}

}  // namespace certprint::offline
