// Client: one connection on the loop.
//
// Owns the socket handle, the query buffer the RESP parser reads from, and
// the reply buffer. Bytes read are parsed and executed at once (pipelined
// commands run back to back); replies are not written from the read path:
// the client queues itself on the server's pending-write list and the loop's
// prepare hook writes every pending client once per iteration, after the
// AOF (DESIGN.md: group commit).
//
// Lifecycle: accepted -> reading/executing -> (close_after_reply: flush then
// close) -> closing (uv_close in flight) -> deleted in the close callback.
// While CLIENT PAUSE holds one of its commands (server/client_pause.h) the
// client is parked: it keeps reading but executes nothing until the pause
// lets the parked command run again.
//
// CLIENT REPLY OFF|SKIP (Redis 7.0's CLIENT_REPLY_OFF / _SKIP / _SKIP_NEXT)
// is applied after the fact: replies are written as usual, and the bytes
// added since the suppression mark are dropped when the command completes
// (Server::ExecuteCommand calls EndCommandReplies), so the reply writers pay
// nothing and a command pays one branch. Pub/Sub pushes are exempt, as in
// Redis 7.0: their writer wraps them in BeginPush()/EndPush().
// Loop thread only.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/config/config.h"
#include "server/net/mem_usage_buckets.h"
#include "server/net/reply_buffer.h"
#include "server/base/resp_parser.h"

namespace replikv {

class Server;
class AclUser;  // server/acl_user.h
struct Command;
struct MultiState;   // server/multi.h
struct PubSubState;  // server/pubsub.h
struct BlockState;   // server/blocking.h
struct TrackingState;  // server/tracking.h

// The growable input buffer: bytes [begin, end) are unconsumed.
class QueryBuffer {
 public:
  // Room for at least `n` bytes at the tail (compacts or grows).
  char* Prepare(size_t n, size_t* room);
  void Commit(size_t n) { end_ += n; }
  const char* data() const { return data_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  size_t capacity() const { return cap_; }
  void Consume(size_t n);
  // Gives memory back when a big buffer is idle (cron).
  void ShrinkIfIdle();

 private:
  std::unique_ptr<char[]> data_;
  size_t cap_ = 0, begin_ = 0, end_ = 0;
};

// What a connection is to the server. It decides whether CLIENT PAUSE may
// hold it, which client-output-buffer-limit class applies, and the CLIENT
// LIST flags (S, M) and `CLIENT KILL TYPE`.
//   kNormal:   a user's connection (pub/sub ones included).
//   kReplica:  a replica attached to this node (after SYNC/PSYNC): never
//              paused (Redis 7.0), limits of class `replica`.
//   kPrimary:  this replica's link to its primary: pausable, as in Redis 7.0
//              (a paused replica stops applying the stream).
//   kInternal: the server's own (the AOF loader): never paused.
enum class ClientKind { kInternal, kNormal, kReplica, kPrimary };

class Client {
 public:
  Client(Server& server, uint64_t id);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Accepts the pending connection from `listener`; false if accept failed
  // (the client must then be closed).
  bool Accept(uv_stream_t* listener);
  // Starts reading. The connection stays until Close().
  void Start();
  // Writes as much pending output as the socket takes, queues the rest.
  void Flush();
  // Applies client-output-buffer-limit for this client's class: closes the
  // connection past the hard limit, or past the soft limit for longer than
  // its seconds. Returns false if the client was closed; else counts its
  // memory anew for client eviction (server/client_eviction.h). Called
  // after each command and after a Pub/Sub or MONITOR push.
  bool CheckOutputLimits();
  // Closes now (pending output is dropped). Safe to call more than once.
  // The client leaves every server-wide registry at once (blocked keys,
  // WATCHed keys, channels), so a closing client is never served a popped
  // element, marked by a WATCH or sent a message.
  void Close();
  // RESET and disconnect: discards MULTI, unwatches, leaves every channel
  // and pattern without notifications, stops waiting on keys, leaves the
  // CLIENT PAUSE queue, ends CLIENT REPLY OFF (and a SKIP still to come),
  // turns CLIENT TRACKING off.
  void ReleaseSessionState();
  // After the client was unblocked: completes the command that waited (its
  // CLIENT REPLY SKIP ends) and parses and runs what is left in the query
  // buffer; no-op while closing or still blocked.
  void ResumeInput();
  // While a busy script pumps the loop its caller must not run more input
  // nor disappear: Protect() stops reading and defers Close() until
  // Unprotect(), which reads again (Redis's protectClient).
  void Protect();
  void Unprotect();
  // Replies already queued are written, then the connection closes.
  void CloseAfterReply() { close_after_reply_ = true; }

