// A stand-in for the registration system, for the demo and its test: it
// takes certprintd's signed callbacks and keeps each booklet's QR as the
// registry would, then scans what a printer received and looks every page
// 5's QR up in what it kept (byte for byte, no key: a central verifier's
// check).
//
//   registry_standin serve --port N --secret-file FILE --store FILE.json
//       answers POST /events; a body whose X-Certprint-Signature is not the
//       HMAC-SHA256 of the body under the secret is refused (401); stops on
//       SIGTERM or SIGINT.
//   registry_standin scan --store FILE.json --printed DIR
//       prints one row per page 5 found in DIR's PDFs and per booklet stored:
//       booklet, stock serial, QR found, record matches; exit 0 when every
//       page 5 matches a stored booklet and every printed booklet was found.
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"
#include "support/read_file.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using certprint::testing::slurp;

std::string hmac_hex(const std::string& secret, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

// The registry's record of booklets: "ISSUANCE holder" -> {stock_serial, qr,
// state}; a voided booklet is kept under its old serial.
class Store {
 public:
  explicit Store(fs::path file) : file_(std::move(file)) {}

  void apply(const json& ev) {
    std::lock_guard lock(mutex_);
    const std::string id = ev.value("issuance_id", "");
    const std::string type = ev.value("type", "");
    if (type == "accepted")
      for (const auto& b : ev.at("booklets"))
        put(id, b.at("holder"), b.at("stock_serial"), b.at("qr"), "stored");
    if (type == "booklet_voided") {
      put(id, ev.at("holder"), ev.at("stock_serial"), "", "voided");
      put(id, ev.at("holder"), ev.at("new_stock_serial"), ev.at("new_qr"), "stored");
    }
    if (type == "booklet_printed") {
      auto& b = booklets_[key(id, ev.at("holder"), ev.at("stock_serial"))];
      b["printed"] = true;
      b["printed_qr_matches"] = b.value("qr", "") == ev.value("qr", "?");
    }
    save();
  }

 private:
  static std::string key(const std::string& id, const std::string& holder,
                         const std::string& serial) {
    return id + " " + holder + " " + serial;
  }
  void put(const std::string& id, const std::string& holder, const std::string& serial,
           const std::string& qr, const std::string& state) {
    json& b = booklets_[key(id, holder, serial)];
    b["issuance_id"] = id;
    b["holder"] = holder;
    b["stock_serial"] = serial;
    if (!qr.empty()) b["qr"] = qr;
    b["state"] = state;
  }
  void save() {
    const fs::path tmp = file_.string() + ".tmp";
    std::ofstream(tmp) << json(booklets_).dump(2) << "\n";
    fs::rename(tmp, file_);
  }

  fs::path file_;
  std::mutex mutex_;
  std::map<std::string, json> booklets_;
};

httplib::Server* g_server = nullptr;

int serve(int port, const std::string& secret, const fs::path& store_file) {
  Store store(store_file);
  httplib::Server server;
  server.Post("/events", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string sig = req.get_header_value("X-Certprint-Signature");
    const std::string want = "sha256=" + hmac_hex(secret, req.body);
    if (sig.size() != want.size() || CRYPTO_memcmp(sig.data(), want.data(), want.size()) != 0) {
      res.status = 401;
      std::cerr << "registry stand-in: refused an event with a wrong signature\n";
      return;
    }
    json ev = json::parse(req.body, nullptr, false);
    if (!ev.is_object()) {
      res.status = 400;
      return;
    }
    store.apply(ev);
    res.status = 200;
  });
  g_server = &server;
  std::signal(SIGTERM, [](int) { g_server->stop(); });
  std::signal(SIGINT, [](int) { g_server->stop(); });
  if (!server.bind_to_port("127.0.0.1", port)) {
    std::cerr << "registry stand-in: cannot listen on 127.0.0.1:" << port << "\n";
    return 1;
  }
  server.listen_after_bind();
  return 0;
}

// Scans DIR's PDFs like a verifier's camera; prints the table.
int scan(const fs::path& store_file, const fs::path& printed) {
  const json stored = json::parse(slurp(store_file), nullptr, false);
  if (!stored.is_object()) {
    std::cerr << "registry stand-in: " << store_file << " holds no store\n";
    return 1;
  }
  std::map<std::string, std::string> by_qr;  // qr -> key
  for (const auto& [k, b] : stored.items())
    if (b.contains("qr")) by_qr[b["qr"]] = k;
  std::set<std::string> seen;
  int bad = 0;
  std::printf("%-34s %-12s %-9s %s\n", "booklet", "stock serial", "QR found", "record matches");
  // In the order printed: the files are named "<job id>-...".
  std::vector<std::pair<long, fs::path>> files;
  for (const auto& e : fs::directory_iterator(printed))
    if (e.path().extension() == ".pdf")
      files.emplace_back(std::atol(e.path().filename().c_str()), e.path());
  std::sort(files.begin(), files.end());
  for (const auto& [job, path] : files) {
    const std::string pdf = slurp(path);
    if (!certprint::testing::pdf_text(pdf).empty()) continue;  // an information page
    auto qr = certprint::testing::decode_qr(certprint::testing::rasterize_pdf(pdf, 360));
    auto it = qr ? by_qr.find(*qr) : by_qr.end();
    if (it == by_qr.end()) {
      std::printf("%-34s %-12s %-9s %s\n", path.filename().c_str(), "-", qr ? "yes" : "no",
                  "no: not in the registry's record");
      ++bad;
      continue;
    }
    const json& b = stored[it->second];
    const bool live = b["state"] == "stored" && b.value("printed_qr_matches", false);
    std::printf(
        "%-34s %-12s %-9s %s\n",
        (b["issuance_id"].get<std::string>() + " " + b["holder"].get<std::string>()).c_str(),
        b["stock_serial"].get<std::string>().c_str(), "yes",
        live ? "yes" : "no: the record says otherwise");
    bad += live ? 0 : 1;
    seen.insert(it->second);
  }
  for (const auto& [k, b] : stored.items())
    if (b.value("printed", false) && !seen.contains(k)) {
      std::printf("%-34s %-12s %-9s %s\n", k.c_str(), b["stock_serial"].get<std::string>().c_str(),
                  "no", "no: printed, but no page 5 of it was received");
      ++bad;
    }
  std::printf("%zu page(s) 5 matched; %d problem(s)\n", seen.size(), bad);
  return bad == 0 ? 0 : 1;
}

std::string arg(int argc, char** argv, const std::string& name) {
  for (int i = 2; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "serve") {
    const std::string port = arg(argc, argv, "--port"),
                      secret_file = arg(argc, argv, "--secret-file"),
                      store = arg(argc, argv, "--store");
    std::string secret = slurp(secret_file);
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    if (port.empty() || secret.empty() || store.empty()) {
      std::cerr << "usage: registry_standin serve --port N --secret-file FILE --store FILE\n";
      return 2;
    }
    return serve(std::stoi(port), secret, store);
  }
  if (command == "scan") {
    const std::string store = arg(argc, argv, "--store"), printed = arg(argc, argv, "--printed");
    if (store.empty() || printed.empty()) {
      std::cerr << "usage: registry_standin scan --store FILE --printed DIR\n";
      return 2;
    }
    return scan(store, printed);
  }
  std::cerr << "usage: registry_standin serve|scan ... (see the source's head)\n";
  return 2;
}
