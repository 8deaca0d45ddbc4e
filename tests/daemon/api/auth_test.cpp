// Bearer tokens: the token file's format, lookups, and the header.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "daemon/api/auth.hpp"
#include "daemon/client/api_client.hpp"
#include "support/private_file.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::api;

namespace {

const std::string kClerkSecret(40, 'c');
const std::string kTechSecret(32, 't');

}  // namespace

TEST_CASE("auth: the token file maps secrets to a name and a role", "[daemon][api]") {
  auto t = TokenTable::parse(
      "# who may call\n"
      "\n"
      "clerk clerk-desk-3 " +
          kClerkSecret + "\n" + "technician tech-1 " + kTechSecret + "\n",
      "tokens");
  REQUIRE(t.ok());
  CHECK(t->size() == 2);
  auto clerk = t->find(kClerkSecret);
  REQUIRE(clerk);
  CHECK(clerk->name == "clerk-desk-3");
  CHECK(clerk->role == Role::clerk);
  CHECK(t->find(kTechSecret)->role == Role::technician);
  CHECK_FALSE(t->find(""));
  CHECK_FALSE(t->find(kClerkSecret + "x"));
  CHECK_FALSE(t->find(kClerkSecret.substr(1)));
}

TEST_CASE("auth: a bad token file is refused naming the line", "[daemon][api]") {
  struct Case {
    std::string text;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"", "no tokens"},
      {"# only a comment\n", "no tokens"},
      {"clerk clerk-1\n", "tokens:1: expected \"ROLE NAME SECRET\""},
      {"clerk clerk-1 " + kClerkSecret + " extra\n", "tokens:1: expected"},
      {"admin root " + kClerkSecret + "\n", "role \"admin\" is not registry"},
      {"\nclerk clerk-1 short\n", "tokens:2: the secret of \"clerk-1\" is shorter than 32"},
      {"clerk a " + kClerkSecret + "\nclerk b " + kClerkSecret + "\n",
       "tokens:2: the secret of \"b\" is used twice"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto t = TokenTable::parse(c.text, "tokens");
    REQUIRE_FALSE(t.ok());
    CHECK_THAT(t.error().message, Catch::Contains(c.says));
    // A refusal never echoes a secret.
    CHECK(t.error().message.find(kClerkSecret) == std::string::npos);
  }
}

TEST_CASE("auth: the token file is read from disk, and a missing one is named", "[daemon][api]") {
  testing::TempDir dir;
  testing::write_private(dir / "tokens", "verifier v-1 " + kTechSecret + "\n");
  auto t = TokenTable::load(dir / "tokens");
  REQUIRE(t.ok());
  CHECK(t->find(kTechSecret)->role == Role::verifier);
  auto missing = TokenTable::load(dir / "absent");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains((dir / "absent").string()));
}

TEST_CASE("auth: the bearer header and role names", "[daemon][api]") {
  CHECK(bearer_secret("Bearer abc") == "abc");
  CHECK(bearer_secret("Bearer ").empty());
  CHECK(bearer_secret("bearer abc").empty());
  CHECK(bearer_secret("Basic abc").empty());
  CHECK(bearer_secret("").empty());
  for (Role r : {Role::registry, Role::clerk, Role::technician, Role::verifier, Role::monitor})
    CHECK(role_from_string(to_string(r)) == r);
  CHECK(to_string(Role::monitor) == "monitor");
  CHECK_FALSE(role_from_string("root"));
}

TEST_CASE("auth: a token file group or others may read is refused, as ssh does", "[daemon][api]") {
  testing::TempDir dir;
  const auto file = dir / "tokens";
  testing::write_shared(file, "verifier v-1 " + kTechSecret + "\n");
  auto t = TokenTable::load(file);
  REQUIRE_FALSE(t.ok());
  CHECK_THAT(t.error().message, Catch::Contains(file.string()) && Catch::Contains("0644") &&
                                    Catch::Contains("chmod 600 " + file.string()));
  CHECK(t.error().message.find(kTechSecret) == std::string::npos);
  testing::write_private(file, "verifier v-1 " + kTechSecret + "\n");
  CHECK(TokenTable::load(file).ok());
}

TEST_CASE("auth: a token file with CRLF line ends reads as with LF", "[daemon][api]") {
  testing::TempDir dir;
  testing::write_private(dir / "tokens", "# tokens\r\n\r\nverifier v-1 " + kTechSecret +
                                             "\r\nclerk c-1 " + kClerkSecret + "\r\n");
  auto t = TokenTable::load(dir / "tokens");
  REQUIRE(t.ok());
  CHECK(t->size() == 2);
  REQUIRE(t->find(kTechSecret));
  CHECK(t->find(kTechSecret)->name == "v-1");
  CHECK_FALSE(t->find(kTechSecret + "\r"));
}

TEST_CASE("certprint --token-file: CRLF trimmed; group- or other-readable refused",
          "[daemon][client]") {
  testing::TempDir dir;
  const auto file = dir / "token";
  testing::write_private(file, kClerkSecret + "\r\n");
  auto ok = client::find_token(file.string(), nullptr);
  REQUIRE(ok.ok());
  CHECK(*ok == kClerkSecret);

  testing::write_shared(file, kClerkSecret + "\n");
  auto refused = client::find_token(file.string(), nullptr);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message,
             Catch::Contains("0644") && Catch::Contains("chmod 600 " + file.string()));
}
