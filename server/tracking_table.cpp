#include "server/tracking_table.h"

#include <algorithm>
#include <memory>

namespace replikv {

bool TrackingTable::Remember(std::string_view key, uint64_t id) {
  bool found;
  auto slot = keys_.FindOrInsert(key, &found);
  Tracked* t = found ? slot.entry() : nullptr;
  if (t == nullptr) {
    t = new Tracked{std::string(key), {}};
    slot.set_entry(t);
  }
  std::vector<uint64_t>& ids = t->ids;
  auto pos = std::lower_bound(ids.begin(), ids.end(), id);
  if (pos != ids.end() && *pos == id) return false;
  ids.insert(pos, id);
  ++items_;
  return true;
}

std::vector<uint64_t> TrackingTable::Take(std::string_view key) {
  std::unique_ptr<Tracked> t(keys_.Erase(key));
  if (t == nullptr) return {};
  items_ -= t->ids.size();
  return std::move(t->ids);
}

std::string TrackingTable::RandomKey() { return keys_.RandomEntry(rng_())->key; }

void TrackingTable::Clear() {
  keys_.Clear([](Tracked* t) { delete t; });
  items_ = 0;
}

void BcastPrefixes::AddClient(std::string_view prefix, uint64_t id) {
  auto it = prefixes_.find(prefix);
  if (it == prefixes_.end()) it = prefixes_.emplace(std::string(prefix), Prefix()).first;
  std::vector<uint64_t>& clients = it->second.clients;
  if (std::find(clients.begin(), clients.end(), id) == clients.end()) clients.push_back(id);
}

void BcastPrefixes::RemoveClient(std::string_view prefix, uint64_t id) {
  auto it = prefixes_.find(prefix);
  if (it == prefixes_.end()) return;
  std::vector<uint64_t>& clients = it->second.clients;
  clients.erase(std::remove(clients.begin(), clients.end(), id), clients.end());
  if (!clients.empty()) return;
  if (!it->second.keys.empty()) --pending_prefixes_;
  prefixes_.erase(it);
}

void BcastPrefixes::NoteKey(std::string_view key, uint64_t writer) {
  for (auto& [prefix, state] : prefixes_) {
    if (!key.starts_with(prefix)) continue;
    if (state.keys.empty()) ++pending_prefixes_;
    // The first writer stays (Redis 7.0's raxTryInsert).
    state.keys.try_emplace(std::string(key), writer);
  }
}

void BcastPrefixes::Drain(const std::function<void(const PendingKeys&, const std::vector<uint64_t>&)>& send) {
  if (pending_prefixes_ == 0) return;
  for (auto& [prefix, state] : prefixes_) {
    if (state.keys.empty()) continue;
    // Moved out first: `send` may not change this table, but the keys must
    // be empty again whatever it does.
    PendingKeys keys = std::move(state.keys);
    state.keys.clear();
    send(keys, state.clients);
  }
  pending_prefixes_ = 0;
}

bool PrefixesOverlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

bool EncodePendingKeys(const BcastPrefixes::PendingKeys& pending, uint64_t skip_writer, std::string* out) {
  size_t count = 0;
  for (const auto& [key, writer] : pending) {
    if (skip_writer == 0 || writer != skip_writer) ++count;
  }
  if (count == 0) return false;
  out->append("*").append(std::to_string(count)).append("\r\n");
  for (const auto& [key, writer] : pending) {
    if (skip_writer != 0 && writer == skip_writer) continue;
    out->append("$").append(std::to_string(key.size())).append("\r\n").append(key).append("\r\n");
  }
  return true;
}

}  // namespace replikv
