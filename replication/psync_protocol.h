// The lines of the replication handshake and the RDB transfer framing, as
// Redis 7.0 sends and reads them (src/replication.c: syncWithMaster(),
// slaveTryPartialResynchronization(), readSyncBulkPayload()).
//
// Replica -> primary (each a RESP multibulk, sent by sendCommand()):
//   PING
//   AUTH <masterauth>                 (or AUTH <masteruser> <masterauth>)
//   REPLCONF listening-port <port>
//   REPLCONF ip-address <ip>          (only with replica-announce-ip)
//   REPLCONF capa eof capa psync2
//   PSYNC <replid> <offset>           (cached primary: its id, reploff + 1)
//   PSYNC ? -1                        (no history: ask for a full sync)
//   PSYNC <replid> <offset> FAILOVER  (6.2+: sent by a primary running
//                                      FAILOVER TO, now a replica of the
//                                      target: the target, if <replid> is
//                                      its own master_replid, becomes a
//                                      primary first, then answers the PSYNC
//                                      as one; otherwise
//                                      "-ERR PSYNC FAILOVER replid must match
//                                      my replid.")
//
// Primary -> replica, one line each:
//   +FULLRESYNC <replid> <offset>\r\n  then the RDB
//   +CONTINUE\r\n                      (replica without capa psync2)
//   +CONTINUE <replid>\r\n             then the stream from the offset
//   -NOMASTERLINK ...\r\n / -LOADING ...\r\n   try again later
//   -ERR ...\r\n                       PSYNC unsupported / refused
//   \n                                 keepalive before any of the above
//
// The RDB that follows +FULLRESYNC:
//   \n ... \n                          keepalives while the BGSAVE runs (disk)
//   $<len>\r\n<len bytes>              disk-based: the dump file
//   $EOF:<40 bytes mark>\r\n<rdb><mark>  diskless (repl-diskless-sync): the
//                                      mark, random hex, ends the payload
// After the payload comes the replication stream (RESP commands) at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/base/status.h"

