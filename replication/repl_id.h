// ReplIdentity: the replication history a node belongs to, as Redis 7.0's
// server.replid / replid2 / second_replid_offset.
//
//   master_replid       40 hex chars naming the current history. A new one
//                       is drawn whenever the history forks (a promotion, the
//                       first replica of a primary without backlog).
//   master_replid2      the previous history's id, 40 '0's when there is
//                       none. Kept across a promotion so replicas of the old
//                       primary can still PSYNC with the new one.
//   second_repl_offset  PSYNC offsets up to this one are accepted for
//                       master_replid2; -1 when there is no previous history.
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
#include <string>
#include <string_view>

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

class ReplIdentity {
 public:
  // A fresh random master_replid, no secondary id.
  ReplIdentity();
  ReplIdentity(const ReplIdentity&) = delete;
  ReplIdentity& operator=(const ReplIdentity&) = delete;

  const std::string& replid() const { return replid_; }
  const std::string& replid2() const { return replid2_; }
  int64_t second_repl_offset() const { return second_repl_offset_; }

  // Draws a new random master_replid (Redis's changeReplicationId()).
  // The secondary id is left as it is.
  void NewReplid();

  // Forgets the previous history: replid2 = 40 '0's, second offset -1
  // (Redis's clearReplicationId2()).
  void ClearSecondary();

  // A replica becomes a primary (Redis's shiftReplicationId()): the current
  // id becomes replid2, valid for PSYNC offsets up to master_repl_offset + 1
  // (a replica that has every byte we have asks for exactly that), and a new
  // random id names the history that starts now.
  void ShiftOnPromotion(int64_t master_repl_offset);

  // The same shift with the new id chosen by the primary: a replica that got
  // "+CONTINUE <new id>" from a promoted primary adopts its id and keeps its
  // own as replid2, so its sub-replicas can continue too.
  void ShiftTo(std::string_view new_replid, int64_t master_repl_offset);

  // After a full sync from a primary: its id, no previous history.
  // REQUIRES: id.size() == kReplIdLen.
  void Adopt(std::string_view replid);

  // Decides a PSYNC <psync_replid> <psync_offset> request as Redis 7.0's
  // masterTryPartialResynchronization(): continue iff the id is ours, or is
  // replid2 and psync_offset <= second_repl_offset; and the offset lies in
  // [first_byte_offset, first_byte_offset + histlen] of an existing backlog.
  // Ids compare case-insensitively, as Redis's strcasecmp. `replica_name` is
  // used in the log lines only (Redis's replicationGetSlaveName(), ip:port).
  PsyncDecision CanContinue(std::string_view psync_replid, int64_t psync_offset,
                            const BacklogWindow& backlog,
                            int64_t master_repl_offset,
                            std::string_view replica_name) const;

 private:
  std::string replid_;
  std::string replid2_;
  int64_t second_repl_offset_ = -1;
};

}  // namespace replikv::repl
