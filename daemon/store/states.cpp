#include "daemon/store/states.hpp"

#include <array>
#include <utility>

namespace certprint::store {
namespace {

template <class E, std::size_t N>
std::string_view name_of(E value, const std::array<std::pair<E, std::string_view>, N>& names) {
  for (const auto& [e, name] : names)
    if (e == value) return name;
  return "?";
}

template <class E, std::size_t N>
std::optional<E> value_of(std::string_view s,
                          const std::array<std::pair<E, std::string_view>, N>& names) {
  for (const auto& [e, name] : names)
    if (name == s) return e;
  return std::nullopt;
}

constexpr std::array<std::pair<BookletState, std::string_view>, 7> kBooklet = {{
    {BookletState::ready, "ready"},
    {BookletState::printing, "printing"},
    {BookletState::printed, "printed"},
    {BookletState::failed, "failed"},
    {BookletState::confirmed, "confirmed"},
    {BookletState::voided, "voided"},
    {BookletState::superseded, "superseded"},
}};
constexpr std::array<std::pair<PrintJobState, std::string_view>, 4> kPrintJob = {{
    {PrintJobState::queued, "queued"},
    {PrintJobState::running, "running"},
    {PrintJobState::done, "done"},
    {PrintJobState::failed, "failed"},
}};
constexpr std::array<std::pair<PageTaskState, std::string_view>, 6> kPageTask = {{
    {PageTaskState::queued, "queued"},
    {PageTaskState::submitting, "submitting"},
    {PageTaskState::submitted, "submitted"},
    {PageTaskState::completed, "completed"},
    {PageTaskState::failed, "failed"},
    {PageTaskState::skipped, "skipped"},
}};
constexpr std::array<std::pair<StockMovementKind, std::string_view>, 3> kStockMovement = {{
    {StockMovementKind::received, "received"},
    {StockMovementKind::returned, "returned"},
    {StockMovementKind::destroyed, "destroyed"},
}};

}  // namespace

std::string_view to_string(BookletState s) { return name_of(s, kBooklet); }
std::string_view to_string(PrintJobState s) { return name_of(s, kPrintJob); }
std::string_view to_string(PageTaskState s) { return name_of(s, kPageTask); }
std::optional<BookletState> booklet_state_from_string(std::string_view s) {
  return value_of(s, kBooklet);
}
std::optional<PrintJobState> print_job_state_from_string(std::string_view s) {
  return value_of(s, kPrintJob);
}
std::string_view to_string(StockMovementKind k) { return name_of(k, kStockMovement); }
std::optional<StockMovementKind> stock_movement_kind_from_string(std::string_view s) {
  return value_of(s, kStockMovement);
}
std::optional<PageTaskState> page_task_state_from_string(std::string_view s) {
  return value_of(s, kPageTask);
}

}  // namespace certprint::store