  // CLIENT PAUSE (server/client_pause.h). Park() keeps a copy of the command
  // that must wait; ResumeParked() runs it again through every check (it
  // may be parked again), then the rest of the query buffer.
  void Park(std::span<const std::string_view> argv);
  void ResumeParked();
  bool paused() const { return paused_; }
  // Bytes of the parked command's arguments (CLIENT LIST argv-mem).
  size_t parked_argv_bytes() const;
  // The connection's kind (Start() makes it kNormal; replication changes
  // it). Setting kReplica moves the client to the replica output limits.
  ClientKind kind() const { return kind_; }
  void set_kind(ClientKind k);
  // Whether CLIENT PAUSE may hold this client's commands.
  bool pausable() const { return kind_ == ClientKind::kNormal || kind_ == ClientKind::kPrimary; }

  // CLIENT REPLY. ON clears OFF and SKIP (and drops nothing already kept),
  // OFF suppresses every reply, errors included, until ON; SKIP suppresses
  // the next command's reply, and is ignored under OFF.
  void SetReplyOn();
  void SetReplyOff();
  void SetReplySkip();
  bool replies_suppressed() const { return (reply_flags_ & (kReplyOff | kReplySkip)) != 0; }
  // At the start of each command: nothing it adds is dropped yet.
  void MarkCommandStart() { reply_mark_ = reply_.appended(); }
  // After each command, if any reply flag is set (the caller checks
  // reply_mode_set(): the one branch per command). Drops the suppressed
  // output; once the command has completed (not parked, not blocked) moves
  // SKIP on, as Redis's resetClient().
  bool reply_mode_set() const { return reply_flags_ != 0; }
  void EndCommandReplies();
  // Around a Pub/Sub push (subscribe acks, messages): it reaches the client
  // even under OFF or SKIP, as in Redis 7.0.
  void BeginPush() {
    if (replies_suppressed()) reply_.DropAfter(reply_mark_);
  }
  void EndPush() {
    if (replies_suppressed()) reply_mark_ = reply_.appended();
  }

  uint64_t id() const { return id_; }
  ReplyBuffer& reply() { return reply_; }
  // The protocol of this connection's replies (HELLO): 2 or 3.
  int resp() const { return reply_.resp(); }
  void set_resp(int v) { reply_.set_resp(v); }
  bool closing() const { return closing_; }
  // Closing, or closing once a running script lets go of it (Protect()).
  bool close_pending() const { return closing_ || close_when_unprotected_; }
  bool close_after_reply() const { return close_after_reply_; }

  // Connection state read and changed by commands.
  int db = 0;
  bool authenticated = false;
  // The ACL user the connection runs as (server/acl.h); null for the
  // server's own clients (the primary's stream, the AOF), which may run
  // anything.
  std::shared_ptr<AclUser> user;
  std::string name;
  std::string addr;   // peer ip:port
  std::string laddr;  // local ip:port
  int64_t ctime_ms = 0;
  int64_t last_interaction_ms = 0;
  const Command* last_command = nullptr;  // CLIENT LIST cmd=
  bool pending_write = false;   // on the server's pending-write list
  // Which client-output-buffer-limit class applies (pub/sub clients change it).
  ClientClass output_class = ClientClass::kNormal;
  int64_t obuf_soft_limit_reached_ms = 0;

