#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "token/token.hpp"

namespace {

namespace fs = std::filesystem;
using certprint::Error;
using certprint::Status;
using certprint::testing::TempDir;
using namespace certprint;
using namespace certprint::token;

// Deterministic bytes, so a failure can be reproduced.
RandomSource counting_random(std::uint8_t start = 0) {
  return [next = start](std::span<std::uint8_t> out) mutable -> Status {
    for (auto& b : out) b = next++;
    return Status::success();
  };
}

const std::string kHex64 = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

// Key files are for their owner only (load_dir refuses any other mode).
void write_file(const fs::path& p, const std::string& content) {
  {
    std::ofstream out(p, std::ios::binary);
    out << content;
    REQUIRE(out.good());
  }
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string load_error(const fs::path& dir) {
  auto r = KeyRing::load_dir(dir);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

TEST_CASE("load_dir reads key files with and without a trailing newline", "[token]") {
  TempDir dir;
  write_file(dir / "key-1.hex", kHex64 + "\n");
  write_file(dir / "key-7.hex", std::string(64, 'f'));
  write_file(dir / "README", "not a key");
  write_file(dir / "key-2.hex.bak", "ignored: not named key-*.hex");
  write_file(dir / "key-3.txt", "ignored too");

  auto ring = KeyRing::load_dir(dir.path());
  REQUIRE(ring.ok());
  REQUIRE(ring->keys().size() == 2);
  CHECK(ring->keys()[0].id == 1);
  CHECK(ring->keys()[1].id == 7);
  CHECK(ring->signing_key().id == 7);
  CHECK(ring->keys()[0].secret[0] == 0x00);
  CHECK(ring->keys()[0].secret[10] == 0x0a);
  CHECK(ring->keys()[0].secret[31] == 0x1f);
  CHECK(ring->keys()[1].secret[0] == 0xff);
  REQUIRE(ring->find(1) != nullptr);
  CHECK(ring->find(1)->id == 1);
  CHECK(ring->find(2) == nullptr);
  CHECK(ring->find(0) == nullptr);
  CHECK(ring->find(255) == nullptr);
}

TEST_CASE("load_dir reads a key folder as systemd's LoadCredential= hands it over", "[token]") {
  // LoadCredential=keys:/etc/certprint/keys loads each file of the folder as
  // a credential of its own, named keys_FILE (a subfolder's: keys_SUB_FILE),
  // into $CREDENTIALS_DIRECTORY; there is no keys/ folder there.
  TempDir creds;
  write_file(creds / "keys_key-2.hex", kHex64 + "\n");
  write_file(creds / "keys_retired_key-1.hex", std::string(64, 'f'));
  write_file(creds / "tokens", "not a key");
  write_file(creds / "other_key-9.hex", std::string(64, 'e'));  // another credential's
  auto ring = KeyRing::load_dir(creds / "keys");
  REQUIRE(ring.ok());
  REQUIRE(ring->keys().size() == 2);
  CHECK(ring->keys()[0].id == 1);
  CHECK(ring->keys()[1].id == 2);
  CHECK(ring->signing_key().id == 2);  // the retired one verifies only
  CHECK(ring->keys()[0].secret[0] == 0xff);
  // The same rules as a folder: a malformed key is named.
  write_file(creds / "keys_key-3.hex", "short");
  CHECK_THAT(load_error(creds / "keys"), Catch::Contains("keys_key-3.hex"));
}

TEST_CASE("load_dir refuses a missing, non-directory or empty key directory", "[token]") {
  TempDir dir;
  SECTION("missing") {
    CHECK_THAT(load_error(dir / "nope"),
               Catch::Contains("nope") && Catch::Contains("does not exist"));
  }
  SECTION("a file, not a directory") {
    write_file(dir / "plain", "x");
    CHECK_THAT(load_error(dir / "plain"), Catch::Contains("not a directory"));
  }
  SECTION("empty") { CHECK_THAT(load_error(dir.path()), Catch::Contains("no key-<id>.hex files")); }
  SECTION("only other files") {
    write_file(dir / "notes.txt", "x");
    CHECK_THAT(load_error(dir.path()), Catch::Contains("no key-<id>.hex files"));
  }
}

TEST_CASE("load_dir refuses malformed key files and names the file", "[token]") {
  TempDir dir;
  write_file(dir / "key-1.hex", kHex64 + "\n");  // a good key next to the bad one

  SECTION("uppercase hex") {
    std::string upper = kHex64;
    upper[21] = 'A';
    write_file(dir / "key-2.hex", upper);
    const auto msg = load_error(dir.path());
    CHECK_THAT(msg, Catch::Contains("key-2.hex") && Catch::Contains("lowercase hex") &&
                        Catch::Contains("character 22 is an uppercase hex digit"));
  }
  SECTION("not hex") {
    std::string bad = kHex64;
    bad[0] = 'g';
    write_file(dir / "key-2.hex", bad);
    CHECK_THAT(load_error(dir.path()),
               Catch::Contains("key-2.hex") && Catch::Contains("character 1 is not a hex digit"));
  }
  SECTION("the error does not echo the secret") {
    std::string bad = kHex64;
    bad[63] = 'z';
    write_file(dir / "key-2.hex", bad);
    CHECK_THAT(load_error(dir.path()), !Catch::Contains(kHex64.substr(0, 16)));
  }
  SECTION("too short") {
    write_file(dir / "key-2.hex", kHex64.substr(0, 63) + "\n");
    CHECK_THAT(load_error(dir.path()),
               Catch::Contains("key-2.hex") && Catch::Contains("found 63 characters"));
  }
  SECTION("too long") {
    write_file(dir / "key-2.hex", kHex64 + "00");
    CHECK_THAT(load_error(dir.path()),
               Catch::Contains("key-2.hex") && Catch::Contains("found 66 characters"));
  }
  SECTION("empty file") {
    write_file(dir / "key-2.hex", "");
    CHECK_THAT(load_error(dir.path()),
               Catch::Contains("key-2.hex") && Catch::Contains("found 0 characters"));
  }
  SECTION("two lines") {
    write_file(dir / "key-2.hex", kHex64 + "\n\n");
    CHECK_THAT(load_error(dir.path()), Catch::Contains("key-2.hex") && Catch::Contains("one line"));
  }
  SECTION("a carriage return beyond one CRLF line end") {
    write_file(dir / "key-2.hex", kHex64 + "\r\r\n");
    CHECK_THAT(load_error(dir.path()), Catch::Contains("key-2.hex") && Catch::Contains("one line"));
  }
  SECTION("huge file") {
    write_file(dir / "key-2.hex", std::string(100000, '0'));
    CHECK_THAT(load_error(dir.path()),
               Catch::Contains("key-2.hex") && Catch::Contains("100000 bytes"));
  }
  SECTION("a directory with a key file name") {
    fs::create_directory(dir / "key-2.hex");
    CHECK_THAT(load_error(dir.path()),
               Catch::Contains("key-2.hex") && Catch::Contains("not a regular file"));
  }
  SECTION("bad ids in the file name") {
    for (const char* name : {"key-0.hex", "key-256.hex", "key-abc.hex", "key-1a.hex", "key--1.hex",
                             "key-0001.hex", "key- 1.hex"}) {
      TempDir other;
      write_file(other / "key-1.hex", kHex64);
      write_file(other / name, kHex64);
      INFO(name);
      CHECK_THAT(load_error(other.path()),
                 Catch::Contains(name) && Catch::Contains("should be a number from 1 to 255"));
    }
  }
  SECTION("duplicate ids") {
    write_file(dir / "key-01.hex", kHex64);
    CHECK_THAT(load_error(dir.path()), Catch::Contains("key-1.hex") &&
                                           Catch::Contains("key-01.hex") &&
                                           Catch::Contains("both have id 1"));
  }
}

TEST_CASE("from_keys sorts by id and signs with the highest", "[token]") {
  Key a;
  a.id = 9;
  Key b;
  b.id = 2;
  const auto ring = KeyRing::from_keys({a, b});
  REQUIRE(ring.keys().size() == 2);
  CHECK(ring.keys()[0].id == 2);
  CHECK(ring.signing_key().id == 9);
  CHECK(ring.find(9) == &ring.keys()[1]);
}

TEST_CASE("generate_key creates the directory 0700 and a 0600 key file", "[token]") {
  TempDir tmp;
  const fs::path dir = tmp / "state" / "keys";

  auto key = generate_key(dir, counting_random());
  REQUIRE(key.ok());
  CHECK(key->id == 1);
  CHECK(mode_of(dir) == 0700);
  const fs::path file = dir / "key-1.hex";
  REQUIRE(fs::exists(file));
  CHECK(mode_of(file) == 0600);
  CHECK(read_file(file) == kHex64 + "\n");

  // Nothing but the key file: the temporary file is gone.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  CHECK(names == std::vector<std::string>{"key-1.hex"});

  auto ring = KeyRing::load_dir(dir);
  REQUIRE(ring.ok());
  REQUIRE(ring->keys().size() == 1);
  CHECK(ring->signing_key().secret == key->secret);
}

TEST_CASE("generate_key keeps the mode of an existing directory", "[token]") {
  TempDir tmp;
  fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  auto key = generate_key(tmp.path(), counting_random());
  REQUIRE(key.ok());
  CHECK(mode_of(tmp.path()) == 0750);
  CHECK(mode_of(tmp / "key-1.hex") == 0600);
}

TEST_CASE("generate_key writes 0600 whatever the umask", "[token]") {
  TempDir tmp;
  const mode_t old = ::umask(0);
  auto key = generate_key(tmp / "keys", counting_random());
  ::umask(old);
  REQUIRE(key.ok());
  CHECK(mode_of(tmp / "keys") == 0700);
  CHECK(mode_of(tmp / "keys" / "key-1.hex") == 0600);
}

TEST_CASE("generate_key takes the next id after the highest", "[token]") {
  TempDir dir;
  auto first = generate_key(dir.path(), counting_random(0));
  auto second = generate_key(dir.path(), counting_random(100));
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->id == 1);
  CHECK(second->id == 2);
  CHECK(first->secret != second->secret);

  write_file(dir / "key-40.hex", kHex64);
  auto third = generate_key(dir.path(), counting_random(200));
  REQUIRE(third.ok());
  CHECK(third->id == 41);
  CHECK(fs::exists(dir / "key-41.hex"));

  auto ring = KeyRing::load_dir(dir.path());
  REQUIRE(ring.ok());
  CHECK(ring->keys().size() == 4);
  CHECK(ring->signing_key().id == 41);
  CHECK(ring->signing_key().secret == third->secret);
}

TEST_CASE("retired keys verify but never sign", "[token]") {
  TempDir dir;
  write_file(dir / "key-1.hex", kHex64);
  fs::create_directory(dir / "retired");
  write_file(dir / "retired" / "key-9.hex", std::string(64, 'e'));
  auto ring = KeyRing::load_dir(dir.path());
  REQUIRE(ring.ok());
  CHECK(ring->signing_key().id == 1);  // 9 is higher, but retired
  REQUIRE(ring->find(9) != nullptr);
  CHECK(ring->find(9)->secret[0] == 0xee);
  CHECK(ring->keys().size() == 2);

  // The same id active and retired is refused, naming both files.
  write_file(dir / "retired" / "key-1.hex", kHex64);
  CHECK_THAT(load_error(dir.path()),
             Catch::Contains("retired/key-1.hex") && Catch::Contains("both have id 1"));
}

TEST_CASE("only retired keys left: nothing signs, and load_dir says so", "[token]") {
  TempDir dir;
  fs::create_directory(dir / "retired");
  write_file(dir / "retired" / "key-4.hex", kHex64);
  CHECK_THAT(load_error(dir.path()),
             Catch::Contains("no active key") && Catch::Contains("certprint keygen"));
}

TEST_CASE("generate_key past id 255 takes the lowest free id and retires the others", "[token]") {
  TempDir dir;
  fs::create_directory(dir / "retired");
  write_file(dir / "retired" / "key-1.hex", std::string(64, 'a'));
  write_file(dir / "key-200.hex", std::string(64, 'b'));
  write_file(dir / "key-255.hex", std::string(64, 'c'));
  auto key = generate_key(dir.path(), counting_random());
  REQUIRE(key.ok());
  CHECK(key->id == 2);  // 1 still verifies old booklets, so it is not reused
  CHECK(fs::exists(dir / "key-2.hex"));
  CHECK(fs::exists(dir / "retired" / "key-200.hex"));
  CHECK(fs::exists(dir / "retired" / "key-255.hex"));
  CHECK_FALSE(fs::exists(dir / "key-255.hex"));

  auto ring = KeyRing::load_dir(dir.path());
  REQUIRE(ring.ok());
  CHECK(ring->signing_key().id == 2);
  CHECK(ring->keys().size() == 4);
  CHECK(ring->find(255) != nullptr);  // booklets signed by 255 still verify
}

TEST_CASE("generate_key after key 255 starts again at 1 and makes retired/ 0700", "[token]") {
  TempDir dir;
  write_file(dir / "key-255.hex", kHex64);
  auto key = generate_key(dir.path(), counting_random());
  REQUIRE(key.ok());
  CHECK(key->id == 1);
  CHECK(mode_of(dir / "retired") == 0700);
  CHECK(mode_of(dir / "retired" / "key-255.hex") == 0600);
  auto ring = KeyRing::load_dir(dir.path());
  REQUIRE(ring.ok());
  CHECK(ring->signing_key().id == 1);
  CHECK(ring->find(255) != nullptr);
}

TEST_CASE("generate_key refuses when all 255 ids are taken", "[token]") {
  TempDir dir;
  fs::create_directory(dir / "retired");
  for (int id = 1; id <= 254; ++id)
    write_file(dir / "retired" / ("key-" + std::to_string(id) + ".hex"), kHex64);
  write_file(dir / "key-255.hex", kHex64);
  auto key = generate_key(dir.path(), counting_random());
  REQUIRE_FALSE(key.ok());
  CHECK_THAT(key.error().message, Catch::Contains("all 255 key ids") &&
                                      Catch::Contains("one byte") && Catch::Contains("retired/"));
  CHECK(fs::exists(dir / "key-255.hex"));  // nothing moved
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 2);
}

TEST_CASE("key files group or others may read are refused, as ssh does", "[token]") {
  TempDir dir;
  write_file(dir / "key-1.hex", kHex64 + "\n");
  fs::permissions(dir / "key-1.hex", fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::add);
  const auto msg = load_error(dir.path());
  CHECK_THAT(msg, Catch::Contains((dir / "key-1.hex").string()) && Catch::Contains("0644") &&
                      Catch::Contains("chmod 600 " + (dir / "key-1.hex").string()));
  // generate_key refuses next to it too, rather than add a key beside it.
  CHECK_FALSE(generate_key(dir.path(), counting_random()).ok());
}

TEST_CASE("a key file with a CRLF line end is read", "[token]") {
  TempDir dir;
  write_file(dir / "key-1.hex", kHex64 + "\r\n");
  auto ring = KeyRing::load_dir(dir.path());
  REQUIRE(ring.ok());
  CHECK(ring->signing_key().secret[31] == 0x1f);
}

TEST_CASE("generate_key refuses next to a malformed key file", "[token]") {
  TempDir dir;
  write_file(dir / "key-1.hex", "short");
  auto key = generate_key(dir.path(), counting_random());
  REQUIRE_FALSE(key.ok());
  CHECK_THAT(key.error().message, Catch::Contains("key-1.hex"));
  CHECK_FALSE(fs::exists(dir / "key-2.hex"));
}

TEST_CASE("generate_key passes a random source failure on and writes nothing", "[token]") {
  TempDir dir;
  const RandomSource broken = [](std::span<std::uint8_t>) -> Status {
    return Error{"entropy pool exhausted"};
  };
  auto key = generate_key(dir.path(), broken);
  REQUIRE_FALSE(key.ok());
  CHECK_THAT(key.error().message, Catch::Contains("entropy pool exhausted"));
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("system_random fills buffers with fresh bytes", "[token]") {
  const auto random = system_random();
  std::vector<std::uint8_t> a(64), b(64);
  REQUIRE(random(a).ok());
  REQUIRE(random(b).ok());
  // 2^-512 chance of a false failure.
  CHECK(a != b);
  std::vector<std::uint8_t> empty;
  CHECK(random(empty).ok());
}
