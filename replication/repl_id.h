// ReplIdentity: the replication history a node belongs to, as Redis 7.0's
// server.replid / replid2 / second_replid_offset, extended to a timeline.
//
//   master_replid       40 hex chars naming the current history. A new one
//                       is drawn whenever the history forks (a promotion, the
//                       first replica of a primary without backlog).
//   past histories      the ids this node followed before, most recent
//                       first, each with the offset range it had on this
//                       node: a PSYNC offset up to `valid_up_to` continues on
//                       it, since the histories agree up to the fork. Redis
//                       keeps one (replid2); replikv keeps kMaxPastHistories,
//                       so a node that went through several failovers still
//                       serves replicas of the older primaries.
//   master_replid2      the most recent past id (INFO), 40 '0's when none.
//   second_repl_offset  its valid_up_to; -1 when there is no past history.
//
// master_repl_offset is deliberately not stored here: ReplStream::end_offset()
// is the one copy, and the operations that need it take it as an argument.
//
// Offsets here are Redis's wire offsets: a PSYNC offset names the next byte
// the replica wants, counting stream bytes from 1, so a replica that holds
// the first N bytes asks for N + 1.
//
// Owned by the loop thread; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace replikv::repl {

// Length of a replication id (Redis's CONFIG_RUN_ID_SIZE) and of the
// diskless RDB EOF mark (RDB_EOF_MARK_SIZE).
inline constexpr size_t kReplIdLen = 40;

// 40 random lowercase hex chars from the kernel's CSPRNG (getrandom(2)), as
// Redis's getRandomHexChars: ids of different nodes must never collide,
// since an equal id means "same history".
std::string RandomHexId();

// The backlog window as Redis describes it (repl_backlog->offset, histlen).
struct BacklogWindow {
  bool exists = false;
  int64_t first_byte_offset = 0;  // INFO repl_backlog_first_byte_offset
  int64_t histlen = 0;            // INFO repl_backlog_histlen
};

// What masterTryPartialResynchronization() decides for one PSYNC.
struct PsyncDecision {
  enum class Kind {
    kContinue,             // +CONTINUE, then the backlog from the offset
    kFullResyncRequested,  // PSYNC ? -1: the replica asked for a full sync
    kReplIdMismatch,       // neither of our ids
    kSecondIdTooFar,       // replid2, but the offset is past the fork
    kLackOfBacklog,        // no backlog, or the offset is outside it
  };
  Kind kind = Kind::kContinue;
  bool can_continue() const { return kind == Kind::kContinue; }
  // The NOTICE line Redis 7.0 logs for this decision (empty for kContinue).
  std::string log_line;
  // Redis also logs a WARNING when the requested offset is past
  // master_repl_offset (the replica has history we never produced); this is
  // that line, or empty.
  std::string warning_line;
};

// A history this node followed: `replid` from `first_offset` (the first
// PSYNC offset it had on this node) to `valid_up_to` (one past the fork).
struct PastHistory {
  std::string replid;
  int64_t first_offset = 1;
  int64_t valid_up_to = 0;
  bool operator==(const PastHistory&) const = default;
};

// Past histories kept (the node-state file stores as many).
inline constexpr size_t kMaxPastHistories = 16;

class ReplIdentity {
 public:
  // A fresh random master_replid, no secondary id.
  ReplIdentity();
  ReplIdentity(const ReplIdentity&) = delete;
  ReplIdentity& operator=(const ReplIdentity&) = delete;

  const std::string& replid() const { return replid_; }
  // The first PSYNC offset of the current history on this node.
  int64_t first_offset() const { return first_offset_; }
  const std::string& replid2() const;
  int64_t second_repl_offset() const { return past_.empty() ? -1 : past_.front().valid_up_to; }
  // Most recent first.
  const std::deque<PastHistory>& past() const { return past_; }

  // A new random id whose history starts at `next_offset`, the past
  // forgotten (Redis's changeReplicationId() + clearReplicationId2()).
  void StartNewHistory(int64_t next_offset);

  // A replica becomes a primary (Redis's shiftReplicationId()): the current
  // id becomes the most recent past one, valid for PSYNC offsets up to
  // master_repl_offset + 1 (a replica that has every byte we have asks for
  // exactly that), and a new random id names the history that starts now.
  void ShiftOnPromotion(int64_t master_repl_offset);

  // The same shift with the new id chosen by the primary: a replica that got
  // "+CONTINUE <new id>" from a promoted primary adopts its id and keeps its
  // own as a past one, so its sub-replicas can continue too.
  void ShiftTo(std::string_view new_replid, int64_t master_repl_offset);

  // After a full sync from a primary: its id from `next_offset` on, no past.
  // REQUIRES: replid.size() == kReplIdLen.
  void Adopt(std::string_view replid, int64_t next_offset);

  // The identity a node-state file recorded (replication/node_state.h);
  // more than kMaxPastHistories past entries are cut.
  void Restore(std::string_view replid, int64_t first_offset, std::vector<PastHistory> past);

  // The id a replica holding everything before `next_offset` names in its
  // PSYNC: the current one, unless the current history has no byte of its
  // own yet (a primary restarted and shifted, then made a replica), where
  // the past id it continues is the one a new primary may know.
  const std::string& PsyncReplid(int64_t next_offset) const;

  // Decides a PSYNC <psync_replid> <psync_offset> request as Redis 7.0's
  // masterTryPartialResynchronization(), over the whole timeline: continue
  // iff the id is ours, or a past one with psync_offset <= its valid_up_to;
  // and the offset lies in [first_byte_offset, first_byte_offset + histlen]
  // of an existing backlog. Ids compare case-insensitively, as Redis's
  // strcasecmp. `replica_name` is used in the log lines only (Redis's
  // replicationGetSlaveName(), ip:port).
  PsyncDecision CanContinue(std::string_view psync_replid, int64_t psync_offset,
                            const BacklogWindow& backlog,
                            int64_t master_repl_offset,
                            std::string_view replica_name) const;

 private:
  std::string replid_;
  int64_t first_offset_ = 1;
  std::deque<PastHistory> past_;
};

}  // namespace replikv::repl
