// Blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP (and LMPOP) on lists,
// BZPOPMIN BZPOPMAX BZMPOP (commands in cmd_zpop.cpp) on sorted sets, and
// CLIENT UNBLOCK.
//
// A blocking command whose keys are all empty parks its client: the client
// keeps reading but executes nothing until its wait ends (Client::blocked()).
// Each wait is for one type: a list wait (the B*L* commands) or a sorted set
// wait (BZ*). A wait ends when
//   - a key it waits on becomes a value of that type (a push or ZADD,
//     LMOVE, ZUNIONSTORE, RENAME, SWAPDB, a MULTI/EXEC that adds...): after
//     the command that caused it, the waiters of each ready key for the
//     key's type are served in arrival order while the value lasts; waiters
//     for the other type stay, as in Redis 7.0 (ServeReadyKeys);
//   - its timeout passes: it gets a null array (*-1). Timeouts are checked
//     before each poll, so they are as precise as the loop's wake-ups (the
//     cron at `hz`), as in Redis;
//   - CLIENT UNBLOCK ends it with the timeout reply or -UNBLOCKED;
//   - it disconnects (Unblock, no reply).
// Then the rest of its query buffer runs before the next poll.
//
// What propagates is the non-blocking form that actually ran, as Redis 7.0:
// BLPOP/BRPOP -> LPOP/RPOP key; BLMOVE -> LMOVE src dst <ends> (the client's
// own words when served at once, "left"/"right" when served later);
// BRPOPLPUSH -> RPOPLPUSH src dst; BLMPOP/LMPOP -> LPOP/RPOP key <popped>;
// BZPOPMIN/BZPOPMAX -> ZPOPMIN/ZPOPMAX key; BZMPOP/ZMPOP -> ZPOPMIN/ZPOPMAX
// key <popped>. Each served client is its own unit in the stream.
//
// Lists change only through the list family's key operations
// (server/list_keys.h), so both families create, empty and delete lists the
// same way. Readiness comes from the keyspace (KeyspaceListener: a key
// added or replaced as a list or a sorted set). Loop thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "server/command_table.h"
#include "server/keyspace.h"
#include "server/types/type_stream.h"

namespace replikv {

class Client;
class Server;

// What a waiting client will run when served (Client::block).
struct BlockState {
  // kPop..kMultiPop wait for a list; kZPop (BZPOPMIN/BZPOPMAX) and
  // kZMultiPop (BZMPOP) for a sorted set.
  // kXRead is XREAD / XREADGROUP (cmd_stream_read.cpp) waiting for a stream.
  enum class Op { kPop, kMove, kMultiPop, kZPop, kZMultiPop, kXRead };
  Op op = Op::kPop;
  bool from_left = true;   // pop end: LEFT for a list, MIN for a sorted set
  bool to_left = true;     // kMove: push end
  bool rpoplpush = false;  // kMove: propagate as RPOPLPUSH
  int64_t count = 1;       // kMultiPop, kZMultiPop: at most this many
  std::vector<std::string> keys;
  std::string target;      // kMove: destination key
  int64_t deadline_ms = 0; // absolute; 0 waits forever
  // A wait on no keys (WAIT) answers its end, timeout or early release by
  // UnblockClient, with this instead of the null array.
  std::function<void(ReplyBuffer&)> timeout_reply;
  // kXRead: the id each key's entries must pass (the first one given for a
  // key named twice), and XREADGROUP's group, consumer and NOACK. `count`
  // is the COUNT (or Redis's default of 1000).
  std::vector<std::pair<std::string, StreamID>> stream_ids;
  bool has_group = false;
  bool noack = false;
  std::string group, consumer;

  // The type whose arrival at one of `keys` serves this wait.
  ObjType waits_for() const {
    if (op == Op::kXRead) return ObjType::kStream;
    return op == Op::kZPop || op == Op::kZMultiPop ? ObjType::kZset : ObjType::kList;
  }
};

class BlockedClients : public KeyspaceListener {
 public:
  explicit BlockedClients(Server& server);
  BlockedClients(const BlockedClients&) = delete;
  BlockedClients& operator=(const BlockedClients&) = delete;

  // Parks `c` until one of st->keys (in c.db) holds st->waits_for() or the
  // deadline passes.
  void Block(Client& c, std::unique_ptr<BlockState> st);
  // Ends `c`'s wait with no reply (disconnect, RESET). No-op if not blocked.
  void Unblock(Client& c);
  // CLIENT UNBLOCK: ends the wait of client `id` with the timeout reply, or
  // with "-UNBLOCKED client unblocked via CLIENT UNBLOCK" when `as_error`;
  // its pending input runs before the next poll. False (nothing done) when
  // no such client is blocked.
  bool UnblockClient(uint64_t id, bool as_error);
  // Ends the wait of client `id` as if it timed out now, without counting a
  // failed call (WAIT released by enough acknowledgements). False when no
  // such client is blocked.
  bool Release(uint64_t id);
  // Ends every wait with the error `message` and closes each of those
  // clients once the reply is out: Redis 7.0 does this when a primary
  // becomes a replica (its keys now change only by the new primary's
  // stream). Clients held by CLIENT PAUSE are not waits here and stay.
  void FailAll(std::string_view message);
  size_t blocked_count() const { return blocked_count_; }
  // Waits with a deadline (INFO clients_in_timeout_table).
  size_t timeout_count() const { return deadlines_.size(); }

