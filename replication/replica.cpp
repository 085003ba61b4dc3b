#include "replication/replica.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/persistence_module.h"
#include "persistence/rdb_keyspace.h"
#include "replication/socket_rdb_source.h"
#include "server/base/ascii.h"
#include "server/net/client.h"
#include "server/commands/scripting.h"
#include "server/server.h"
#include "server/info_field.h"

namespace replikv::repl {
namespace {

std::string Resp(std::initializer_list<std::string_view> argv) {
  std::string out;
  Propagator::EncodeCommand(std::span<const std::string_view>(argv.begin(), argv.size()), &out);
  return out;
}

// The primary's stream is not limited by proto-max-bulk-len (Redis's
// CLIENT_MASTER): it carries what the primary accepted.
RespLimits StreamLimits() {
  RespLimits l;
  l.max_bulk_len = SIZE_MAX;
  return l;
}

}  // namespace

struct ReplicaSide::WriteReq {
  uv_write_t req;
  std::string data;
};

ReplicaSide::ReplicaSide(Server& server, ReplIdentity& id, ReplStream& stream,
                         persistence::PersistenceModule& persistence, std::function<void()> on_full_sync)
    : server_(server),
      id_(id),
      stream_(stream),
      persistence_(persistence),
      on_full_sync_(std::move(on_full_sync)),
      parser_(StreamLimits()) {}

ReplicaSide::~ReplicaSide() {
  if (temp_fd_ != -1) close(temp_fd_);
}

void ReplicaSide::SetPrimary(const std::string& host, int port, bool failover) {
  if (state_ != State::kNone) Fail("a new primary was set", /*stop=*/true);
  failover_psync_ = failover;
  host_ = host;
  port_ = port;
  state_ = State::kConnect;
  // master_link_down_since_seconds counts from a lost link only: a node
  // that was a primary says -1 until its first link drops (Redis 7.0).
  spdlog::info("Connecting to MASTER {}:{}", host_, port_);
  StartConnect();
}

void ReplicaSide::Unset() {
  if (state_ == State::kNone) return;
  Fail("replication stopped", /*stop=*/true);
  host_.clear();
  port_ = 0;
  link_down_since_ms_ = 0;
}

void ReplicaSide::CloseSocket() {
  ++connection_gen_;
  if (socket_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(socket_), &ReplicaSide::OnClosed);
    socket_ = nullptr;
  }
  if (resolve_ != nullptr) {
    uv_cancel(reinterpret_cast<uv_req_t*>(resolve_));  // its callback frees it
    resolve_ = nullptr;
  }
}

void ReplicaSide::OnClosed(uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); }

void ReplicaSide::Fail(const std::string& why, bool stop) {
  if (state_ == State::kConnected) {
    spdlog::info("Connection with master lost ({}).", why);
    spdlog::info("Caching the disconnected master state.");
  } else if (state_ != State::kNone && !stop) {
    spdlog::warn("Master {}:{}: {}", host_, port_, why);
  }
  if (state_ == State::kConnected || state_ == State::kTransfer) link_down_since_ms_ = WallClockMs();
  CloseSocket();
  if (Client* c = PrimaryClient()) {
    stream_db_ = c->db;
    c->Close();
  }
  primary_client_id_ = 0;
  if (temp_fd_ != -1) {
    close(temp_fd_);
    temp_fd_ = -1;
    unlink(temp_path_.c_str());
  }
  transfer_.reset();
  in_.clear();
  open_transaction_.clear();  // its commands went with the primary client
  parser_.Reset();
  server_.propagator().set_replicating_from_primary(false);
  state_ = stop ? State::kNone : State::kConnect;
}

void ReplicaSide::StartConnect() {
  state_ = State::kConnecting;
  const uint64_t gen = ++connection_gen_;
  resolve_ = new uv_getaddrinfo_t;
  resolve_->data = this;
  struct addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  std::string port = std::to_string(port_);
  // The generation travels in the request so a late answer for an old
  // connection is recognised.
  auto* ctx = new std::pair<ReplicaSide*, uint64_t>(this, gen);
  resolve_->data = ctx;
  int rc = uv_getaddrinfo(server_.loop(), resolve_, &ReplicaSide::OnResolved, host_.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    delete ctx;
    delete resolve_;
    resolve_ = nullptr;
    Fail(std::string("Unable to resolve ") + host_ + ": " + uv_strerror(rc));
  }
}

