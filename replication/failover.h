// Failover: the coordinated hand-over of FAILOVER [TO host port [FORCE]]
// [TIMEOUT ms] | ABORT, as Redis 7.0 does it.
//
//   no-failover --FAILOVER--> waiting-for-sync --target acked our offset
//   (or TIMEOUT with FORCE)--> failover-in-progress --target's +CONTINUE /
//   +FULLRESYNC--> no-failover (we are its replica)
//
// While waiting, writes are paused (PausePurpose::kFailover), and so are
// GETACKs and PINGs in the stream, so the offset stands still; the
// replicas' once-a-second ACKs say when the target has every byte; then this node
// becomes its replica and sends `PSYNC <replid> <offset> FAILOVER`, on which
// the target promotes itself and answers +CONTINUE, so no acknowledged
// write is lost and nobody needs a full sync. ABORT, a TIMEOUT without
// FORCE, or a target that refuses the PSYNC restore this node as a primary
// and lift the pause. Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace replikv {
class Server;
struct CommandContext;
}  // namespace replikv

namespace replikv::repl {

class PrimarySide;
class ReplStream;

class Failover {
 public:
  enum class State { kNone, kWaitForSync, kInProgress };
  struct Hooks {
    // Become a replica of host:port, sending PSYNC ... FAILOVER.
    std::function<void(const std::string& host, int port)> demote_to;
    // Become a primary again (an aborted hand-over).
    std::function<void()> restore_primary;
  };

  Failover(Server& server, ReplStream& stream, PrimarySide& primary, Hooks hooks);

  // FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]
  void Command(CommandContext& ctx);
  // Timeouts, and asking replicas for their offset while waiting.
  void Cron();
  // A replica acknowledged an offset: the target may be synced now.
  void OnAck();
  // The target answered our PSYNC ... FAILOVER: accepted (a +CONTINUE or a
  // +FULLRESYNC) or refused.
  void OnPsyncResult(bool accepted);

  State state() const { return state_; }
  bool active() const { return state_ != State::kNone; }
  // INFO master_failover_state.
  const char* StateName() const;

 private:
  void Abort(const std::string& why);
  void Clear();
  // The target once it holds every byte we have; false while none does.
  bool PickSyncedTarget();
  void Proceed();

  Server& server_;
  ReplStream& stream_;
  PrimarySide& primary_;
  Hooks hooks_;
  State state_ = State::kNone;
  std::string host_;   // the requested target ("" = any replica)
  int port_ = 0;
  bool force_ = false;
  int64_t end_ms_ = 0;  // the TIMEOUT's deadline, 0 = none
};

}  // namespace replikv::repl
