#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "token/token.hpp"

namespace {

using certprint::token::base45_decode;
using certprint::token::base45_encode;

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::string decode_to_string(std::string_view text) {
  auto r = base45_decode(text);
  REQUIRE(r.ok());
  return {r->begin(), r->end()};
}

}  // namespace

TEST_CASE("base45 encodes the RFC 9285 examples", "[token]") {
  CHECK(base45_encode(bytes_of("AB")) == "BB8");
  CHECK(base45_encode(bytes_of("Hello!!")) == "%69 VD92EX0");
  CHECK(base45_encode(bytes_of("base-45")) == "UJCLQE7W581");
  CHECK(base45_encode(bytes_of("ietf!")) == "QED8WEX0");
  CHECK(base45_encode({}) == "");
}

TEST_CASE("base45 decodes the RFC 9285 examples", "[token]") {
  CHECK(decode_to_string("BB8") == "AB");
  CHECK(decode_to_string("%69 VD92EX0") == "Hello!!");
  CHECK(decode_to_string("UJCLQE7W581") == "base-45");
  CHECK(decode_to_string("QED8WEX0") == "ietf!");
  CHECK(decode_to_string("") == "");
}

TEST_CASE("base45 puts the least significant digit first", "[token]") {
  // 0x0001 = 1 -> "100"; 0x00 0x2d = 45 -> "010"; a lone 0x01 -> "10".
  CHECK(base45_encode(std::vector<std::uint8_t>{0x00, 0x01}) == "100");
  CHECK(base45_encode(std::vector<std::uint8_t>{0x00, 0x2d}) == "010");
  CHECK(base45_encode(std::vector<std::uint8_t>{0x01}) == "10");
}

TEST_CASE("base45 decodes the largest values that fit", "[token]") {
  // 65535 = 15 + 16*45 + 32*45^2 -> "FGW"; 255 = 30 + 5*45 -> "U5".
  auto max2 = base45_decode("FGW");
  REQUIRE(max2.ok());
  CHECK(*max2 == std::vector<std::uint8_t>{0xff, 0xff});
  auto max1 = base45_decode("U5");
  REQUIRE(max1.ok());
  CHECK(*max1 == std::vector<std::uint8_t>{0xff});
}

TEST_CASE("base45 refuses invalid input", "[token]") {
  SECTION("a triplet over 65535") {
    auto r = base45_decode("GGW");  // 16 + 16*45 + 32*2025 = 65536
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("65536") && Catch::Contains("GGW"));
  }
  SECTION("the largest triplet") {
    auto r = base45_decode(":::");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("91124"));
  }
  SECTION("a triplet over 65535 after valid ones") {
    auto r = base45_decode("BB8GGW");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("position 3"));
  }
  SECTION("a final pair over 255") {
    auto r = base45_decode("BB8V5");  // 31 + 5*45 = 256
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("256"));
  }
  SECTION("a lone trailing character") {
    CHECK_FALSE(base45_decode("A").ok());
    auto r = base45_decode("BB8A");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("single character"));
  }
  SECTION("lowercase letters") {
    auto r = base45_decode("bb8");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("'b'") && Catch::Contains("position 0"));
  }
  SECTION("characters outside the alphabet") {
    for (std::string_view bad : {"BB#", "B_8", "BB\n", "\xe4\xb8\xad"}) {
      INFO("input: " << bad);
      CHECK_FALSE(base45_decode(bad).ok());
    }
    auto r =
        base45_decode(std::string_view("B\0"
                                       "8",
                                       3));
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("0x00") && Catch::Contains("position 1"));
  }
}

TEST_CASE("base45 round-trips random bytes", "[token]") {
  std::mt19937 rng(20260512);
  std::uniform_int_distribution<int> byte(0, 255);
  for (std::size_t len = 0; len <= 70; ++len) {
    for (int rep = 0; rep < 20; ++rep) {
      std::vector<std::uint8_t> in(len);
      for (auto& b : in) b = static_cast<std::uint8_t>(byte(rng));
      const std::string text = base45_encode(in);
      INFO("length " << len << " text " << text);
      CHECK(text.size() == len / 2 * 3 + len % 2 * 2);
      auto out = base45_decode(text);
      REQUIRE(out.ok());
      CHECK(*out == in);
    }
  }
}

TEST_CASE("base45 round-trips the extreme byte pairs", "[token]") {
  for (std::vector<std::uint8_t> in :
       {std::vector<std::uint8_t>{0x00, 0x00}, std::vector<std::uint8_t>{0xff, 0xff},
        std::vector<std::uint8_t>{0x00}, std::vector<std::uint8_t>{0xff},
        std::vector<std::uint8_t>{0xff, 0xff, 0xff}}) {
    auto out = base45_decode(base45_encode(in));
    REQUIRE(out.ok());
    CHECK(*out == in);
  }
}