void ReplicaSide::OnResolved(uv_getaddrinfo_t* req, int status, struct addrinfo* res) {
  auto* ctx = static_cast<std::pair<ReplicaSide*, uint64_t>*>(req->data);
  ReplicaSide* self = ctx->first;
  const bool stale = ctx->second != self->connection_gen_;
  delete ctx;
  delete req;
  if (stale) {
    if (res != nullptr) uv_freeaddrinfo(res);
    return;
  }
  self->resolve_ = nullptr;
  if (status != 0 || res == nullptr) {
    if (res != nullptr) uv_freeaddrinfo(res);
    return self->Fail(std::string("Unable to connect to MASTER: can't resolve ") + self->host_ + ": " +
                      uv_strerror(status));
  }
  self->socket_ = new uv_tcp_t;
  uv_tcp_init(self->server_.loop(), self->socket_);
  self->socket_->data = self;
  uv_tcp_nodelay(self->socket_, self->server_.config().repl_disable_tcp_nodelay ? 0 : 1);
  self->connect_req_.data = self;
  int rc = uv_tcp_connect(&self->connect_req_, self->socket_, res->ai_addr, &ReplicaSide::OnConnected);
  uv_freeaddrinfo(res);
  if (rc != 0) self->Fail(std::string("Unable to connect to MASTER: ") + uv_strerror(rc));
}

void ReplicaSide::OnConnected(uv_connect_t* req, int status) {
  if (status == UV_ECANCELED) return;  // closed meanwhile; the object may be resetting
  auto* self = static_cast<ReplicaSide*>(req->data);
  if (req->handle != reinterpret_cast<uv_stream_t*>(self->socket_)) return;  // an old connection
  if (status != 0) return self->Fail(std::string("Error condition on socket for SYNC: ") + uv_strerror(status));
  spdlog::info("MASTER <-> REPLICA sync started");
  self->state_ = State::kHandshake;
  self->last_io_ms_ = WallClockMs();
  uv_read_start(reinterpret_cast<uv_stream_t*>(self->socket_), &ReplicaSide::OnAlloc, &ReplicaSide::OnRead);
  spdlog::info("Non blocking connect for SYNC fired the event.");
  self->step_ = Step::kPing;
  self->SendCommand({"PING"});
}

void ReplicaSide::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<ReplicaSide*>(h->data);
  *buf = uv_buf_init(self->read_buf_, sizeof(self->read_buf_));
}

void ReplicaSide::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<ReplicaSide*>(s->data);
  if (reinterpret_cast<uv_tcp_t*>(s) != self->socket_) return;
  if (nread < 0) {
    return self->Fail(nread == UV_EOF ? "connection closed by the master" : uv_strerror(static_cast<int>(nread)));
  }
  if (nread == 0) return;
  self->last_io_ms_ = WallClockMs();
  self->server_.stats().total_net_repl_input_bytes += static_cast<uint64_t>(nread);
  self->in_.append(buf->base, static_cast<size_t>(nread));
  self->Process();
}

void ReplicaSide::Send(std::string bytes) {
  if (socket_ == nullptr) return;
  auto* w = new WriteReq;
  w->data = std::move(bytes);
  w->req.data = w;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(socket_), &b, 1, &ReplicaSide::OnWritten) != 0) {
    delete w;
    Fail("write error to the master");
  }
}

void ReplicaSide::OnWritten(uv_write_t* req, int) { delete static_cast<WriteReq*>(req->data); }

void ReplicaSide::SendCommand(std::initializer_list<std::string_view> argv) { Send(Resp(argv)); }

