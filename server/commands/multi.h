// Transactions: MULTI EXEC DISCARD WATCH UNWATCH.
//
// A client in MULTI has its commands queued by Server::ExecuteCommand after
// the same refusal checks an immediate call gets; a refusal while queuing
// (unknown command, arity, no-multi...) marks the transaction so EXEC answers
// -EXECABORT. EXEC runs the queue back to back, no other client in between,
// inside one propagation transaction (Propagator::BeginTransaction/
// EndTransaction): the writes reach the AOF and replicas as one MULTI ... EXEC
// block, as a lone command when only one write happened, and not at all when
// none did (Redis 7.0 does the same).
//
// WATCH is optimistic locking. WatchedKeys maps (db, key) to the clients
// watching it and listens to the keyspace (KeyspaceListener): a change to a
// watched key by anyone (the watcher included), its expiry, FLUSHDB/FLUSHALL
// or SWAPDB marks its watchers, and their EXEC replies a null array. In-place
// changes (INCR, APPEND, LPUSH on an existing list) are seen through the
// write lookup that found the key, counted only if the command then changed
// the dataset (EndCommand), so a failed or no-op write touches nothing, as
// Redis's per-command signalModifiedKey() calls achieve.
//
// Redis 7.0 expiry rules kept: a key already logically expired when WATCHed
// is absent for WATCH's purpose (its deletion changes nothing); a key that
// expires after WATCH fails the EXEC even if nobody touched it.
// Loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "server/command_table.h"
#include "server/keyspace.h"

namespace replikv {

class Client;
class Server;

// One queued command: the command it resolved to when queued and a copy of
// its arguments (the query buffer they came from is reused).
struct QueuedCommand {
  Command* cmd;
  std::vector<std::string> argv;
};

// Per-client transaction state; Client::multi is allocated on first use.
struct MultiState {
  bool in_multi = false;
  bool dirty_exec = false;  // a command was refused while queuing: EXECABORT
  bool dirty_cas = false;   // a watched key changed: EXEC replies null
  uint32_t queued_flags = 0;  // union of the queued commands' flags
  size_t queued_bytes = 0;    // argument bytes held (CLIENT LIST multi-mem)
  std::vector<QueuedCommand> queued;
  std::vector<std::pair<int, std::string>> watched;  // (db, key), WATCH order
};

class WatchedKeys : public KeyspaceListener {
 public:
  explicit WatchedKeys(Keyspace& keyspace);
  WatchedKeys(const WatchedKeys&) = delete;
  WatchedKeys& operator=(const WatchedKeys&) = delete;

  // Starts watching `key` in `db` for `c`. Watching a key twice is a no-op.
  void Watch(Client& c, int db, std::string_view key);
  // Forgets every key `c` watches (UNWATCH, EXEC, DISCARD, disconnect). The
  // dirty mark stays until the transaction ends.
  void UnwatchAll(Client& c);
  // Whether EXEC must fail for `c`: a watched key changed, or expired since
  // it was watched.
  bool ShouldAbort(Client& c);
  // Called after each command: keys that a write lookup found count as
  // changed only when the command changed the dataset.
  void EndCommand(bool dataset_changed) {
    if (!pending_.empty()) FlushPending(dataset_changed);
  }
  size_t watched_key_count() const { return key_count_; }

  // KeyspaceListener.
  void KeyChanged(Db& db, std::string_view key, const Entry* stored) override;
  void KeyFoundForWrite(Db& db, std::string_view key) override;
  void BeforeClear(Db& db) override;
  void BeforeSwap(Db& a, Db& b) override;
  void AfterSwap(Db&, Db&) override {}

 private:
  struct Watcher {
    Client* client;
    bool expired_at_watch;  // logically expired when WATCHed
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using KeyMap = std::unordered_map<std::string, std::vector<Watcher>, Hash, std::equal_to<>>;

  void Touch(Db& db, std::string_view key);
  void FlushPending(bool dataset_changed);
  // SWAPDB/FLUSH rule for the watchers of `emptied` (replaced_with may be
  // null): Redis 7.0's touchAllWatchedKeysInDb().
  void TouchAllInDb(Db& emptied, Db* replaced_with);

  Keyspace& keyspace_;
  std::vector<KeyMap> by_db_;
  size_t key_count_ = 0;
  std::vector<std::pair<int, std::string>> pending_;  // found for write
};

// Command handlers; dispatch recognises EXEC and the commands that run at
// once inside MULTI by these pointers (rename-command keeps them).
void MultiCommand(CommandContext& ctx);
void ExecCommand(CommandContext& ctx);
void DiscardCommand(CommandContext& ctx);
void WatchCommand(CommandContext& ctx);
void UnwatchCommand(CommandContext& ctx);

// Queues argv for `c` (in MULTI) and replies +QUEUED.
void QueueMultiCommand(Client& c, Command* cmd, ArgList argv);
// Marks `c`'s transaction as failed (a refused command while queuing).
void FlagTransaction(Client& c);
// Ends `c`'s transaction: drops the queue, the marks and every WATCH.
void DiscardTransaction(Server& s, Client& c);

void RegisterMultiCommands(CommandTable& t);

}  // namespace replikv
