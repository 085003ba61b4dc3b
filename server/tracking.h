// Client-side caching: CLIENT TRACKING as Redis 7.0 does it.
//
// A tracking client is told when a key it may cache changes:
//   - default mode: the keys a read-only command read for it (the key
//     specs of the command; for a script, its KEYS) go into the
//     TrackingTable; the next change of such a key sends one invalidation
//     to each reader, and the key leaves the table. OPTIN tracks only the
//     command after CLIENT CACHING YES (or the transaction after it),
//     OPTOUT all but the one after CLIENT CACHING NO.
//   - BCAST: every change of a key under one of the client's prefixes is
//     collected and broadcast once per loop iteration (BroadcastPending,
//     before replies are written), each prefix's keys sorted, in one push.
//   - NOLOOP: changes made by the client itself are not sent to it.
//   - FLUSHDB/FLUSHALL send a null invalidation to every tracking client
//     and empty the table.
//
// Delivery (Redis 7.0's sendTrackingMessage), to the client or to its
// REDIRECT target:
//   RESP3:            >2 $10 invalidate *N $key...     (or _ / $-1 on flush)
//   RESP2 redirect
//   target subscribed: *3 $7 message $20 __redis__:invalidate *N $key...
// A RESP2 target not subscribed gets nothing. A redirect target that went
// away marks the client broken (flags R, TRACKINGINFO broken_redirect) and
// a RESP3 client is told: >2 $21 tracking-redir-broken :<id>.
//
// Changes are heard as a KeyspaceListener (the path WATCH uses): a db has
// interest while tracking is in use (a tracking client or a non-empty
// table), so a server without tracking pays nothing per write. Invalidations
// for the client whose command is running wait until the command (EXEC,
// the script) has replied. Loop thread only.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_table.h"
#include "server/commands/key_specs.h"
#include "server/keyspace.h"
#include "server/net/client.h"
#include "server/tracking_table.h"

namespace replikv {

class Client;
class Server;

// One client's tracking settings (Client::tracking; allocated on the first
// CLIENT TRACKING ON, kept after OFF with `on` false).
struct TrackingState {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  // CLIENT CACHING YES (OPTIN) / NO (OPTOUT) given for the next command.
  bool caching = false;
  bool broken_redirect = false;
  uint64_t redirect = 0;  // 0: none
  std::set<std::string, std::less<>> prefixes;  // BCAST; sorted as Redis's rax
};

class ClientTracking : public KeyspaceListener {
 public:
  // What CLIENT TRACKING ON asked for.
  struct Options {
    bool bcast = false;
    bool optin = false;
    bool optout = false;
    bool noloop = false;
    uint64_t redirect = 0;
    std::vector<std::string_view> prefixes;
  };

  explicit ClientTracking(Server& server);
  ClientTracking(const ClientTracking&) = delete;
  ClientTracking& operator=(const ClientTracking&) = delete;

  // CLIENT TRACKING ON (options already checked) and OFF (also on RESET and
  // disconnect). Turning it on again replaces the mode flags and the
  // redirect; BCAST prefixes are added to those the client has.
  void Enable(Client& c, const Options& o);
  void Disable(Client& c);

  // Around each command a client sent (Server::ExecuteCommand): `c` is the
  // current client while it runs. CommandDone() sends what waited for its
  // reply, ends a CLIENT CACHING that applied to it (any command but CLIENT
  // outside MULTI, as Redis 7.0's resetClient) and restores the scope of
  // the command it ran inside (a busy script serving other clients).
  struct Scope {
    Client* current;
    bool executing;
  };
  Scope CommandStarting(Client& c) {
    Scope outer{current_, executing_};
    current_ = &c;
    executing_ = false;
    return outer;
  }
  void CommandDone(Client& c, Scope outer, std::string_view command_name) {
    if (!pending_.empty() || c.tracking != nullptr) FinishCommand(c, command_name);
    current_ = outer.current;
    executing_ = outer.executing;
  }
  // Between the refusal checks and the call: invalidations for the current
  // client wait for its reply from here on.
  void set_executing(bool v) { executing_ = v; }