void ReplicaSide::Process() {
  // Bounded: each round consumes bytes of in_ or returns.
  while (!in_.empty()) {
    if (state_ == State::kHandshake) {
      size_t used = 0;
      auto line = TakeLine(in_, &used);
      if (!line.ok()) return Fail(line.status().message());
      if (!line->has_value()) return;
      std::string text(**line);
      in_.erase(0, used);
      if (!HandshakeLine(text)) return;
    } else if (state_ == State::kTransfer) {
      if (!FeedTransfer()) return;
    } else if (state_ == State::kConnected) {
      ApplyStream();
      return;
    } else {
      return;
    }
  }
}

// One reply line of the handshake; returns false when the link failed.
bool ReplicaSide::HandshakeLine(std::string_view line) {
  const ServerConfig& cfg = server_.config();
  switch (step_) {
    case Step::kPing:
      if (line.empty()) return true;  // a keepalive newline
      // -NOAUTH and -NOPERM are fine here: AUTH comes next.
      if (line[0] == '-' && !line.starts_with("-NOAUTH") && !line.starts_with("-NOPERM") &&
          !line.starts_with("-ERR operation not permitted")) {
        Fail("Error reply to PING from master: '" + std::string(line) + "'");
        return false;
      }
      spdlog::info("Master replied to PING, replication can continue...");
      if (!cfg.masterauth.empty()) {
        step_ = Step::kAuth;
        if (cfg.masteruser.empty()) {
          SendCommand({"AUTH", cfg.masterauth});
        } else {
          SendCommand({"AUTH", cfg.masteruser, cfg.masterauth});
        }
        return true;
      }
      [[fallthrough]];
    case Step::kAuth:
      if (step_ == Step::kAuth && !line.empty() && line[0] == '-') {
        Fail("Unable to AUTH to MASTER: " + std::string(line));
        return false;
      }
      step_ = Step::kPort;
      SendCommand({"REPLCONF", "listening-port",
                   std::to_string(cfg.replica_announce_port ? cfg.replica_announce_port : cfg.port)});
      return true;
    case Step::kPort:
      if (!line.empty() && line[0] == '-') {
        spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}", line);
      }
      if (!cfg.replica_announce_ip.empty()) {
        step_ = Step::kIp;
        SendCommand({"REPLCONF", "ip-address", cfg.replica_announce_ip});
        return true;
      }
      [[fallthrough]];
    case Step::kIp:
      if (step_ == Step::kIp && !line.empty() && line[0] == '-') {
        spdlog::info("(Non critical) Master does not understand REPLCONF ip-address: {}", line);
      }
      step_ = Step::kCapa;
      SendCommand({"REPLCONF", "capa", "eof", "capa", "psync2"});
      return true;
    case Step::kCapa: {
      if (!line.empty() && line[0] == '-') {
        spdlog::info("(Non critical) Master does not understand REPLCONF capa: {}", line);
      }
      step_ = Step::kPsync;
      // With a history (a cached primary, or ourselves after a restart or a
      // promotion), ask to continue from the next byte.
      const bool has_history = stream_.has_backlog() || stream_.end_offset() > 0;
      psync_had_history_ = has_history;
      if (has_history) {
        const int64_t next = stream_.end_offset() + 1;
        const std::string& replid = id_.PsyncReplid(next);
        spdlog::info("Trying a partial resynchronization (request {}:{}).", replid, next);
        Send(FormatPsyncCommand(replid, next, failover_psync_));
      } else {
        spdlog::info("Partial resynchronization not possible (no cached master)");
        Send(FormatPsyncCommand("?", -1));
      }
      return true;
    }
    case Step::kPsync: {
      auto reply = ParsePsyncReply(line);
      if (failover_psync_ && (!reply.ok() || reply->kind != PsyncReply::Kind::kKeepalive)) {
        // The hand-over's answer: the target took over, or refused.
        failover_psync_ = false;
        const bool accepted = reply.ok() && (reply->kind == PsyncReply::Kind::kContinue ||
                                             reply->kind == PsyncReply::Kind::kFullResync);
        if (on_failover_psync_) on_failover_psync_(accepted);
        if (!accepted) {
          // The failover is aborted: this node is a primary again.
          if (state_ == State::kNone) return false;
        }
      }
      if (!reply.ok()) {
        Fail(reply.status().message());
        return false;
      }
      switch (reply->kind) {
        case PsyncReply::Kind::kKeepalive:
          return true;
        case PsyncReply::Kind::kFullResync:
          BeginTransfer(*reply);
          return true;
        case PsyncReply::Kind::kContinue:
          spdlog::info("Successful partial resynchronization with master.");
          if (!reply->replid.empty() && reply->replid != id_.replid()) {
            id_.ShiftTo(reply->replid, stream_.end_offset());
            spdlog::info("Master replication ID changed to {}", reply->replid);
          }
          if (!stream_.has_backlog()) stream_.CreateBacklog();
          spdlog::info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
          BecomeConnected();
          return state_ == State::kConnected;
        case PsyncReply::Kind::kTryLater:
          Fail("Master is currently unable to PSYNC but should be in the future: " + reply->line);
          return false;
        default:
          Fail("Unexpected reply to PSYNC from master: " + reply->line);
          return false;
      }
    }
  }
  return true;
}

