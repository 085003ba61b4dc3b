// The propagation funnel: the ONLY way a change leaves the keyspace.
//
// Commands and the keyspace hand Propagator the absolute form of each change
// (Redis 7 rewrites: relative TTLs -> PEXPIREAT / SET ... PXAT, INCRBYFLOAT ->
// SET ... KEEPTTL, expired keys -> DEL; the command handlers do the rewrite,
// since only they know their semantics). Ops collect during one top-level
// call; EndCall() then emits them to every sink: SELECT when that sink's
// current db differs, and a MULTI ... EXEC wrap when the call produced more
// than one op (Redis 7.0 propagatePendingCommands does the same, so a replica
// or an AOF replay applies the call atomically).
//
// Each op has targets, as Redis's PROPAGATE_AOF | PROPAGATE_REPL: PUBLISH
// (and the other may-replicate commands) reach the replicas, not the AOF.
// A sink takes the ops of the targets it registered for.
//
// The verbatim path: a replica applies its primary's stream by executing
// it; the AOF gets those commands re-encoded (ops of the AOF target), while
// its own replicas and backlog get the primary's bytes unchanged
// (FeedVerbatim), so a chained replica sees the same offsets. On a replica
// no op reaches the replication sinks: a PUBLISH from a local client (Sentinel
// publishes its hello to replicas too) or a write on a writable replica stays
// local, as Redis 7.0's replicationFeedSlaves returns on a replica; otherwise
// the replica's offset would run ahead of its primary's and a later PSYNC to
// a promoted sibling would be refused.
//
// Sinks: the AOF (persistence) and the replication stream (replication).
// When there are no sinks nothing is encoded. Loop thread only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace replikv {

enum PropagateTarget : uint8_t {
  kPropagateAof = 1,
  kPropagateRepl = 2,
  kPropagateAll = kPropagateAof | kPropagateRepl,
};

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // RESP-encoded commands, in order, SELECT included.
  virtual void Feed(std::string_view resp) = 0;

 private:
  friend class Propagator;
  int selected_db_ = -1;  // the db this stream last SELECTed; -1 none yet
  uint8_t targets_ = kPropagateAll;
};

class Propagator {
 public:
  Propagator() = default;
  Propagator(const Propagator&) = delete;
  Propagator& operator=(const Propagator&) = delete;

  // `targets`: which ops the sink takes (kPropagateAof for the AOF,
  // kPropagateRepl for the replication stream).
  void AddSink(PropagationSink* sink, uint8_t targets = kPropagateAll);
  void RemoveSink(PropagationSink* sink);
  bool has_sinks() const { return !sinks_.empty(); }

  // Queues one op of the current call, for `targets`.
  void Add(int db, std::span<const std::string_view> argv, uint8_t targets = kPropagateAll);
  void Add(int db, std::initializer_list<std::string_view> argv, uint8_t targets = kPropagateAll) {
    Add(db, std::span<const std::string_view>(argv.begin(), argv.size()), targets);
  }

  // The verbatim path (a replica): bytes of the primary's stream, fed
  // unchanged to the replication sinks. While `from_primary` is set, ops
  // reach only the AOF sinks.
  void FeedVerbatim(std::string_view bytes);
  void set_replicating_from_primary(bool from_primary) { from_primary_ = from_primary; }
  // Set while this node is a replica (Server::set_role): ops reach only the
  // AOF sinks; the replication stream carries the primary's bytes alone.
  void set_replica(bool replica) { replica_ = replica; }
  // Inside a client's MULTI/EXEC every op belongs to one wrap, however many
  // calls produce them.
  void BeginTransaction() { in_transaction_ = true; }
  bool in_transaction() const { return in_transaction_; }
  // Ops added from now on reach only `mask`'s targets (a script's
  // redis.set_repl); kPropagateAll restores the default.
  void set_target_mask(uint8_t mask) { target_mask_ = mask; }
  void EndTransaction();
  // Ends a top-level call: emits the queued ops (wrapped if more than one).
  void EndCall();

  // Forgets every sink's selected db (after a new AOF file or a new replica
  // stream starts, the next op must SELECT again).
  void ResetSelectedDb(PropagationSink* sink) { sink->selected_db_ = -1; }
  // The db `sink`'s stream last selected (-1: none yet).
  static int SelectedDb(const PropagationSink* sink) { return sink->selected_db_; }

  // Encodes argv as a RESP multibulk, appended to *out.
  static void EncodeCommand(std::span<const std::string_view> argv, std::string* out);

 private:
  struct Op {
    int db;
    size_t begin, end;  // range of encoded_
    uint8_t targets;
  };
  void Emit();

  std::vector<PropagationSink*> sinks_;
  std::vector<Op> ops_;
  std::string encoded_;
  bool in_transaction_ = false;
  uint8_t target_mask_ = kPropagateAll;
  bool from_primary_ = false;
  bool replica_ = false;
};

}  // namespace replikv
