// Random bytes behind a seam: QR handles, event ids, job names and keys draw
// from it; tests give a deterministic source.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "common/result.hpp"

namespace certprint {

// Fills the span with random bytes.
using RandomSource = std::function<Status(std::span<std::uint8_t>)>;

// OpenSSL's CSPRNG (RAND_bytes).
RandomSource system_random();

}  // namespace certprint