void ReplicaSide::BeginTransfer(const PsyncReply& reply) {
  spdlog::info("Full resync from master: {}:{}", reply.replid, reply.offset);
  sync_replid_ = reply.replid;
  sync_offset_ = reply.offset;
  transfer_ = std::make_unique<RdbTransferReader>();
  temp_path_ = "temp-" + std::to_string(WallClockMs() / 1000) + "." + std::to_string(getpid()) + ".rdb";
  temp_fd_ = open(temp_path_.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  if (temp_fd_ < 0) {
    return Fail(std::string("Opening the temp file needed for MASTER <-> REPLICA synchronization: ") +
                std::strerror(errno));
  }
  transfer_start_ms_ = transfer_last_log_ms_ = WallClockMs();
  state_ = State::kTransfer;
}

// Feeds in_ to the RDB transfer; false when the link failed or more bytes
// are needed.
bool ReplicaSide::FeedTransfer() {
  auto step = transfer_->Feed(in_, [this](std::string_view bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = write(temp_fd_, bytes.data() + off, bytes.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return Status::IOError("Write error or short write writing to the DB dump file needed for MASTER <-> "
                               "REPLICA synchronization",
                               std::strerror(errno));
      }
      off += static_cast<size_t>(n);
    }
    return Status::OK();
  });
  if (!step.ok()) {
    Fail(step.status().message());
    return false;
  }
  in_.erase(0, step->consumed);
  if (step->event == RdbTransferReader::Event::kPreamble) {
    if (UseDisklessLoad()) return LoadFromSocket();
    if (transfer_->uses_eof_mark()) {
      spdlog::info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to disk");
    } else {
      spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to disk", transfer_->transfer_size());
    }
    return true;
  }
  if (step->event == RdbTransferReader::Event::kNeedMore) {
    const int64_t now = WallClockMs();
    if (now - transfer_last_log_ms_ >= 5000 && transfer_->transfer_size() > 0) {
      transfer_last_log_ms_ = now;
      double secs = static_cast<double>(now - transfer_start_ms_) / 1000.0;
      double got = static_cast<double>(transfer_->payload_written());
      double mbps = secs > 0 ? got / (1024.0 * 1024.0) / secs : 0;
      spdlog::info("MASTER <-> REPLICA sync: {:.1f}% of {} bytes received, {:.2f} MB/sec", 100.0 * got /
                   static_cast<double>(transfer_->transfer_size()), transfer_->transfer_size(), mbps);
    }
    return false;
  }
  return FinishTransfer();
}