  // In MONITOR mode (server/monitor.h): CLIENT LIST flags=O.
  bool monitor = false;
  // CLIENT NO-EVICT ON (flags=e).
  bool no_evict = false;
  // Client eviction's bookkeeping (server/client_eviction.h): the place in
  // the usage buckets, the bytes last counted and the sum they went to.
  MemUsageHook<Client> memory_hook;
  size_t memory_counted = 0;
  int8_t memory_class = -1;

  // Transactions (server/multi.h); null until the first MULTI or WATCH.
  std::unique_ptr<MultiState> multi;
  bool in_multi() const { return in_multi_; }
  void set_in_multi(bool v) { in_multi_ = v; }
  // Pub/Sub subscriptions (server/pubsub.h); null until the first subscribe.
  std::unique_ptr<PubSubState> pubsub;
  // Subscribed to at least one channel, pattern or shard channel: in RESP2
  // only the subscribe family, PING, QUIT and RESET are accepted
  // (CLIENT LIST flags=P).
  bool in_pubsub_mode() const { return in_pubsub_mode_; }
  void set_in_pubsub_mode(bool v) { in_pubsub_mode_ = v; }
  // Waiting in BLPOP & co (server/blocking.h): input is read but not
  // executed until the wait ends (CLIENT LIST flags=b).
  std::unique_ptr<BlockState> block;
  bool blocked() const { return block != nullptr; }
  // CLIENT TRACKING settings (server/tracking.h); null until the first
  // CLIENT TRACKING ON.
  std::unique_ptr<TrackingState> tracking;
  // Set while EXEC runs: blocking commands answer at once instead of
  // waiting, as Redis's CLIENT_DENY_BLOCKING.
  bool deny_blocking = false;

  // CLIENT LIST flags= for this connection's state: P (pub/sub), x (in
  // MULTI), b (blocked, or parked by CLIENT PAUSE, as Redis 7.0 shows it),
  // t (tracking), R (its redirect target is gone), B (BCAST tracking),
  // d (a WATCHed key changed), c (close after reply); N when none.
  std::string ListFlags() const;

  int fd() const;
  // The socket, for a layer that writes to it directly (a replica link
  // streams the shared replication buffer). libuv keeps write order.
  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&handle_); }
  size_t query_buffer_size() const { return query_.size(); }
  size_t query_buffer_capacity() const { return query_.capacity(); }
  size_t output_bytes() const { return reply_.size(); }
  size_t output_allocated() const { return reply_.allocated(); }
  void ShrinkQueryBufferIfIdle() { query_.ShrinkIfIdle(); }

 private:
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWritten(uv_write_t* req, int status);
  static void OnClosed(uv_handle_t* h);
  void ProcessInput();
  void QueueReply();

  Server& server_;
  uint64_t id_;
  uv_tcp_t handle_;
  uv_write_t write_req_;
  size_t in_flight_ = 0;   // bytes handed to uv_write, not yet confirmed
  QueryBuffer query_;
  RespParser parser_;
  ReplyBuffer reply_;
  bool close_after_reply_ = false;
  bool closing_ = false;
  bool started_ = false;
  bool in_multi_ = false;
  bool in_pubsub_mode_ = false;
  bool paused_ = false;
  bool protected_ = false;
  bool close_when_unprotected_ = false;
  ClientKind kind_ = ClientKind::kInternal;
  std::vector<std::string> parked_argv_;
  // CLIENT REPLY flags, and the appended() position after which output is
  // suppressed while OFF or SKIP is on.
  static constexpr uint8_t kReplyOff = 1, kReplySkip = 2, kReplySkipNext = 4;
  uint8_t reply_flags_ = 0;
  uint64_t reply_mark_ = 0;
};

}  // namespace replikv