namespace replikv::repl {

// Longest handshake reply / preamble line accepted. Redis reads them with
// connSyncReadLine() into a buffer of PROTO_IOBUF_LEN (16 KiB); real lines are
// under 100 bytes, and an error text from the primary is cut, not trusted.
inline constexpr size_t kMaxReplyLine = 16 * 1024;

// Takes one line off the front of `in`: the bytes before the first '\n',
// without a trailing '\r' (Redis's connSyncReadLine()). Returns nullopt when
// no '\n' arrived yet; *consumed is then 0. Corruption if `max_len` bytes
// arrive without one.
Result<std::optional<std::string_view>> TakeLine(std::string_view in, size_t* consumed,
                                                 size_t max_len = kMaxReplyLine);

// ---- PSYNC request (primary side) -------------------------------------------

struct PsyncRequest {
  std::string replid;         // "?" asks for a full sync
  int64_t offset = -1;        // next byte wanted, counting from 1
  bool failover = false;      // 4th argument FAILOVER (any case)
};

// Parses the arguments of PSYNC, argv[0] included: PSYNC <replid> <offset>
// [FAILOVER]. The offset must be a whole signed 64-bit decimal; the error
// message is Redis's reply text "value is not an integer or out of range".
// A 4th argument other than FAILOVER is ignored, as Redis does.
Result<PsyncRequest> ParsePsyncArgs(const std::vector<std::string_view>& argv);

// The RESP multibulk a replica sends: *3\r\n$5\r\nPSYNC\r\n$<n>\r\n<replid>...
std::string FormatPsyncCommand(std::string_view replid, int64_t offset, bool failover = false);

// ---- PSYNC reply (replica side) ----------------------------------------------

// "+FULLRESYNC <replid> <offset>\r\n"
std::string FormatFullResync(std::string_view replid, int64_t offset);
// "+CONTINUE <replid>\r\n", or "+CONTINUE\r\n" for a replica that did not send
// "capa psync2" (pass an empty replid).
std::string FormatContinue(std::string_view replid);

struct PsyncReply {
  enum class Kind {
    kKeepalive,     // an empty line: read the next one
    kFullResync,    // replid / offset set; RDB follows
    kContinue,      // replid set when the primary sent one (psync2)
    kTryLater,      // -NOMASTERLINK, -LOADING: retry the handshake later
    kNotSupported,  // -ERR...: Redis falls back to SYNC
    kUnexpected,    // anything else: Redis logs a warning, treats as kNotSupported
  };
  Kind kind = Kind::kKeepalive;
  std::string replid;
  int64_t offset = -1;
  std::string line;   // the line, for the log ("... (reply: %s)")
};

// Classifies one reply line (without "\r\n", as TakeLine() returns it) the
// way slaveTryPartialResynchronization() does. Corruption for a +FULLRESYNC
// whose id is not 40 chars or whose offset is not a number: Redis logs
// "Master replied with wrong +FULLRESYNC syntax." and goes on with a zero id,
// which can only end in a useless full sync; refusing is safer. A +CONTINUE
// id of another length is ignored (replid stays empty), as Redis does.
Result<PsyncReply> ParsePsyncReply(std::string_view line);

// ---- RDB transfer ---------------------------------------------------------

// Feeds the bytes a replica reads after +FULLRESYNC, up to the end of the RDB
// payload, and says what to do with them.
//
// Lifecycle:
//   1. Feed() -> kNeedMore while only keepalive newlines (or part of the
//      preamble line) arrived; everything given was consumed.
//   2. Feed() -> kPreamble once "$<len>\r\n" or "$EOF:<mark>\r\n" is read:
//      consumed() bytes of the input were used; log ("MASTER <-> REPLICA
//      sync: receiving ..."), then call again with the rest.
//   3. Feed() -> kNeedMore while payload arrives: every payload byte is
//      passed to `write` in order (for the temp file), consumed == in.size().
//      In EOF-mark mode the last 40 bytes received are held back until more
//      arrive, since they may be the mark; the mark is never written.
//   4. Feed() -> kDone when the payload ended: consumed() bytes of the input
//      belonged to the transfer; the rest is the replication stream.
// An error (Status) is final: the primary sent "-ERR ..." instead of an RDB,
// a line that is not a preamble, an overlong line, or `write` failed.
// Results do not depend on how the input is split.
class RdbTransferReader {
 public:
  enum class Event { kNeedMore, kPreamble, kDone };
  struct Step {
    Event event = Event::kNeedMore;
    size_t consumed = 0;
  };
  using WriteFn = std::function<Status(std::string_view)>;

  RdbTransferReader() = default;
  RdbTransferReader(const RdbTransferReader&) = delete;
  RdbTransferReader& operator=(const RdbTransferReader&) = delete;

  Result<Step> Feed(std::string_view in, const WriteFn& write);

  bool preamble_done() const { return state_ != State::kPreamble; }
  bool done() const { return state_ == State::kDone; }
  // Diskless framing: the payload ends with eof_mark().
  bool uses_eof_mark() const { return !eof_mark_.empty(); }
  const std::string& eof_mark() const { return eof_mark_; }
  // "$<len>" framing: the payload length; -1 with an EOF mark.
  int64_t transfer_size() const { return transfer_size_; }
  // Payload bytes passed to `write` so far.
  int64_t payload_written() const { return written_; }
  // Keepalive newlines seen before the preamble.
  size_t keepalives() const { return keepalives_; }

 private:
  enum class State { kPreamble, kPayload, kDone, kFailed };

  Result<Step> FeedPreamble(std::string_view in);
  Result<Step> FeedSized(std::string_view in, const WriteFn& write);
  Result<Step> FeedMarked(std::string_view in, const WriteFn& write);
  Status Write(const WriteFn& write, std::string_view bytes);
  Status Fail(Status s);

  State state_ = State::kPreamble;
  std::string line_;        // preamble line so far (without '\n')
  std::string eof_mark_;
  int64_t transfer_size_ = -1;
  int64_t written_ = 0;
  std::string held_;        // EOF mode: last bytes received, up to 40
  size_t keepalives_ = 0;
  Status error_;            // kFailed: returned by every later Feed()
};

}  // namespace replikv::repl