bool ReplicaSide::FinishTransfer() {
  if (fsync(temp_fd_) != 0 || close(temp_fd_) != 0) {
    temp_fd_ = -1;
    Fail(std::string("Failed trying to sync the temp DB to disk in MASTER <-> REPLICA synchronization: ") +
         std::strerror(errno));
    return false;
  }
  temp_fd_ = -1;
  transfer_.reset();
  if (RefuseEmptySync(psync_had_history_ && server_.config().replica_refuse_empty_sync &&
                      RdbFileIsEmpty(temp_path_))) {
    unlink(temp_path_.c_str());
    Fail("the master's dataset is empty and its history is not ours");
    return false;
  }
  spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
  // This node's replicas follow the old history: they must resync.
  on_full_sync_();
  Keyspace& ks = server_.keyspace();
  ks.ClearAll(server_.config().replica_lazy_flush);
  const std::string& dbfile = server_.config().dbfilename;
  if (rename(temp_path_.c_str(), dbfile.c_str()) != 0) {
    Fail(std::string("Failed trying to rename the temp DB into ") + dbfile +
         " in MASTER <-> REPLICA synchronization: " + std::strerror(errno));
    return false;
  }
  spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
  // The rest of in_ is the stream; nothing reads the socket while loading.
  uv_read_stop(reinterpret_cast<uv_stream_t*>(socket_));
  auto size = persistence::GetFileSize(dbfile);
  auto file = persistence::NewSequentialFile(dbfile);
  Status st = !size.ok() ? size.status() : !file.ok() ? file.status() : Status::OK();
  persistence::RdbLoadResult result;
  if (st.ok()) st = LoadPrimaryRdb(ks, file->get(), *size, /*async=*/false, &result);
  if (socket_ == nullptr || state_ != State::kTransfer) return false;  // dropped meanwhile
  if (!st.ok()) {
    spdlog::warn("Failed trying to load the MASTER synchronization DB from disk: {}", st.message());
    ks.ClearAll();
    Fail("the RDB from the master could not be loaded");
    return false;
  }
  return CompleteFullSync();
}

bool ReplicaSide::UseDisklessLoad() const {
  switch (server_.config().repl_diskless_load) {
    case ReplDisklessLoad::kDisabled: return false;
    case ReplDisklessLoad::kSwapDb: return true;
    case ReplDisklessLoad::kOnEmptyDb: break;
  }
  return server_.keyspace().KeyCount() == 0;
}

// replica-refuse-empty-sync: the primary did not know our history (it
// answered our PSYNC with a full sync) and sends an empty dataset while we
// hold keys -- the primary restarted without its data. Redis flushes the
// replica then; with the directive we keep our data, log why and retry.
bool ReplicaSide::RefuseEmptySync(bool incoming_empty) {
  if (!server_.config().replica_refuse_empty_sync || !psync_had_history_ || !incoming_empty) return false;
  const uint64_t keys = server_.keyspace().KeyCount();
  if (keys == 0) return false;
  spdlog::warn("MASTER <-> REPLICA sync: refusing the full sync: the master {}:{} (replication id {}) did not know "
               "our history and sent an empty dataset; keeping our {} keys (replica-refuse-empty-sync yes)",
               host_, port_, sync_replid_, keys);
  return true;
}

// Whether the RDB file holds no key. A dataset with keys is rarely small,
// so only files up to kEmptyRdbProbeBytes are decoded; a larger file (or
// one that does not decode: the load will say why) counts as not empty.
bool ReplicaSide::RdbFileIsEmpty(const std::string& path) {
  constexpr uint64_t kEmptyRdbProbeBytes = 1 << 20;
  auto size = persistence::GetFileSize(path);
  if (!size.ok() || *size > kEmptyRdbProbeBytes) return false;
  std::string data;
  if (!persistence::ReadFileToString(path, &data).ok()) return false;
  struct KeyFinder final : persistence::RdbHandler {
    bool found = false;
    Status OnKey(persistence::RdbEntry&) override {
      found = true;
      return Status::InvalidArgument("a key");  // enough: stop here
    }
  } finder;
  Status st = persistence::DecodeRdb(data, &finder);
  return st.ok() && !finder.found;
}

