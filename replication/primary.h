// PrimarySide: this node's replicas — the links of replicas attached with
// SYNC / PSYNC, as Redis 7.0's MASTER section of replication.c.
//
// A replica link goes through
//   WAIT_BGSAVE_START -> WAIT_BGSAVE_END -> SEND_BULK -> ONLINE
// A full sync starts a BGSAVE (or joins one started for replicas); the
// link's reader in the shared stream starts at the fork's offset, so every
// write made while the snapshot is taken waits in the stream for it. When
// the BGSAVE ends the file is sent as "$<len>\r\n<bytes>", then the reader's
// bytes: the replica lands exactly on the offset of its +FULLRESYNC. A
// partial resync (+CONTINUE) goes ONLINE at once, its reader at the offset
// it asked for.
//
// Diskless (repl-diskless-sync, when every waiting replica has capa eof):
// the BGSAVE's target is a pipe; one child serves every replica waiting when
// it starts (after repl-diskless-sync-delay, or at once when
// repl-diskless-sync-max-replicas wait), DisklessTransfer relays the
// "$EOF:<mark>" stream to their sockets, and each link goes ONLINE when the
// child has exited cleanly and the pipe is drained; its stream starts with
// the replica's first REPLCONF ACK (it is loading until then), as Redis 7.0.
//
// Writes to a replica's socket bypass its reply buffer: the file in chunks,
// then the stream straight from the shared blocks (ReplStream::GatherIov),
// one uv_write in flight per link, bytes consumed in the write callback.
// libuv keeps the order of writes on a stream, so the link's writes and the
// client's own replies ("+FULLRESYNC", keepalive newlines) stay in order.
//
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "replication/diskless_transfer.h"
#include "replication/repl_id.h"
#include "replication/repl_stream.h"

namespace replikv {
class Server;
class Client;
class PropagationSink;
struct CommandContext;
namespace persistence {
class Snapshotter;
struct SaveResult;
}  // namespace persistence
}  // namespace replikv

namespace replikv::repl {

class PrimarySide {
 public:
  // `sink` is the replication stream's funnel sink (PING and GETACK are fed
  // through it; a full sync resets its selected db).
  PrimarySide(Server& server, ReplIdentity& id, ReplStream& stream, persistence::Snapshotter& snapshotter,
              PropagationSink* sink);
  ~PrimarySide();
  PrimarySide(const PrimarySide&) = delete;
  PrimarySide& operator=(const PrimarySide&) = delete;

  // SYNC and PSYNC <replid> <offset> from ctx.client.
  void SyncCommand(CommandContext& ctx, bool psync);
  // REPLCONF listening-port | ip-address | capa | ack | getack.
  void ReplconfCommand(CommandContext& ctx);
  // A BGSAVE ended: send its file to the replicas waiting for it, or fail
  // them; start the next one for replicas that still wait.
  void OnSaveDone(const persistence::SaveResult& r);

  // Pushes pending stream bytes to online replicas (each loop iteration).
  void Flush();
  // Once a second: keepalives, PING in the stream, timeouts, output limits,
  // the backlog's time to live.
  void Cron();
  // Drops every replica link (promotion, REPLICAOF, shutdown).
  void DisconnectAll();

  // INFO replication: connected_slaves, min_slaves_good_slaves when
  // `good_replicas` >= 0 (Redis 7.0 prints it between the two), and the
  // slaveN lines.
  void AppendInfo(std::string* out, int good_replicas) const;
  // ROLE's replica list: (ip, port, offset) per online replica; with
  // `online_only` false also the replicas still syncing (FAILOVER's checks).
  struct ReplicaView {
    std::string ip;
    int port;
    int64_t ack_offset;
    bool online;
  };
  std::vector<ReplicaView> Replicas(bool online_only = true) const;
  // Replicas whose last ACK is at or past `offset` (WAIT).
  int CountAcked(int64_t offset) const;
  // Online replicas whose last ACK is at most `max_lag_s` old
  // (min-replicas-to-write).
  int CountGood(int max_lag_s) const;
  size_t connected() const { return links_.size(); }
  // Bytes held for replicas beyond the backlog (not counted for maxmemory).
  size_t ReplicaBufferBytes() const;
  // Asks every replica for its offset (REPLCONF GETACK *), for WAIT.
  void RequestAcks();

  // Whether this node, if a replica, has its primary link up (a replica
  // serves SYNC only then: -NOMASTERLINK otherwise).
  std::function<bool()> replica_link_up_;


 private:
  struct Link;
  enum class LinkState { kWaitBgsaveStart, kWaitBgsaveEnd, kSendBulk, kOnline };

  Link* FindLink(uint64_t client_id) const;
  Link& AddLink(Client& c);
  bool TryPartialResync(Client& c, Link& link, std::string_view replid, int64_t offset);
  void StartFullResync(Client& c, Link& link);
  // Starts a BGSAVE for the replicas in WAIT_BGSAVE_START: to a pipe when
  // `diskless`, else to the RDB file.
  void StartBgsaveForReplication(bool diskless);
  // Whether the replicas waiting for a BGSAVE get a diskless one: the config
  // says so and every one of them can read "$EOF:" transfers.
  bool WantsDiskless() const;
  // Diskless: the links go online (or are dropped) once both the pipe is
  // drained and the child has exited.
  void FinishDisklessIfComplete();
  void SendNextChunk(Link& link);
  void WriteStream(Link& link);
  static void OnWritten(uv_write_t* req, int status);
  void DropLink(Link& link, const std::string& why);
  void RemoveDeadLinks();
  Client* ClientOf(const Link& link) const;

  Server& server_;
  ReplIdentity& id_;
  ReplStream& stream_;
  persistence::Snapshotter& snapshotter_;
  PropagationSink* sink_;
  std::vector<std::unique_ptr<Link>> links_;
  // Whether the running BGSAVE was started (or is usable) for replicas, and
  // the stream offset it covers.
  bool bgsave_for_replicas_ = false;
  int64_t bgsave_offset_ = -1;
  // The running diskless transfer, and how its two halves ended (-1 not yet,
  // 0 failed, 1 ok): the pipe drained to every target, the child's exit.
  std::unique_ptr<DisklessTransfer> transfer_;
  int transfer_pipe_ok_ = -1, transfer_child_ok_ = -1;
  int64_t no_replicas_since_ms_ = 0;
  uint64_t cron_ticks_ = 0, cron_seconds_ = 0;
};

}  // namespace replikv::repl
