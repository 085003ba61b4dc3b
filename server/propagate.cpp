#include "server/propagate.h"

#include <algorithm>
#include <charconv>

namespace replikv {
namespace {

void AppendLenLine(char prefix, size_t n, std::string* out) {
  char buf[24];
  buf[0] = prefix;
  char* end = std::to_chars(buf + 1, buf + 22, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out->append(buf, static_cast<size_t>(end - buf));
}

}  // namespace

void Propagator::AddSink(PropagationSink* sink, uint8_t targets) {
  sink->selected_db_ = -1;
  sink->targets_ = targets;
  sinks_.push_back(sink);
}

void Propagator::RemoveSink(PropagationSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void Propagator::EncodeCommand(std::span<const std::string_view> argv, std::string* out) {
  AppendLenLine('*', argv.size(), out);
  for (std::string_view a : argv) {
    AppendLenLine('$', a.size(), out);
    out->append(a);
    out->append("\r\n");
  }
}

void Propagator::Add(int db, std::span<const std::string_view> argv, uint8_t targets) {
  targets &= target_mask_;
  if (from_primary_ || replica_) targets &= ~kPropagateRepl;
  if (sinks_.empty() || targets == 0) return;
  size_t begin = encoded_.size();
  EncodeCommand(argv, &encoded_);
  ops_.push_back(Op{db, begin, encoded_.size(), targets});
}

void Propagator::FeedVerbatim(std::string_view bytes) {
  for (PropagationSink* sink : sinks_) {
    if (sink->targets_ & kPropagateRepl) sink->Feed(bytes);
  }
}

void Propagator::EndCall() {
  if (in_transaction_ || ops_.empty()) return;
  Emit();
}

void Propagator::EndTransaction() {
  in_transaction_ = false;
  if (!ops_.empty()) Emit();
}

void Propagator::Emit() {
  static constexpr std::string_view kMulti = "*1\r\n$5\r\nMULTI\r\n";
  static constexpr std::string_view kExec = "*1\r\n$4\r\nEXEC\r\n";
  std::string select;
  for (PropagationSink* sink : sinks_) {
    // The ops this sink takes; a call with more than one is wrapped.
    size_t taken = 0;
    const Op* first = nullptr;
    for (const Op& op : ops_) {
      if (!(op.targets & sink->targets_)) continue;
      if (first == nullptr) first = &op;
      ++taken;
    }
    if (taken == 0) continue;
    const bool wrap = taken > 1;
    auto select_if_needed = [&](int db) {
      if (sink->selected_db_ == db) return;
      select.clear();
      std::string num = std::to_string(db);
      std::string_view argv[] = {"SELECT", num};
      EncodeCommand(argv, &select);
      sink->Feed(select);
      sink->selected_db_ = db;
    };
    if (wrap) {
      select_if_needed(first->db);
      sink->Feed(kMulti);
    }
    for (const Op& op : ops_) {
      if (!(op.targets & sink->targets_)) continue;
      select_if_needed(op.db);
      sink->Feed(std::string_view(encoded_).substr(op.begin, op.end - op.begin));
    }
    if (wrap) sink->Feed(kExec);
  }
  ops_.clear();
  encoded_.clear();
}

}  // namespace replikv
