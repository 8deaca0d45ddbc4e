// What a printer received, read back the way a person checks paper: the
// documents in job order, each identified by its content (Poppler text for
// an info page, the decoded and verified QR for page 5).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"
#include "support/read_file.hpp"

namespace certprint::testing {

// Documents in the order the printer got them: files named "<job-id>-...".
inline std::vector<std::string> received(const std::filesystem::path& dir, const std::string& ext) {
  std::vector<std::pair<long, std::filesystem::path>> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (!ext.empty() && e.path().extension() != ext) continue;
    files.emplace_back(std::stol(name.substr(0, name.find('-'))), e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> docs;
  for (const auto& [id, path] : files) docs.push_back(slurp(path));
  return docs;
}

inline std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

inline std::string without_spaces(std::string s) {
  std::erase(s, ' ');
  return s;
}

// "<issuance_id> <holder> info|page5", read from the document itself.
inline std::string identify(const std::string& pdf, const std::vector<issuance::Issuance>& records,
                            const token::KeyRing& keys) {
  std::string text = pdf_text(pdf);
  std::erase_if(text, [](char c) { return c == ' ' || c == '\n'; });
  if (!text.empty()) {
    for (const auto& r : records)
      if (text.find(r.certificate_no) != std::string::npos)
        for (auto h : {issuance::Holder::male, issuance::Holder::female})
          // The holder's name stands twice: as holder and in their own block.
          if (count(text, without_spaces(r.party(h).name)) >= 2)
            return r.issuance_id + " " + std::string(issuance::to_string(h)) + " info";
    return "unidentified info page";
  }
  auto scanned = decode_qr(rasterize_pdf(pdf, 360));
  if (!scanned) return "no QR found";
  for (const auto& r : records) {
    auto m = booklet::match_token(keys, r, *scanned);
    if (m.holder)
      return r.issuance_id + " " + std::string(issuance::to_string(*m.holder)) + " page5";
  }
  return "QR of no known booklet";
}

}  // namespace certprint::testing