  // After each call of a read-only command (not EVAL_RO, FCALL_RO: their
  // own reads count): remembers its keys for the client tracking them: `c`
  // itself, or for a script's call the script's caller, with the script's
  // KEYS (Redis 7.0 takes the keys from the caller's command).
  void AfterRead(Client& c, const Command& cmd, ArgList argv) {
    if (clients_ != 0) RememberKeys(c, cmd, argv);
  }
  // Around each call (Server::Call): `c` made the changes heard meanwhile.
  // For BCAST's NOLOOP the changer is the calling client: a script's calls
  // are its own client's, never its caller's, as in Redis 7.0.
  Client* EnterCall(Client& c) {
    Client* outer = call_client_;
    call_client_ = &c;
    return outer;
  }
  void LeaveCall(Client* outer) { call_client_ = outer; }
  // After each call: keys a write lookup found count as changed only if
  // the command changed the dataset (as WatchedKeys::EndCommand).
  void EndCall(bool dataset_changed) {
    if (!found_for_write_.empty() || flushed_) FinishCall(dataset_changed);
  }
  // Once per loop iteration, before replies are written: the BCAST pushes.
  void BroadcastPending();
  // tracking-table-max-keys: invalidates random keys until the table is
  // back under the limit, with more effort each time it was not (Redis
  // 7.0's trackingLimitUsedSlots; before each command and in the cron).
  void LimitTableSize();

  // Cron: the table gives back memory after many keys left (not while a
  // fork()ed child exists: copy-on-write).
  void MaintainTable() { table_.Maintain(); }

  size_t client_count() const { return clients_; }
  const TrackingTable& table() const { return table_; }
  size_t prefix_count() const { return prefixes_.prefix_count(); }

  // KeyspaceListener.
  void KeyChanged(Db& db, std::string_view key, const Entry* stored) override;
  void KeyFoundForWrite(Db& db, std::string_view key) override;
  void BeforeClear(Db& db) override;
  void BeforeSwap(Db&, Db&) override {}
  void AfterSwap(Db&, Db&) override {}

 private:
  void RememberKeys(Client& c, const Command& cmd, ArgList argv);
  void FinishCommand(Client& c, std::string_view command_name);
  void FinishCall(bool dataset_changed);
  // `key` changed: its readers are told (now, or after the current
  // client's reply), and with `bcast` the BCAST prefixes note it.
  void InvalidateKey(std::string_view key, bool bcast);
  // Sends "value" (an encoded array of keys, or a null) as an invalidation
  // for `c`, to it or its redirect target.
  void Send(Client& c, std::string_view value);
  void SendKey(Client& c, std::string_view key);
  void SendFlush(Client& c);
  // Sends the invalidations that waited for `c`'s reply.
  void SendPending(Client& c);
  // Db interest follows whether tracking is in use.
  void UpdateInterest();

  Server& server_;
  TrackingTable table_;
  BcastPrefixes prefixes_;
  size_t clients_ = 0;     // clients with tracking on (INFO tracking_clients)
  bool interested_ = false;
  Client* current_ = nullptr;
  Client* call_client_ = nullptr;  // the client of the innermost call
  bool executing_ = false;
  bool flushed_ = false;   // this call already sent the flush invalidation
  // Invalidations for the current client, sent after its reply; a null
  // entry (`is_flush`) stands for FLUSHALL/FLUSHDB.
  struct Pending {
    uint64_t client_id;
    std::string key;
    bool is_flush;
  };
  std::vector<Pending> pending_;
  std::vector<std::string> found_for_write_;
  std::vector<KeyRef> key_refs_;  // scratch: a command's keys
  uint32_t limit_effort_rounds_ = 0;
  std::string scratch_;
};

// CLIENT TRACKING|CACHING|GETREDIR|TRACKINGINFO (server/commands/cmd_tracking.cpp).
void ClientTrackingCommand(CommandContext& ctx);
void ClientCachingCommand(CommandContext& ctx);
void ClientGetRedirCommand(CommandContext& ctx);
void ClientTrackingInfoCommand(CommandContext& ctx);

}  // namespace replikv
