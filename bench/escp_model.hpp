// driver_bench's reading of printer bytes and its time model.
//
// analyse() reads the ESC/P and ESC/P2 commands either driver sends
// (rastertopassbook, CUPS's rastertoepson) into head passes: where each
// sweep prints (its first and last graphics column, in inches from the
// left margin) and how far the paper moved before it. Unknown bytes count
// as data. A pass is a run of graphics ended by CR, LF, FF or a feed.
//
// model_seconds() turns passes into a print time. The model, the same for
// every driver (an assumption, stated so the numbers can be judged):
//   - the carriage prints at kPrintSpeed (180 dpi graphics; 360 dpi at
//     half that, as 24-pin heads cannot fire adjacent dots faster) and
//     travels without printing at kSlewSpeed;
//   - every sweep costs kTurnaround (stopping and starting the carriage);
//   - unidirectional: each pass travels from the left margin to its first
//     column, prints to its last, and returns to the left margin;
//   - bidirectional (ESC U 0): passes alternate, the first left to right;
//     the head goes from where the last pass left it to the start of its
//     sweep (the first column going right, the last going left) and prints
//     across; there is no return;
//   - every paper move costs kFeedStart plus its distance at kFeedSpeed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace certprint::bench {

inline constexpr double kPrintSpeed = 10.0;  // inch/s, printing 180-dpi graphics
inline constexpr double kSlewSpeed = 25.0;   // inch/s, travelling without printing
inline constexpr double kTurnaround = 0.05;  // s per sweep
inline constexpr double kFeedStart = 0.02;   // s per paper move
inline constexpr double kFeedSpeed = 5.0;    // inch/s of paper

struct Pass {
  double x0 = 0, x1 = 0;  // printed span, inch from the left margin
  int dpi = 180;          // horizontal density of its graphics
};

struct Reading {
  std::size_t bytes = 0;
  bool bidirectional = false;
  std::vector<Pass> passes;
  int moves = 0;         // paper-move commands (LF, ESC J, ESC ( V / v)
  double feed_inch = 0;  // paper moved in all
};

namespace detail {

inline int graphics_dpi(unsigned mode) {
  switch (mode) {
    case 0:
      return 60;
    case 1:
    case 2:
      return 120;
    case 3:
      return 240;
    case 4:
      return 80;
    case 6:
      return 90;
    case 32:
      return 60;
    case 33:
      return 120;
    case 38:
      return 90;
    case 39:
      return 180;
    case 40:
      return 360;
    default:
      return mode >= 71 ? 360 : 180;
  }
}

struct Reader {
  explicit Reader(const std::string& bytes) : d(bytes) {}
  const std::string& d;
  Reading r;
  double unit = 1.0 / 60;  // ESC $ and ESC \ units until ESC ( U
  bool unit_set = false;
  double spacing = 1.0 / 6;
  double x = 0;  // head position, inch
  bool graphics = false;
  Pass pass;

