// Where a name may wrap and which of those places to use. Internal to the
// layout library (TextEngine::fit); pure, so it is tested without fonts.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace certprint::layout {

// A place a name may wrap, as byte offsets into its UTF-8 text: the line
// before it ends at `line_end`, the next begins at `next_start`. Spaces
// between the two are dropped (they are not drawn); a middle dot stays at
// the end of the line before.
struct LineBreak {
  std::size_t line_end = 0;
  std::size_t next_start = 0;
  bool operator==(const LineBreak&) const = default;
};

// The dots that separate the parts of a transliterated name: · U+00B7 (the
// standard one), and the look-alikes registry systems send for it: U+0387,
// U+2022, U+2027, U+2219, U+22C5, U+30FB, U+FF65.
bool is_name_dot(char32_t c);

// Where a name (valid UTF-8) may wrap. A name with a middle dot wraps only
// after its dots, so no part of a transliterated name is ever split. Any
// other name wraps between words (at runs of spaces) and between two
// characters of which one is wide (CJK), but never inside a Latin word,
// not even after a hyphen (a line ending in "-" would read as a hyphenated
// word, not as part of the name). No break leaves an empty line.
std::vector<LineBreak> name_breaks(std::string_view utf8);

// Measures the line text[from_byte, to_byte) in any unit.
using LineWidth = std::function<double(std::size_t from_byte, std::size_t to_byte)>;

// Chooses `lines - 1` of `breaks` (in order) so that the widest of the
// resulting lines is as narrow as it can be; `text_bytes` is the text's
// length. nullopt when there are fewer breaks than that.
std::optional<std::vector<LineBreak>> balanced_breaks(const std::vector<LineBreak>& breaks,
                                                      std::size_t text_bytes, int lines,
                                                      const LineWidth& width);

// The lines `breaks` cut `text` into (breaks in order).
std::vector<std::string> split_lines(std::string_view text, const std::vector<LineBreak>& breaks);

}  // namespace certprint::layout
