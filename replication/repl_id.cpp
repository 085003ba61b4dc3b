#include "replication/repl_id.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include "server/base/ascii.h"

namespace replikv::repl {

namespace {

// Fills `buf` with kernel randomness. getrandom(2) first; /dev/urandom when
// the syscall is missing (old kernels, seccomp). A node without a random
// source cannot pick an id that is safe to compare, so that is fatal.
void FillRandom(unsigned char* buf, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = getrandom(buf + got, len - got, 0);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;
    }
  }
  if (got == len) return;
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  while (fd >= 0 && got < len) {
    ssize_t n = read(fd, buf + got, len - got);
    if (n > 0) {
      got += static_cast<size_t>(n);
    } else if (!(n < 0 && errno == EINTR)) {
      break;
    }
  }
  if (fd >= 0) close(fd);
  if (got != len) {
    spdlog::critical("No random source for the replication id (getrandom and /dev/urandom failed)");
    std::abort();
  }
}

const std::string& ZeroId() {
  static const std::string kZero(kReplIdLen, '0');
  return kZero;
}

}  // namespace

std::string RandomHexId() {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char raw[kReplIdLen];
  FillRandom(raw, sizeof(raw));
  std::string id(kReplIdLen, '0');
  // One random byte per char, 4 bits used: 160 bits of entropy per id.
  for (size_t i = 0; i < kReplIdLen; i++) id[i] = kHex[raw[i] & 0x0f];
  return id;
}

ReplIdentity::ReplIdentity() : replid_(RandomHexId()) {}

const std::string& ReplIdentity::replid2() const { return past_.empty() ? ZeroId() : past_.front().replid; }

void ReplIdentity::StartNewHistory(int64_t next_offset) {
  replid_ = RandomHexId();
  first_offset_ = next_offset;
  past_.clear();
}

void ReplIdentity::ShiftOnPromotion(int64_t master_repl_offset) {
  ShiftTo(RandomHexId(), master_repl_offset);
}

void ReplIdentity::ShiftTo(std::string_view new_replid, int64_t master_repl_offset) {
  // +1: Redis's PSYNC offsets name the next byte wanted, so a replica that
  // has all master_repl_offset bytes of the old history asks for one more.
  past_.push_front({replid_, first_offset_, master_repl_offset + 1});
  if (past_.size() > kMaxPastHistories) past_.pop_back();
  replid_ = std::string(new_replid);
  first_offset_ = master_repl_offset + 1;
}

void ReplIdentity::Adopt(std::string_view replid, int64_t next_offset) {
  replid_ = std::string(replid);
  first_offset_ = next_offset;
  past_.clear();
}

void ReplIdentity::Restore(std::string_view replid, int64_t first_offset, std::vector<PastHistory> past) {
  replid_ = std::string(replid);
  first_offset_ = first_offset;
  if (past.size() > kMaxPastHistories) past.resize(kMaxPastHistories);
  past_.assign(past.begin(), past.end());
}

const std::string& ReplIdentity::PsyncReplid(int64_t next_offset) const {
  if (!past_.empty() && next_offset == first_offset_ && next_offset == past_.front().valid_up_to) {
    return past_.front().replid;
  }
  return replid_;
}

PsyncDecision ReplIdentity::CanContinue(std::string_view psync_replid,
                                        int64_t psync_offset,
                                        const BacklogWindow& backlog,
                                        int64_t master_repl_offset,
                                        std::string_view replica_name) const {
  PsyncDecision d;
  const bool is_id1 = EqualsIgnoreCase(psync_replid, replid_);
  // A past id is only good up to the offset where our history forked from it.
  // With no past, replid2 reads as 40 '0's valid up to -1, and Redis
  // answers a request for that id as for a second id asked too far.
  static const PastHistory kNoPast{ZeroId(), -1, -1};
  const PastHistory* past = past_.empty() && psync_replid == ZeroId() ? &kNoPast : nullptr;
  for (const PastHistory& h : past_) {
    if (EqualsIgnoreCase(psync_replid, h.replid)) {
      past = &h;
      break;
    }
  }
  if (!is_id1 && (past == nullptr || psync_offset > past->valid_up_to)) {
    // "PSYNC ? -1" is how a replica without history (or one that wants a
    // fresh copy) asks for a full sync; Redis checks only the first char.
    if (!psync_replid.empty() && psync_replid[0] == '?') {
      d.kind = PsyncDecision::Kind::kFullResyncRequested;
      d.log_line = fmt::format("Full resync requested by replica {}", replica_name);
    } else if (past == nullptr) {
      d.kind = PsyncDecision::Kind::kReplIdMismatch;
      d.log_line = fmt::format(
          "Partial resynchronization not accepted: Replication ID mismatch "
          "(Replica asked for '{}', my replication IDs are '{}' and '{}')",
          psync_replid, replid_, replid2());
    } else {
      d.kind = PsyncDecision::Kind::kSecondIdTooFar;
      d.log_line = fmt::format(
          "Partial resynchronization not accepted: Requested offset for second "
          "ID was {}, but I can reply up to {}",
          psync_offset, past->valid_up_to);
    }
    return d;
  }
  if (!backlog.exists || psync_offset < backlog.first_byte_offset ||
      psync_offset > backlog.first_byte_offset + backlog.histlen) {
    d.kind = PsyncDecision::Kind::kLackOfBacklog;
    d.log_line = fmt::format(
        "Unable to partial resync with replica {} for lack of backlog "
        "(Replica request was: {}).",
        replica_name, psync_offset);
    if (psync_offset > master_repl_offset) {
      d.warning_line = fmt::format(
          "Warning: replica {} tried to PSYNC with an offset that is greater "
          "than the master replication offset.",
          replica_name);
    }
    return d;
  }
  return d;
}

}  // namespace replikv::repl