// repl-diskless-load: the RDB is parsed straight from the socket, as Redis's
// readSyncBulkPayload with a diskless load. on-empty-db loads into the
// (empty) dataset; swapdb loads into a second keyspace while the old data
// stays whole, swaps them on success and drops the new one on failure. When
// the primary's id is the one this replica already follows, the old data is
// a point of the same history and goes on serving reads meanwhile
// (async_loading, as 7.0); otherwise clients get -LOADING.
bool ReplicaSide::LoadFromSocket() {
  if (temp_fd_ != -1) {
    close(temp_fd_);
    temp_fd_ = -1;
    unlink(temp_path_.c_str());
  }
  const bool swapdb = server_.config().repl_diskless_load == ReplDisklessLoad::kSwapDb;
  const bool async = swapdb && sync_replid_ == id_.replid();
  if (transfer_->uses_eof_mark()) {
    spdlog::info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to parser");
  } else {
    spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to parser", transfer_->transfer_size());
  }
  uv_read_stop(reinterpret_cast<uv_stream_t*>(socket_));
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(socket_), &fd) != 0) {
    Fail("can't read the master's socket");
    return false;
  }
  // This node's replicas follow the old history: they must resync.
  on_full_sync_();
  Keyspace& ks = server_.keyspace();
  std::unique_ptr<Keyspace> fresh;
  if (swapdb) {
    fresh = std::make_unique<Keyspace>(ks.databases(), &server_.propagator());
    fresh->set_is_replica(true);
  } else {
    spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
    ks.ClearAll(server_.config().replica_lazy_flush);
  }
  Keyspace& target = swapdb ? *fresh : ks;
  SocketRdbSource source(fd, transfer_.get(), std::move(in_), server_.config().repl_timeout * 1000, [this] {
    last_io_ms_ = WallClockMs();
    server_.PumpEvents();
  });
  in_.clear();
  persistence::RdbLoadResult result;
  Status st = LoadPrimaryRdb(target, &source, 0, async, &result);
  std::string stream;
  if (st.ok()) st = source.Finish(result.bytes, &stream);
  server_.stats().total_net_repl_input_bytes += source.socket_bytes();
  if (socket_ == nullptr || state_ != State::kTransfer) return false;  // dropped meanwhile
  transfer_.reset();
  if (!st.ok()) {
    spdlog::warn("Failed trying to load the MASTER synchronization DB from socket: {}", st.message());
    if (swapdb) {
      spdlog::info("MASTER <-> REPLICA sync: Discarding the half-loaded data");  // the old data stays
    } else {
      ks.ClearAll();
    }
    Fail("the RDB from the master could not be loaded");
    return false;
  }
  if (swapdb && RefuseEmptySync(fresh->KeyCount() == 0)) {
    Fail("the master's dataset is empty and its history is not ours");
    return false;
  }
  if (swapdb) {
    spdlog::info("MASTER <-> REPLICA sync: Swapping active DB with loaded DB");
    ks.ClearAll(server_.config().replica_lazy_flush);
    for (int i = 0; i < ks.databases(); ++i) ks.db(i).Swap(fresh->db(i));
  }
  spdlog::info("MASTER <-> REPLICA sync: Loaded {} bytes of RDB from the socket", source.payload_bytes());
  in_ = std::move(stream);
  return CompleteFullSync();
}

// Loads the primary's RDB from `source` (`total` bytes, 0 unknown) into
// `target`, keys already expired kept (the primary's DELs will come), with
// the loading state's progress and the loop served between chunks; `async`
// while the old dataset goes on serving (swapdb).
Status ReplicaSide::LoadPrimaryRdb(Keyspace& target, persistence::SequentialFile* source, uint64_t total, bool async,
                                   persistence::RdbLoadResult* result) {
  LoadingState& loading = server_.loading_state();
  loading.Begin("MASTER RDB", total, async);
  Status st = persistence::LoadKeyspaceFromSource(
      target, source, total, /*drop_expired=*/false,
      [&](uint64_t bytes, uint64_t) {
        loading.Progress(bytes);
        last_io_ms_ = WallClockMs();
        server_.PumpEvents();
      },
      result, persistence::LoadTuningFromConfig(server_.config()));
  loading.End();
  // The primary's libraries replace ours, as the keys do.
  if (st.ok()) st = persistence::InstallLoadedFunctions(server_.scripting(), *result);
  // The stream goes on in the db the RDB names (Redis's rsi.repl_stream_db).
  if (st.ok()) set_stream_db(result->repl_id.empty() ? 0 : result->repl_stream_db);
  return st;
}

