// Follows a CUPS raster stream (v1, v2 or v3) byte by byte on its way to
// libcups and judges every page header before libcups has the whole of it.
// libcups sizes its line buffers from a header's cupsBytesPerLine as soon as
// it has read the header, before the filter can look at the page, so a
// hostile header on any page would make it allocate gigabytes. The guard
// ends the stream just before a header it refuses: libcups then finds no
// further page, and the filter reports why.
#pragma once

#include <cups/raster.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace certprint::escp {

class RasterGuard {
 public:
  // What is wrong with a page header, or "" when the filter can print it.
  // It must refuse anything but 1 or 8 bits a pixel in chunked order: the
  // guard counts compressed rows in bytes.
  using Judge = std::function<std::string(const cups_page_header2_t&)>;
  explicit RasterGuard(Judge judge) : judge_(std::move(judge)) {}

  // Looks at the next `n` bytes of the stream; returns how many of them may
  // go on to libcups: all of them, or, once a header is refused, only those
  // before it (and 0 from then on).
  std::size_t pass(const unsigned char* bytes, std::size_t n);

  bool refused() const { return part_ == Part::refused; }
  // Why; "page N: ..." for a header.
  const std::string& problem() const { return problem_; }

 private:
  enum class Part { sync, header, plain_rows, line_start, run, run_data, refused };
  bool step(unsigned char byte);
  bool take_sync();
  bool take_header();
  void next_lines();

  Judge judge_;
  Part part_ = Part::sync;
  bool little_endian_ = true;                               // the writer's byte order
  bool packed_ = false;                                     // v2: rows run-length encoded
  std::size_t header_bytes_ = sizeof(cups_page_header2_t);  // v1: sizeof(cups_page_header_t)
  std::array<unsigned char, sizeof(cups_page_header2_t)> header_{};
  std::size_t have_ = 0;              // bytes of the sync word or header so far
  int page_ = 0;                      // headers seen
  std::uint64_t plain_left_ = 0;      // v1/v3: bytes of the page's rows to go
  std::uint32_t bytes_per_line_ = 0;  // v2: of the current page
  std::uint32_t lines_left_ = 0;      // v2: lines of the page to go
  std::uint32_t repeat_left_ = 0;     // v2: lines the last row still stands for
  std::uint32_t line_left_ = 0;       // v2: bytes of the current line to go
  std::uint32_t data_left_ = 0;       // v2: bytes of the current run to go
  std::string problem_;
};

}  // namespace certprint::escp
