// Shared set-up for layout tests: the shipped marriage template, a text
// engine, and the info-page values of a made-up couple.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <string>

#include "layout/render.hpp"
#include "layout/template.hpp"
#include "layout/text.hpp"
#include "support/temp_dir.hpp"

namespace certprint::testing {

inline layout::Template marriage_template() {
  auto t = layout::load_template(source_dir() / "templates" / "marriage.json");
  REQUIRE(t.ok());
  return *t;
}

inline std::unique_ptr<layout::TextEngine> text_engine(const std::string& family) {
  auto e = layout::TextEngine::create(family);
  if (!e) FAIL(e.error().message);
  return std::move(*e);
}

inline std::map<std::string, std::string> sample_info_fields() {
  return {{"holder", "王小明"},
          {"registered_on", "2026年05月12日"},
          {"certificate_no", "J440106-2026-000123"},
          {"remarks", ""},
          {"male.name", "王小明"},
          {"male.sex", "男"},
          {"male.nationality", "中国"},
          {"male.birth_date", "1994年03月07日"},
          {"male.id_number", "440106199403071230"},
          {"female.name", "陈静"},
          {"female.sex", "女"},
          {"female.nationality", "中国"},
          {"female.birth_date", "1996年11月20日"},
          {"female.id_number", "44010619961120124X"}};
}

// A 45-character payload shaped like a real token (prefix + 42 Base45 characters).
inline std::string sample_payload() {
  static const std::string alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  std::string s = "CP:";
  for (int i = 0; i < 42; ++i) s += alphabet[(i * 17 + 5) % alphabet.size()];
  return s;
}

}  // namespace certprint::testing
