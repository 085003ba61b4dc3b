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
// Sinks: the AOF (persistence) and the replication stream (replication).
// When there are no sinks nothing is encoded. Loop thread only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace replikv {

class PropagationSink {
 public:
  virtual ~PropagationSink() = default;
  // RESP-encoded commands, in order, SELECT included.
  virtual void Feed(std::string_view resp) = 0;

 private:
  friend class Propagator;
  int selected_db_ = -1;  // the db this stream last SELECTed; -1 none yet
};

class Propagator {
 public:
  Propagator() = default;
  Propagator(const Propagator&) = delete;
  Propagator& operator=(const Propagator&) = delete;

  void AddSink(PropagationSink* sink);
  void RemoveSink(PropagationSink* sink);
  bool has_sinks() const { return !sinks_.empty(); }

  // Queues one op of the current call.
  void Add(int db, std::span<const std::string_view> argv);
  void Add(int db, std::initializer_list<std::string_view> argv) {
    Add(db, std::span<const std::string_view>(argv.begin(), argv.size()));
  }
  // Inside a client's MULTI/EXEC every op belongs to one wrap, however many
  // calls produce them.
  void BeginTransaction() { in_transaction_ = true; }
  void EndTransaction();
  // Ends a top-level call: emits the queued ops (wrapped if more than one).
  void EndCall();

  // Forgets every sink's selected db (after a new AOF file or a new replica
  // stream starts, the next op must SELECT again).
  void ResetSelectedDb(PropagationSink* sink) { sink->selected_db_ = -1; }

  // Encodes argv as a RESP multibulk, appended to *out.
  static void EncodeCommand(std::span<const std::string_view> argv, std::string* out);

 private:
  struct Op {
    int db;
    size_t begin, end;  // range of encoded_
  };
  void Emit();

  std::vector<PropagationSink*> sinks_;
  std::vector<Op> ops_;
  std::string encoded_;
  bool in_transaction_ = false;
};

}  // namespace replikv
