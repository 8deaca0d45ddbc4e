#include "layout/line_break.hpp"

#include <glib.h>

#include <algorithm>
#include <limits>

namespace certprint::layout {
namespace {

struct Char {
  char32_t c;
  std::size_t begin, end;  // bytes
};

std::vector<Char> decode(std::string_view s) {
  std::vector<Char> out;
  const char* const start = s.data();
  for (const char* p = start; p < start + s.size(); p = g_utf8_next_char(p)) {
    const char* next = g_utf8_next_char(p);
    out.push_back({g_utf8_get_char(p), static_cast<std::size_t>(p - start),
                   static_cast<std::size_t>(next - start)});
  }
  return out;
}

bool is_space(char32_t c) { return g_unichar_isspace(c); }

// Adds a break unless it would leave an empty line on either side.
void add_break(std::vector<LineBreak>& out, std::size_t line_end, std::size_t next_start,
               std::size_t text_bytes) {
  const std::size_t line_start = out.empty() ? 0 : out.back().next_start;
  if (line_end > line_start && next_start < text_bytes) out.push_back({line_end, next_start});
}

std::vector<LineBreak> after_dots(const std::vector<Char>& chars, std::size_t text_bytes) {
  std::vector<LineBreak> out;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (!is_name_dot(chars[i].c)) continue;
    std::size_t next = i + 1;
    while (next < chars.size() && is_space(chars[next].c)) ++next;
    add_break(out, chars[i].end, next < chars.size() ? chars[next].begin : text_bytes, text_bytes);
  }
  return out;
}

std::vector<LineBreak> between_words(const std::vector<Char>& chars, std::size_t text_bytes) {
  std::vector<LineBreak> out;
  for (std::size_t i = 0; i < chars.size(); ++i) {
    if (is_space(chars[i].c)) {
      std::size_t last = i;
      while (last + 1 < chars.size() && is_space(chars[last + 1].c)) ++last;
      add_break(out, chars[i].begin, chars[last].end, text_bytes);
      i = last;
    } else if (i + 1 < chars.size() && !is_space(chars[i + 1].c) &&
               (g_unichar_iswide(chars[i].c) || g_unichar_iswide(chars[i + 1].c))) {
      add_break(out, chars[i].end, chars[i].end, text_bytes);
    }
  }
  return out;
}

}  // namespace

bool is_name_dot(char32_t c) {
  switch (c) {
    case 0x00B7:  // MIDDLE DOT, the one GB/T 15834 prescribes
    case 0x0387:  // GREEK ANO TELEIA, canonically the same
    case 0x2022:  // BULLET
    case 0x2027:  // HYPHENATION POINT
    case 0x2219:  // BULLET OPERATOR
    case 0x22C5:  // DOT OPERATOR
    case 0x30FB:  // KATAKANA MIDDLE DOT
    case 0xFF65:  // HALFWIDTH KATAKANA MIDDLE DOT
      return true;
    default:
      return false;
  }
}

std::vector<LineBreak> name_breaks(std::string_view utf8) {
  const auto chars = decode(utf8);
  const bool dotted =
      std::any_of(chars.begin(), chars.end(), [](const Char& ch) { return is_name_dot(ch.c); });
  return dotted ? after_dots(chars, utf8.size()) : between_words(chars, utf8.size());
}

std::optional<std::vector<LineBreak>> balanced_breaks(const std::vector<LineBreak>& breaks,
                                                      std::size_t text_bytes, int lines,
                                                      const LineWidth& width) {
  if (lines < 1) return std::nullopt;
  const auto cuts = static_cast<std::size_t>(lines - 1);
  const std::size_t n = breaks.size();
  if (n < cuts) return std::nullopt;
  if (cuts == 0) return std::vector<LineBreak>{};
  // widest[m][j]: the narrowest widest line of lines 0..m when line m ends at
  // breaks[j]; from[m][j]: the break that ends line m-1 then.
  constexpr double kNone = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> widest(cuts, std::vector<double>(n, kNone));
  std::vector<std::vector<std::size_t>> from(cuts, std::vector<std::size_t>(n, 0));
  for (std::size_t j = 0; j < n; ++j) widest[0][j] = width(0, breaks[j].line_end);
  for (std::size_t m = 1; m < cuts; ++m)
    for (std::size_t j = m; j < n; ++j)
      for (std::size_t i = m - 1; i < j; ++i) {
        const double w =
            std::max(widest[m - 1][i], width(breaks[i].next_start, breaks[j].line_end));
        if (w < widest[m][j]) widest[m][j] = w, from[m][j] = i;
      }
  double best = kNone;
  std::size_t last = cuts - 1;
  for (std::size_t j = cuts - 1; j < n; ++j) {
    const double w = std::max(widest[cuts - 1][j], width(breaks[j].next_start, text_bytes));
    if (w < best) best = w, last = j;
  }
  std::vector<LineBreak> chosen(cuts);
  for (std::size_t m = cuts; m-- > 0;) {
    chosen[m] = breaks[last];
    last = from[m][last];
  }
  return chosen;
}

std::vector<std::string> split_lines(std::string_view text, const std::vector<LineBreak>& breaks) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (const LineBreak& b : breaks) {
    lines.emplace_back(text.substr(start, b.line_end - start));
    start = b.next_start;
  }
  lines.emplace_back(text.substr(start));
  return lines;
}

}  // namespace certprint::layout