  // Serves the waiters of every key that became ready; called after each
  // top-level command and before each poll. Bounded: every serve ends one
  // wait.
  void ServeReadyKeys();
  bool has_ready_keys() const { return !ready_.empty(); }
  // A stream at `key` got entries or lost a group (XADD, XGROUP DESTROY):
  // its waiters are looked at after the command.
  void SignalStreamReady(int db, std::string_view key) {
    if (by_db_[static_cast<size_t>(db)].count(key) != 0) SignalReady(db, key);
  }
  // What serving one stream waiter did (ServeStreamWaiter).
  enum class StreamServe { kKeep, kDone };
  // Before each poll: serves ready keys, times out expired waits, and runs
  // the pending input of clients whose wait ended.
  void BeforeSleep();

  // The pops themselves, run for `c`, replied to `c` and propagated; the
  // commands' immediate path and the serving of a wait share them. `e` is
  // the (live) list at `key` in c.db.
  // BLPOP's *2 key value (multi_reply false), or [B]LMPOP's *2 key *n ...
  // with up to `count` elements.
  void PopFrom(Client& c, Entry* e, std::string_view key, bool from_left, int64_t count, bool multi_reply);
  // BLMOVE/BRPOPLPUSH: the moved element as a bulk, or WRONGTYPE when `dst`
  // holds another type (then nothing moves). `from_word`/`to_word` are the
  // ends as propagated.
  void MoveFrom(Client& c, Entry* src, std::string_view key, std::string_view dst, bool from_left, bool to_left,
                std::string_view from_word, std::string_view to_word, bool rpoplpush);
  // [B]ZPOPMIN/MAX from the (live) sorted set `e` at `key`: BZPOPMIN's *3
  // key member score (multi_reply false, one element), or [B]ZMPOP's *2 key
  // *n of *2 member score, up to `count` elements, lowest first (from_min)
  // or highest first. Deletes the key when emptied.
  void ZPopFrom(Client& c, Entry* e, std::string_view key, bool from_min, int64_t count, bool multi_reply);

  // KeyspaceListener.
  void KeyChanged(Db& db, std::string_view key, const Entry* stored) override;
  void KeyFoundForWrite(Db&, std::string_view) override {}
  void BeforeClear(Db& db) override;
  void BeforeSwap(Db&, Db&) override {}
  void AfterSwap(Db& a, Db& b) override;

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  // key -> waiting clients in arrival order.
  using KeyMap = std::unordered_map<std::string, std::vector<Client*>, Hash, std::equal_to<>>;

  void SignalReady(int db, std::string_view key);
  void ServeKey(int db, const std::string& key);
  // Looks at every stream waiter of `key` once, in arrival order.
  void ServeStreamKey(int db, const std::string& key, Entry* e);
  // Sends `c` its wait's timeout reply (CLIENT UNBLOCK TIMEOUT included).
  void ReplyTimedOut(Client& c, const BlockState& st);
  // Ends the wait of `c` as served; returns its state.
  std::unique_ptr<BlockState> Detach(Client& c);
  void Serve(Client& c, std::string_view key);
  // Marks `c` to have its pending input run before the next poll.
  void Resume(Client& c);

  Server& server_;
  std::vector<KeyMap> by_db_;
  std::vector<std::pair<int, std::string>> ready_;
  std::unordered_set<std::string> ready_set_;  // "<db>:<key>" of ready_
  std::set<std::pair<int64_t, uint64_t>> deadlines_;  // (deadline ms, client id)
  std::vector<uint64_t> resume_;  // client ids
  size_t blocked_count_ = 0;
};

// Serves one XREAD/XREADGROUP wait on `key` (`e` is what the key holds now,
// may be null): replies and propagates when it returns kDone; kKeep leaves
// the wait as it is. cmd_stream_read.cpp.
BlockedClients::StreamServe ServeStreamWaiter(Server& server, Client& c, BlockState& st, std::string_view key,
                                              Entry* e);

// Parses a blocking timeout in seconds as Redis 7.0 does (long double,
// rounded up to whole milliseconds; "0" waits forever). Replies the error and
// returns false when invalid. *deadline_ms is absolute, 0 for forever.
bool ParseBlockTimeout(CommandContext& ctx, std::string_view arg, int64_t* deadline_ms);

// The arguments of [B]LMPOP and [B]ZMPOP from argv[first] on:
//   numkeys key [key ...] <end> [COUNT count]
// where <end> is `first_word` or `second_word` (any case: LEFT|RIGHT,
// MIN|MAX). Errors in Redis 7.0's order and words; false when one was
// replied.
struct MultiPopArgs {
  size_t keys_begin = 0, keys_end = 0;  // the keys are argv[keys_begin, keys_end)
  bool first_end = true;                // <end> was first_word
  int64_t count = 1;
};
bool ParseMultiPopArgs(CommandContext& ctx, size_t first, std::string_view first_word, std::string_view second_word,
                       MultiPopArgs* out);

// The list family's blocking commands, LMPOP, and the CLIENT UNBLOCK
// subcommand (run by ClientCommand, cmd_client.cpp).
void RegisterBlockingCommands(CommandTable& t);
// ZMPOP BZPOPMIN BZPOPMAX BZMPOP (cmd_zpop.cpp); registered by
// RegisterZsetCommands.
void RegisterZpopCommands(CommandTable& t);

}  // namespace replikv
