// The clerk's side of the API: `certprint submit|print|batch|status|confirm|
// void|printers|verify|preview` against certprintd. Human tables by
// default, the daemon's JSON with `json` set. Each returns the process exit
// status: 0 done, 1 refused or failed (the reason printed), 2 unreachable.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "daemon/client/api_client.hpp"

namespace certprint::client {

int client_submit(const ClientConfig& c, const std::vector<std::filesystem::path>& files,
                  std::ostream& out, std::ostream& err);
// Queues and, when `wait`, follows the print job with a progress bar.
int client_print(const ClientConfig& c, const std::vector<std::string>& issuance_ids,
                 const std::string& printer, const std::optional<std::string>& holder, bool wait,
                 std::ostream& out, std::ostream& err);
int client_status(const ClientConfig& c, const std::string& issuance_id, std::ostream& out,
                  std::ostream& err);
int client_confirm(const ClientConfig& c, const std::string& issuance_id, const std::string& holder,
                   std::ostream& out, std::ostream& err);
// A void: why, the new blank, and whether the blank itself is damaged.
struct VoidArgs {
  std::string reason;
  std::string new_stock_serial;
  bool blank_damaged = false;
};
int client_void(const ClientConfig& c, const std::string& issuance_id, const std::string& holder,
                const VoidArgs& v, std::ostream& out, std::ostream& err);
int client_printers(const ClientConfig& c, std::ostream& out, std::ostream& err);
// Frees a held printer (see docs/api.md, "held").
int client_release(const ClientConfig& c, const std::string& printer, std::ostream& out,
                   std::ostream& err);
int client_verify(const ClientConfig& c, const std::string& token, std::ostream& out,
                  std::ostream& err);
// Downloads the holder's two page previews into out_dir as
// <issuance_id>-<holder>-info.png and -page5.png, mode 0600 from creation
// (they show names and ID numbers).
int client_preview(const ClientConfig& c, const std::string& issuance_id, const std::string& holder,
                   const std::filesystem::path& out_dir, std::ostream& out, std::ostream& err);

}  // namespace certprint::client
