// valid_utf8 and loggable: text from outside made safe to serialise and log.
#include <catch2/catch.hpp>

#include "common/text.hpp"

using namespace certprint;

TEST_CASE("valid_utf8 keeps well-formed text and replaces every bad byte", "[common]") {
  const std::string fffd = "\xEF\xBF\xBD";
  CHECK(valid_utf8("") == "");
  CHECK(valid_utf8("plain ascii") == "plain ascii");
  CHECK(valid_utf8("张伟 Ünïcödé 𝄞") == "张伟 Ünïcödé 𝄞");
  CHECK(valid_utf8("a\xff"
                   "b") == "a" + fffd + "b");
  CHECK(valid_utf8("\xc3") == fffd);                                   // cut short
  CHECK(valid_utf8("\xc0\xaf") == fffd + fffd);                        // overlong '/'
  CHECK(valid_utf8("\xe0\x80\xaf") == fffd + fffd + fffd);             // overlong
  CHECK(valid_utf8("\xed\xa0\x80") == fffd + fffd + fffd);             // a surrogate
  CHECK(valid_utf8("\xf4\x90\x80\x80") == fffd + fffd + fffd + fffd);  // above U+10FFFF
  CHECK(valid_utf8("\x80x") == fffd + "x");                            // a lone continuation
}

TEST_CASE("loggable escapes what could start or forge a log line", "[common]") {
  CHECK(loggable("GET /v1/printers") == "GET /v1/printers");
  CHECK(loggable("x\n<0>forged") == "x\\x0A<0>forged");
  CHECK(loggable("a\rb\tc\x7f"
                 "d") == "a\\x0Db\\x09c\\x7Fd");
  CHECK(loggable("back\\slash") == "back\\x5Cslash");
  CHECK(loggable("\xff") == "\xEF\xBF\xBD");
  CHECK(loggable("张伟") == "张伟");
}