  unsigned u(std::size_t i) const { return i < d.size() ? static_cast<unsigned char>(d[i]) : 0u; }
  void end_line() {
    if (graphics) r.passes.push_back(pass);
    graphics = false;
  }
  void feed(double inch) {
    end_line();
    ++r.moves;
    r.feed_inch += inch;
  }
  void print(std::size_t columns, int dpi) {
    const double x1 = x + static_cast<double>(columns) / dpi;
    if (!graphics) pass = {x, x1, dpi};
    pass.x0 = std::min(pass.x0, x);
    pass.x1 = std::max(pass.x1, x1);
    pass.dpi = std::max(pass.dpi, dpi);
    graphics = true;
    x = x1;
  }
  std::size_t extended(std::size_t i);
  std::size_t escape(std::size_t i);
  void run();
};

// ESC ( c nL nH ...: returns the bytes it takes.
inline std::size_t Reader::extended(std::size_t i) {
  const unsigned sub = u(i + 2), len = u(i + 3) | u(i + 4) << 8;
  if (sub == 'U') unit = u(i + 5) / 3600.0, unit_set = true;
  if (sub == 'V' || sub == 'v') {
    const double v = (u(i + 5) | u(i + 6) << 8) * unit;
    feed(sub == 'V' ? std::max(0.0, v - r.feed_inch) : v);  // absolute: from the top
  }
  return 5 + len;
}

// One ESC command at `i`: returns the bytes it takes.
inline std::size_t Reader::escape(std::size_t i) {
  switch (const unsigned cmd = u(i + 1)) {
    case '@':
      unit = 1.0 / 60, unit_set = false, spacing = 1.0 / 6, x = 0;
      return 2;
    case '2':
      spacing = 1.0 / 6;
      return 2;
    case '0':
      spacing = 1.0 / 8;
      return 2;
    case '3':
      spacing = u(i + 2) / 180.0;
      return 3;
    case 'A':
      spacing = u(i + 2) / 60.0;
      return 3;
    case 'J':
      feed(u(i + 2) / 180.0);
      return 3;
    case 'C':
      return u(i + 2) == 0 ? 4 : 3;
    case 'U':
      r.bidirectional = u(i + 2) == 0 || u(i + 2) == '0';
      return 3;
    case '$':
      x = (u(i + 2) | u(i + 3) << 8) * unit;
      return 4;
    case '\\': {
      const int n = static_cast<std::int16_t>(u(i + 2) | u(i + 3) << 8);
      x = std::max(0.0, x + n * (unit_set ? unit : 1.0 / 180));
      return 4;
    }
    case '*': {
      const unsigned mode = u(i + 2), n = u(i + 3) | u(i + 4) << 8;
      const unsigned per = mode >= 71 ? 6 : mode >= 32 ? 3 : 1;
      print(n, graphics_dpi(mode));
      return 5 + per * n;
    }
    case 'K':
    case 'L':
    case 'Y':
    case 'Z': {
      const unsigned n = u(i + 2) | u(i + 3) << 8;
      print(n, cmd == 'K' ? 60 : cmd == 'Z' ? 240 : 120);
      return 4 + n;
    }
    case '(':
      return extended(i);
    case 'x':
    case 'l':
    case 'Q':
    case 'N':
    case 'r':
    case 't':
    case 'k':
      return 3;
    default:
      return 2;  // ESC P, ESC M, ESC O, ESC g ...: no argument
  }
}

inline void Reader::run() {
  r.bytes = d.size();
  for (std::size_t i = 0; i < d.size();) {
    const unsigned ch = u(i);
    if (ch == 0x0A) {
      feed(spacing);
      ++i;
    } else if (ch == 0x0D || ch == 0x0C) {
      end_line();
      x = 0;
      ++i;
    } else if (ch == 0x1B) {
      i += escape(i);
    } else {
      ++i;  // DC2 and other single bytes
    }
  }
  end_line();
}

}  // namespace detail

inline Reading analyse(const std::string& bytes) {
  detail::Reader reader(bytes);
  reader.run();
  return reader.r;
}

// The print time of `passes` under the model above, with `moves` paper
// moves covering `feed_inch`.
inline double model_seconds(const std::vector<Pass>& passes, bool bidirectional, int moves,
                            double feed_inch) {
  double t = moves * kFeedStart + feed_inch / kFeedSpeed;
  double head = 0;  // inch from the left margin
  for (std::size_t i = 0; i < passes.size(); ++i) {
    const Pass& p = passes[i];
    const double print_speed = kPrintSpeed * 180.0 / std::max(180, p.dpi);
    const double sweep = kTurnaround + (p.x1 - p.x0) / print_speed;
    if (!bidirectional) {
      t += p.x0 / kSlewSpeed + sweep + kTurnaround + p.x1 / kSlewSpeed;
      continue;
    }
    const bool reverse = i % 2 == 1;
    const double start = reverse ? p.x1 : p.x0;
    t += std::abs(head - start) / kSlewSpeed + sweep;
    head = reverse ? p.x0 : p.x1;
  }
  return t;
}

inline double model_seconds(const Reading& r) {
  return model_seconds(r.passes, r.bidirectional, r.moves, r.feed_inch);
}

}  // namespace certprint::bench