// The dataset is the primary's as of sync_offset_: follow its stream.
bool ReplicaSide::CompleteFullSync() {
  id_.Adopt(sync_replid_, sync_offset_ + 1);
  stream_.ResetBacklog(sync_offset_);
  spdlog::info("MASTER <-> REPLICA sync: Finished with success");
  uv_read_start(reinterpret_cast<uv_stream_t*>(socket_), &ReplicaSide::OnAlloc, &ReplicaSide::OnRead);
  BecomeConnected();
  // The AOF must describe the new dataset (restartAOFAfterSYNC).
  if (server_.config().appendonly) persistence_.aof().RestartAfterFullSync();
  return state_ == State::kConnected;
}

void ReplicaSide::BecomeConnected() {
  auto c = std::make_unique<Client>(server_, server_.NextClientId());
  primary_client_id_ = c->id();
  c->authenticated = true;
  c->set_kind(ClientKind::kPrimary);
  c->addr = host_ + ":" + std::to_string(port_);
  c->db = stream_db_ < server_.keyspace().databases() ? stream_db_ : 0;
  server_.AddClient(std::move(c));
  state_ = State::kConnected;
  last_ack_ms_ = 0;
  parser_.Reset();
  SendAck();
}

Client* ReplicaSide::PrimaryClient() const {
  Client* c = primary_client_id_ != 0 ? server_.FindClient(primary_client_id_) : nullptr;
  return c != nullptr && !c->closing() ? c : nullptr;
}

bool ReplicaSide::IsPrimaryClient(const Client& c) const { return primary_client_id_ != 0 && c.id() == primary_client_id_; }

int ReplicaSide::stream_db() const {
  Client* c = PrimaryClient();
  return c != nullptr ? c->db : stream_db_;
}

// Runs every complete command of in_ on the primary client. Each command's
// bytes are counted into the offset and passed on verbatim to this node's
// own backlog and replicas; a transaction's, when it has ended.
bool ReplicaSide::ApplyStream() {
  size_t pos = 0;
  Propagator& prop = server_.propagator();
  Keyspace& ks = server_.keyspace();
  while (pos < in_.size() && state_ == State::kConnected) {
    Client* pc = PrimaryClient();
    if (pc == nullptr) {
      // CLIENT KILL of the primary client: the link goes, PSYNC follows.
      Fail("the master client was killed");
      return false;
    }
    // A paused replica stops applying (Redis 7.0 pauses the master link).
    if (pc->paused()) break;
    RespParser::State st = parser_.Parse(in_.data() + pos, in_.size() - pos);
    if (st == RespParser::State::kNeedMore) {
      // Skipped empty lines still count in the offset.
      if (parser_.consumed() > 0) {
        std::string_view skipped(in_.data() + pos, parser_.consumed());
        if (pc->in_multi()) {
          open_transaction_.append(skipped);
        } else {
          prop.FeedVerbatim(skipped);
        }
        pos += parser_.consumed();
      }
      break;
    }
    if (st == RespParser::State::kError) {
      Fail("Protocol error from master: " + parser_.error());
      return false;
    }
    const size_t n = parser_.consumed();
    std::string_view raw(in_.data() + pos, n);
    const std::vector<std::string_view>& argv = parser_.args();
    prop.set_replicating_from_primary(true);
    const bool opens_transaction = !argv.empty() && EqualsIgnoreCase(argv[0], "multi");
    if (pc->in_multi() || opens_transaction) {
      open_transaction_.append(raw);
    } else {
      prop.FeedVerbatim(raw);
    }
    if (!argv.empty()) {
      // Keys expire only by the primary's DELs: its commands see every key.
      ks.set_expiry_paused(true);
      server_.ExecuteCommand(*pc, argv);
      ks.set_expiry_paused(false);
      pc->reply().Clear();
    }
    if (state_ == State::kConnected && !open_transaction_.empty() && !pc->in_multi()) {
      prop.FeedVerbatim(open_transaction_);
      open_transaction_.clear();
    }
    prop.set_replicating_from_primary(false);
    pos += n;
    if (state_ != State::kConnected) break;  // the command dropped the link (REPLICAOF...)
  }
  if (state_ == State::kConnected) in_.erase(0, pos);
  return true;
}

