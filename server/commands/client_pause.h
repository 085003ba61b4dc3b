// ClientPause: CLIENT PAUSE / UNPAUSE state and the clients it holds, as
// Redis 7.0's pauseClients() machinery (FAILOVER and SHUTDOWN reuse it).
//
// A pause has a type and an end time per purpose (the CLIENT PAUSE command,
// a coordinated failover, a shutdown waiting for replicas); the effective
// pause is the strictest type among the purposes still running, until the
// latest end among the purposes of that type. Within one purpose, a new
// call keeps the stricter of the two types and the later of the two ends
// (CLIENT PAUSE 0 ALL during a WRITE pause makes it ALL until its end).
//
// While a pause is in effect:
//   - ALL: every command of a pausable client waits; WRITE: the commands
//     that may change the dataset or the replication stream wait (write
//     commands, PUBLISH/SPUBLISH, EVAL/EVALSHA/FCALL, PFCOUNT, and an EXEC
//     whose transaction holds one of them), other commands run. Such a
//     client is parked (Client::Park), not refused: the refusal checks
//     (arity, NOAUTH, OOM...) run first, as in Redis, and its command runs
//     when the pause no longer holds it. Parked clients run again in
//     arrival order, before the next poll; a command the pause still holds
//     is parked again at the end of the queue.
//   - The dataset stays static: expired keys read as absent but are not
//     deleted (no DEL propagates), active expiry and eviction do nothing
//     (Keyspace::FreezeDeletesUntil, Evictor::PerformEvictions).
// Which clients are never paused: see Client::pausable().
//
// A pause ends by CLIENT UNPAUSE (its purpose only) or by time: ends are
// checked before each poll and in the cron (Update), so a pause lasts until
// the loop next wakes after its end, as Redis's cron check.
//
// Redis 7.0 has no INFO fields for a pause; parked clients are counted in
// INFO blocked_clients (parked_count()). Loop thread only.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

namespace replikv {

class Client;
class Server;
struct Command;

enum class PauseType : uint8_t { kOff = 0, kWrite = 1, kAll = 2 };

// Why clients are paused; each purpose pauses and ends independently.
enum class PausePurpose : uint8_t { kClientCommand = 0, kShutdown = 1, kFailover = 2 };
inline constexpr size_t kPausePurposes = 3;

class ClientPause {
 public:
  explicit ClientPause(Server& server);
  ClientPause(const ClientPause&) = delete;
  ClientPause& operator=(const ClientPause&) = delete;

  // Pauses for `purpose` until `end_ms` (absolute; an end already past
  // pauses nothing new but still sets the purpose's type if it is running).
  void Pause(PausePurpose purpose, PauseType type, int64_t end_ms, int64_t now_ms);
  // Ends `purpose`'s pause. It is not an error if it was not paused.
  void Unpause(PausePurpose purpose, int64_t now_ms);
  // Drops purposes whose end has passed. Cheap when nothing is paused.
  void Update(int64_t now_ms);

  // The effective pause, as of the last Pause/Unpause/Update.
  bool active() const { return type_ != PauseType::kOff; }
  PauseType type() const { return type_; }
  int64_t end_ms() const { return end_ms_; }

  // Whether `cmd` from `c` must wait now. Precondition: active() and
  // c.pausable().
  bool MustPark(const Client& c, const Command& cmd) const;
  // Called by Client::Park: `c` joins the end of the queue.
  void Park(Client& c);
  // `c` is going away (or was reset) while parked: it leaves the queue.
  void Forget(Client& c);
  size_t parked_count() const { return parked_.size(); }
  // Clients let go and not run yet (BeforePoll runs them).
  bool has_resumable() const { return !resume_.empty(); }

  // Before each poll: Update, then runs the clients the pause let go, in
  // the order they were parked. Bounded work per call.
  void BeforePoll(int64_t now_ms);

  // Whether Redis 7.0 treats `cmd` as one that may replicate (a WRITE pause
  // holds it).
  static bool MayReplicate(const Command& cmd);

 private:
  struct Event {
    PauseType type = PauseType::kOff;
    int64_t end_ms = 0;
  };
  // Redis's updateClientPauseTypeAndEndTime: recomputes the effective
  // pause; when it became less strict, every parked client is queued to run
  // again (it may be parked again).
  void Recompute(int64_t now_ms);

  Server& server_;
  std::array<Event, kPausePurposes> events_{};
  PauseType type_ = PauseType::kOff;
  int64_t end_ms_ = 0;
  std::deque<uint64_t> parked_;  // client ids, arrival order
  std::vector<uint64_t> resume_;  // client ids let go, in order
};

}  // namespace replikv
