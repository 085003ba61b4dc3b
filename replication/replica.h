// ReplicaSide: this node's link to its primary (REPLICAOF host port), as
// Redis 7.0's SLAVE section of replication.c, a non-blocking state machine
// on the loop.
//
// States:
//   kNone        not a replica
//   kConnect     a primary is set; Cron() starts a connection (also after a
//                lost link, once a second)
//   kConnecting  resolving the host name, then TCP connect
//   kHandshake   PING -> [AUTH] -> REPLCONF listening-port -> [REPLCONF
//                ip-address] -> REPLCONF capa eof capa psync2 -> PSYNC
//                <replid> <offset+1> (or "? -1" without history), one reply
//                line per step
//   kTransfer    after +FULLRESYNC: the RDB payload goes to a temp file;
//                then the old data is flushed, the file loaded, and the
//                stream continues from the announced offset
//   kConnected   applying the stream: each command runs on a socketless
//                primary client (no replies), its bytes are counted into the
//                offset and passed verbatim to this node's own backlog and
//                replicas; REPLCONF ACK <offset> once a second
// A lost link goes back to kConnect keeping the replication id and offset,
// so the next PSYNC continues where the stream stopped.
//
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "replication/psync_protocol.h"
#include "replication/repl_id.h"
#include "replication/repl_stream.h"
#include "server/base/resp_parser.h"
#include "server/base/status.h"

namespace replikv {
class Server;
class Client;
class Keyspace;
class PropagationSink;
namespace persistence {
class PersistenceModule;
class SequentialFile;
struct RdbLoadResult;
}  // namespace persistence
}  // namespace replikv

namespace replikv::repl {

class ReplicaSide {
 public:
  // `on_full_sync` runs before a full sync replaces the dataset (this
  // node's own replicas follow the old history and must be dropped).
  ReplicaSide(Server& server, ReplIdentity& id, ReplStream& stream, persistence::PersistenceModule& persistence,
              std::function<void()> on_full_sync);
  ~ReplicaSide();
  ReplicaSide(const ReplicaSide&) = delete;
  ReplicaSide& operator=(const ReplicaSide&) = delete;

  // Follows host:port from now on (the next Cron() connects). `failover`:
  // the first PSYNC carries FAILOVER (a coordinated hand-over; its result
  // goes to on_failover_psync_).
  void SetPrimary(const std::string& host, int port, bool failover = false);
  std::function<void(bool accepted)> on_failover_psync_;
  // Stops following: drops the link (REPLICAOF NO ONE).
  void Unset();
  void Cron();
  // Sends pending stream work after a CLIENT PAUSE ended.
  void Resume();

  bool active() const { return state_ != State::kNone; }
  bool link_up() const { return state_ == State::kConnected; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  // The db the primary's stream has selected (RDB repl-stream-db).
  // The db the primary's stream has selected: the live link's, else the one
  // it had when the link was lost (Redis's cached master keeps its db), so a
  // partial resync goes on applying in the same db.
  int stream_db() const;
  // After a restart (the RDB's repl-stream-db) or a demotion (0, as Redis).
  void set_stream_db(int db) { stream_db_ = db < 0 ? 0 : db; }
  // REPLCONF GETACK from the primary: answer with the offset now.
  void SendAck();
  // INFO replication fields of a replica (master_host ... slave_repl_offset).
  void AppendInfo(std::string* out) const;
  // ROLE's state word: connect, connecting, sync, connected, handshake.
  const char* RoleState() const;

  // Whether the command now running comes from the primary.
  bool IsPrimaryClient(const Client& c) const;

 private:
  enum class State { kNone, kConnect, kConnecting, kHandshake, kTransfer, kConnected };
  enum class Step { kPing, kAuth, kPort, kIp, kCapa, kPsync };
  struct WriteReq;

  void StartConnect();
  static void OnResolved(uv_getaddrinfo_t* req, int status, struct addrinfo* res);
  static void OnConnected(uv_connect_t* req, int status);
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* h);
  void Send(std::string bytes);
  void SendCommand(std::initializer_list<std::string_view> argv);
  void Process();
  bool HandshakeLine(std::string_view line);
  void BeginTransfer(const PsyncReply& reply);
  bool FeedTransfer();
  bool FinishTransfer();
  // repl-diskless-load: whether this transfer is parsed from the socket.
  bool UseDisklessLoad() const;
  bool LoadFromSocket();
  bool RefuseEmptySync(bool incoming_empty);
  static bool RdbFileIsEmpty(const std::string& path);
  Status LoadPrimaryRdb(Keyspace& target, persistence::SequentialFile* source, uint64_t total, bool async,
                        persistence::RdbLoadResult* result);
  bool CompleteFullSync();
  void BecomeConnected();
  bool ApplyStream();
  // Drops the connection; back to kConnect (retry) unless `stop`.
  void Fail(const std::string& why, bool stop = false);
  void CloseSocket();

  Server& server_;
  ReplIdentity& id_;
  ReplStream& stream_;
  persistence::PersistenceModule& persistence_;
  std::function<void()> on_full_sync_;
  bool failover_psync_ = false;  // the next PSYNC says FAILOVER
  int stream_db_ = 0;            // see stream_db()
  bool psync_had_history_ = false;  // the last PSYNC named our history

  State state_ = State::kNone;
  Step step_ = Step::kPing;
  std::string host_;
  int port_ = 0;
  // The connection. Heap-allocated so a closing handle outlives a reset.
  uv_tcp_t* socket_ = nullptr;
  uv_getaddrinfo_t* resolve_ = nullptr;
  uv_connect_t connect_req_;
  uint64_t connection_gen_ = 0;  // stale callbacks of an old connection are ignored
  std::string in_;               // bytes read, not yet used
  // The bytes of a transaction the primary client has open (MULTI and the
  // commands it queued): they join the offset, the backlog and this node's
  // replicas only when its EXEC (or DISCARD) ran, so a link lost or a
  // shutdown in between resumes from the MULTI, as Redis's reploff does.
  std::string open_transaction_;
  char read_buf_[64 * 1024];
  // Full sync.
  std::unique_ptr<RdbTransferReader> transfer_;
  std::string sync_replid_;
  int64_t sync_offset_ = -1;
  int temp_fd_ = -1;
  std::string temp_path_;
  int64_t transfer_start_ms_ = 0;
  int64_t transfer_last_log_ms_ = 0;
  // The stream.
  RespParser parser_;
  // The primary client is the server's (CLIENT KILL may close it): it is
  // looked up by id, never kept as a pointer.
  uint64_t primary_client_id_ = 0;
  Client* PrimaryClient() const;
  int64_t last_io_ms_ = 0;
  int64_t link_down_since_ms_ = 0;
  int64_t last_ack_ms_ = 0;
  uint64_t cron_ticks_ = 0;
};

}  // namespace replikv::repl