void ReplicaSide::Resume() {
  if (state_ == State::kConnected && !in_.empty()) ApplyStream();
}

void ReplicaSide::SendAck() {
  if (state_ != State::kConnected) return;
  Send(Resp({"REPLCONF", "ACK", std::to_string(stream_.end_offset())}));
  last_ack_ms_ = WallClockMs();
}

void ReplicaSide::Cron() {
  if (state_ == State::kNone) return;
  const uint64_t hz = static_cast<uint64_t>(server_.config().hz > 0 ? server_.config().hz : 10);
  const bool second = ++cron_ticks_ % hz == 0;
  const int64_t now = WallClockMs();
  const int64_t timeout_ms = static_cast<int64_t>(server_.config().repl_timeout) * 1000;
  if (state_ == State::kConnect && second) {
    spdlog::info("Connecting to MASTER {}:{}", host_, port_);
    StartConnect();
    return;
  }
  // Loading the primary's RDB runs Cron from inside the load: the link is
  // not idle then, it is us.
  if (state_ == State::kTransfer && server_.loading_state().active()) {
    last_io_ms_ = now;
    return;
  }
  if ((state_ == State::kHandshake || state_ == State::kTransfer || state_ == State::kConnected) &&
      now - last_io_ms_ > timeout_ms) {
    Fail(state_ == State::kConnected ? "MASTER timeout: no data nor PING received..."
                                     : "Timeout connecting to the MASTER...");
    return;
  }
  if (state_ == State::kConnected) {
    Client* pc = PrimaryClient();
    if (pc == nullptr) return Fail("the master client was killed");
    if (!pc->paused() && !in_.empty()) ApplyStream();
    if (now - last_ack_ms_ >= 1000) SendAck();
  }
}

const char* ReplicaSide::RoleState() const {
  switch (state_) {
    case State::kNone: return "none";
    case State::kConnect: return "connect";
    case State::kConnecting: return "connecting";
    case State::kHandshake: return "handshake";
    case State::kTransfer: return "sync";
    case State::kConnected: return "connected";
  }
  return "unknown";
}

void ReplicaSide::AppendInfo(std::string* o) const {
  const int64_t now = WallClockMs();
  InfoField(o, "master_host", host_);
  InfoField(o, "master_port", port_);
  InfoField(o, "master_link_status", state_ == State::kConnected ? "up" : "down");
  InfoField(o, "master_last_io_seconds_ago",
            state_ == State::kConnected ? (now - last_io_ms_) / 1000 : int64_t{-1});
  InfoField(o, "master_sync_in_progress", state_ == State::kTransfer ? 1 : 0);
  InfoField(o, "slave_read_repl_offset",
            stream_.end_offset() + static_cast<int64_t>(open_transaction_.size() + in_.size()));
  InfoField(o, "slave_repl_offset", stream_.end_offset());
  if (state_ == State::kTransfer && transfer_ != nullptr) {
    int64_t total = transfer_->transfer_size();
    int64_t got = transfer_->payload_written();
    InfoField(o, "master_sync_total_bytes", total);
    InfoField(o, "master_sync_read_bytes", got);
    InfoField(o, "master_sync_left_bytes", total > 0 ? total - got : int64_t{-1});
    InfoFieldF(o, "master_sync_perc", total > 0 ? 100.0 * static_cast<double>(got) / static_cast<double>(total) : 0.0);
    InfoField(o, "master_sync_last_io_seconds_ago", (now - last_io_ms_) / 1000);
  }
  if (state_ != State::kConnected) {
    InfoField(o, "master_link_down_since_seconds", link_down_since_ms_ ? (now - link_down_since_ms_) / 1000 : -1);
  }
}

}  // namespace replikv::repl
