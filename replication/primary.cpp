#include "replication/primary.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "persistence/snapshotter.h"
#include "replication/psync_protocol.h"
#include "server/command_table.h"
#include "server/commands/client_pause.h"
#include "server/info_field.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv::repl {
namespace {

// The file goes out in chunks of this size, one write in flight per link.
constexpr size_t kBulkChunk = 256 * 1024;
// At most this much of the stream per write.
constexpr size_t kStreamWriteMax = 1 << 20;
constexpr int kStreamIov = 64;
constexpr std::string_view kPing = "*1\r\n$4\r\nPING\r\n";

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// "ip:port" -> "ip" ([v6] brackets dropped).
std::string IpOf(const std::string& addr) {
  size_t colon = addr.rfind(':');
  std::string ip = colon == std::string::npos ? addr : addr.substr(0, colon);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  return ip;
}

}  // namespace

struct PrimarySide::Link {
  PrimarySide* owner = nullptr;
  uint64_t client_id = 0;
  bool is_replica = false;  // SYNC/PSYNC seen; before that only REPLCONF data
  LinkState state = LinkState::kWaitBgsaveStart;
  std::string ip;            // REPLCONF ip-address, else the peer's
  int listening_port = 0;    // REPLCONF listening-port
  bool capa_psync2 = false;
  bool capa_eof = false;     // can read a "$EOF:<mark>" (diskless) transfer
  bool diskless = false;     // its full sync is a diskless one
  // Diskless: the RDB is through, the replica is loading; its stream starts
  // with its first REPLCONF ACK.
  bool wait_first_ack = false;
  int64_t wait_since_ms = 0;  // when it started waiting for a BGSAVE
  bool has_reader = false;
  ReplStream::ReaderId reader = 0;
  int64_t ack_offset = 0;
  int64_t ack_time_ms = 0;
  int64_t soft_limit_since_ms = 0;
  // The file being sent (SEND_BULK).
  int rdb_fd = -1;
  uint64_t rdb_size = 0, rdb_sent = 0;
  std::string chunk;  // the bytes of the bulk write in flight
  uv_write_t req;
  bool in_flight = false;
  size_t in_flight_bytes = 0;  // stream bytes of the write in flight
  bool dead = false;
  std::string name() const { return ip + ":" + std::to_string(listening_port); }
};

PrimarySide::PrimarySide(Server& server, ReplIdentity& id, ReplStream& stream, persistence::Snapshotter& snapshotter,
                         PropagationSink* sink)
    : server_(server), id_(id), stream_(stream), snapshotter_(snapshotter), sink_(sink) {
  no_replicas_since_ms_ = WallClockMs();
}

PrimarySide::~PrimarySide() {
  for (auto& l : links_) {
    if (l->rdb_fd != -1) close(l->rdb_fd);
  }
}

Client* PrimarySide::ClientOf(const Link& link) const { return server_.FindClient(link.client_id); }

PrimarySide::Link* PrimarySide::FindLink(uint64_t client_id) const {
  for (const auto& l : links_) {
    if (l->client_id == client_id && !l->dead) return l.get();
  }
  return nullptr;
}

PrimarySide::Link& PrimarySide::AddLink(Client& c) {
  auto link = std::make_unique<Link>();
  link->owner = this;
  link->client_id = c.id();
  link->ip = IpOf(c.addr);
  link->req.data = link.get();
  links_.push_back(std::move(link));
  return *links_.back();
}

// REPLCONF <option> <value> [<option> <value> ...]
//   listening-port <port> | ip-address <ip> | capa <eof|psync2> -> +OK
//   ACK <offset> [FACK <offset>]                                   -> no reply
//   GETACK *  (only meaningful on a replica; answered there)       -> no reply
void PrimarySide::ReplconfCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  if (a.size() % 2 == 0) return ReplySyntaxError(ctx.reply);
  Link* link = FindLink(ctx.client.id());
  for (size_t i = 1; i < a.size(); i += 2) {
    std::string_view opt = a[i];
    std::string_view val = a[i + 1];
    if (EqualsIgnoreCase(opt, "ack")) {
      // A replica's offset, once a second: no reply, as Redis.
      int64_t off;
      if (link == nullptr || !link->is_replica || !ParseInt(val, &off)) return;
      if (off > link->ack_offset) link->ack_offset = off;
      link->ack_time_ms = WallClockMs();
      if (link->wait_first_ack) {
        link->wait_first_ack = false;
        spdlog::info("Synchronization with replica {} succeeded", link->name());
        WriteStream(*link);
      }
      ctx.propagation_handled = true;
      return;
    }
    if (EqualsIgnoreCase(opt, "getack")) return;  // a replica answers it (ReplicaSide)
    if (link == nullptr) link = &AddLink(ctx.client);
    if (EqualsIgnoreCase(opt, "listening-port")) {
      int64_t port;
      if (!ParseInt(val, &port) || port < 0 || port > 65535) {
        return ctx.reply.AddError("value is not an integer or out of range");
      }
      link->listening_port = static_cast<int>(port);
    } else if (EqualsIgnoreCase(opt, "ip-address")) {
      if (val.size() >= 46) return ctx.reply.AddError("REPLCONF ip-address provided by replica instance is too long: " + std::to_string(val.size()) + " bytes");
      link->ip = std::string(val);
    } else if (EqualsIgnoreCase(opt, "capa")) {
      if (EqualsIgnoreCase(val, "psync2")) link->capa_psync2 = true;
      if (EqualsIgnoreCase(val, "eof")) link->capa_eof = true;
    } else if (EqualsIgnoreCase(opt, "rdb-only") || EqualsIgnoreCase(opt, "rdb-filter-only")) {
      // Redis 7.0 tools (redis-cli --rdb) ask for an RDB alone; accepted.
    } else {
      return ctx.reply.AddError("Unrecognized REPLCONF option: " + std::string(opt));
    }
  }
  ctx.reply.AddOk();
}

// SYNC, or PSYNC <replid> <offset>: attach ctx.client as a replica.
void PrimarySide::SyncCommand(CommandContext& ctx, bool psync) {
  Client& c = ctx.client;
  ctx.propagation_handled = true;
  Link* existing = FindLink(c.id());
  if (existing != nullptr && existing->is_replica) return;  // ignored, as Redis
  if (server_.is_replica() && !replica_link_up_()) {
    return ctx.reply.AddError("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  if (c.output_bytes() != 0) return ctx.reply.AddError("SYNC and PSYNC are invalid with pending output");
  PsyncRequest req;
  if (psync) {
    std::vector<std::string_view> argv(ctx.argv.begin(), ctx.argv.end());
    auto parsed = ParsePsyncArgs(argv);
    if (!parsed.ok()) return ctx.reply.AddError(parsed.status().message());
    req = *parsed;
  }
  Link& link = existing != nullptr ? *existing : AddLink(c);
  spdlog::info("Replica {} asks for synchronization", link.name());
  if (psync) {
    if (TryPartialResync(c, link, req.replid, req.offset)) {
      ++server_.stats().sync_partial_ok;
      return;
    }
    if (req.replid != "?") ++server_.stats().sync_partial_err;
  }
  ++server_.stats().sync_full;
  StartFullResync(c, link);
}

bool PrimarySide::TryPartialResync(Client& c, Link& link, std::string_view replid, int64_t offset) {
  PsyncDecision d = id_.CanContinue(replid, offset, stream_.window(), stream_.end_offset(), link.name());
  if (!d.warning_line.empty()) spdlog::warn("{}", d.warning_line);
  if (!d.can_continue()) {
    if (!d.log_line.empty()) spdlog::info("{}", d.log_line);
    return false;
  }
  link.is_replica = true;
  c.set_kind(ClientKind::kReplica);
  link.reader = stream_.AddReader(offset - 1);
  link.has_reader = true;
  link.state = LinkState::kOnline;
  link.ack_offset = offset - 1;
  link.ack_time_ms = WallClockMs();
  // +CONTINUE <replid> for psync2 replicas, so they learn a new id.
  // Written now: the backlog's bytes follow on the same socket with our own
  // writes, which must queue behind this line.
  c.reply().Append(FormatContinue(link.capa_psync2 ? id_.replid() : std::string_view()));
  c.Flush();
  spdlog::info("Partial resynchronization request from {} accepted. Sending {} bytes of backlog starting from offset "
               "{}.",
               link.name(), stream_.end_offset() - (offset - 1), offset);
  return true;
}

void PrimarySide::StartFullResync(Client& c, Link& link) {
  link.is_replica = true;
  c.set_kind(ClientKind::kReplica);
  link.state = LinkState::kWaitBgsaveStart;
  link.ack_time_ms = WallClockMs();
  link.wait_since_ms = WallClockMs();
  if (!stream_.has_backlog()) {
    // The first replica: a new history starts here (Redis 7.0's
    // syncCommand creates the backlog with a fresh id).
    if (!server_.is_replica()) {
      id_.StartNewHistory(stream_.end_offset() + 1);
    }
    stream_.CreateBacklog();
    spdlog::info("Replication backlog created, my new replication IDs are '{}' and '{}'", id_.replid(),
                 id_.replid2());
  }
  if (snapshotter_.background_save_running()) {
    if (snapshotter_.background_save_to_pipe()) {
      spdlog::info("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
      return;
    }
    if (bgsave_for_replicas_) {
      // Join the running BGSAVE: start where the first replica's reader
      // started, so the stream after the snapshot is the same.
      for (const auto& other : links_) {
        if (other.get() != &link && other->is_replica && other->state == LinkState::kWaitBgsaveEnd &&
            other->has_reader) {
          link.reader = stream_.AddReader(stream_.ReaderOffset(other->reader));
          link.has_reader = true;
          link.state = LinkState::kWaitBgsaveEnd;
          c.reply().Append(FormatFullResync(id_.replid(), bgsave_offset_));
          c.Flush();
          spdlog::info("Waiting for end of BGSAVE for SYNC");
          return;
        }
      }
    }
    spdlog::info("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    return;
  }
  if (server_.has_active_child()) {
    spdlog::info("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    return;  // an AOF rewrite runs: Cron starts the BGSAVE when it ends
  }
  const bool diskless = WantsDiskless();
  if (diskless && server_.config().repl_diskless_sync_delay > 0) {
    spdlog::info("Delay next BGSAVE for diskless SYNC");
    return;  // Cron starts it
  }
  StartBgsaveForReplication(diskless);
}

bool PrimarySide::WantsDiskless() const {
  if (!server_.config().repl_diskless_sync) return false;
  bool any = false;
  for (const auto& l : links_) {
    if (!l->is_replica || l->dead || l->state != LinkState::kWaitBgsaveStart) continue;
    if (!l->capa_eof) return false;
    any = true;
  }
  return any;
}

void PrimarySide::StartBgsaveForReplication(bool diskless) {
  // The next op must SELECT again: a replica starting from the snapshot
  // knows nothing of the stream's current db.
  server_.propagator().ResetSelectedDb(sink_);
  const int64_t offset = stream_.end_offset();
  spdlog::info("Starting BGSAVE for SYNC with target: {}", diskless ? "replicas sockets" : "disk");
  Status st;
  int pipe_fd = -1;
  if (diskless) {
    const std::string mark = RandomHexId();
    auto fd = snapshotter_.StartBackgroundSaveToPipe("$EOF:" + mark + "\r\n", mark);
    st = fd.status();
    if (fd.ok()) pipe_fd = *fd;
  } else {
    st = snapshotter_.StartBackgroundSave();
  }
  if (!st.ok()) {
    spdlog::warn("BGSAVE for replication failed");
    for (auto& l : links_) {
      if (l->is_replica && l->state == LinkState::kWaitBgsaveStart) DropLink(*l, "BGSAVE for replication failed");
    }
    return;
  }
  bgsave_for_replicas_ = true;
  bgsave_offset_ = offset;
  std::vector<uint64_t> targets;
  for (auto& l : links_) {
    if (!l->is_replica || l->state != LinkState::kWaitBgsaveStart || l->dead) continue;
    Client* c = ClientOf(*l);
    if (c == nullptr) continue;
    l->reader = stream_.AddReader(offset);
    l->has_reader = true;
    l->state = LinkState::kWaitBgsaveEnd;
    l->diskless = diskless;
    l->ack_offset = 0;
    c->reply().Append(FormatFullResync(id_.replid(), offset));
    c->Flush();
    targets.push_back(l->client_id);
  }
  if (!diskless) return;
  // The transfer's writes queue behind the +FULLRESYNC lines just flushed.
  DisklessTransfer::Callbacks cb;
  cb.stream_of = [this](uint64_t id) -> uv_stream_t* {
    Client* c = server_.FindClient(id);
    return c != nullptr && !c->closing() ? c->stream() : nullptr;
  };
  cb.on_target_failed = [this](uint64_t id, const std::string& why) {
    if (Link* l = FindLink(id)) DropLink(*l, why);
  };
  cb.on_bytes_sent = [this](size_t n) { server_.stats().total_net_repl_output_bytes += n; };
  cb.on_done = [this](bool ok) {
    if (ok) spdlog::info("Diskless rdb transfer, done reading from pipe, {} replicas still up.", transfer_->live_targets());
    transfer_pipe_ok_ = ok ? 1 : 0;
    FinishDisklessIfComplete();
  };
  transfer_pipe_ok_ = transfer_child_ok_ = -1;
  transfer_ = std::make_unique<DisklessTransfer>(server_.loop(), pipe_fd, std::move(targets), std::move(cb));
  if (!transfer_->Start()) {
    spdlog::warn("Can't read the diskless transfer's pipe; killing the child");
    transfer_pipe_ok_ = 0;
    snapshotter_.KillBackgroundSave();
  }
}

void PrimarySide::FinishDisklessIfComplete() {
  if (transfer_pipe_ok_ == -1 || transfer_child_ok_ == -1) return;
  const bool ok = transfer_pipe_ok_ == 1 && transfer_child_ok_ == 1;
  for (auto& l : links_) {
    if (!l->is_replica || !l->diskless || l->state != LinkState::kWaitBgsaveEnd || l->dead) continue;
    if (!ok) {
      DropLink(*l, "diskless transfer failed");
      continue;
    }
    l->state = LinkState::kOnline;
    l->wait_first_ack = true;
    l->ack_time_ms = WallClockMs();
    spdlog::info("Streamed RDB transfer with replica {} succeeded (socket). Waiting for REPLCONF ACK from slave to "
                 "enable streaming",
                 l->name());
  }
  transfer_pipe_ok_ = transfer_child_ok_ = -1;
  // transfer_ is freed by Cron once its last write callback has run.
}

void PrimarySide::OnSaveDone(const persistence::SaveResult& r) {
  if (!r.background) return;
  const bool for_replicas = bgsave_for_replicas_;
  bgsave_for_replicas_ = false;
  if (!for_replicas) return;
  if (r.to_pipe) {
    if (!r.ok) spdlog::warn("Diskless rdb transfer: the child failed");
    transfer_child_ok_ = r.ok ? 1 : 0;
    if (transfer_ != nullptr && transfer_pipe_ok_ == -1 && !r.ok) transfer_pipe_ok_ = 0;
    FinishDisklessIfComplete();
    return;
  }
  for (auto& l : links_) {
    if (!l->is_replica || l->state != LinkState::kWaitBgsaveEnd || l->dead) continue;
    if (!r.ok) {
      DropLink(*l, "SYNC failed. BGSAVE child returned an error");
      continue;
    }
    int fd = open(r.path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
      if (fd >= 0) close(fd);
      DropLink(*l, std::string("SYNC failed. Can't open/stat DB after BGSAVE: ") + std::strerror(errno));
      continue;
    }
    l->rdb_fd = fd;
    l->rdb_size = static_cast<uint64_t>(sb.st_size);
    l->rdb_sent = 0;
    l->state = LinkState::kSendBulk;
    SendNextChunk(*l);
  }
}

void PrimarySide::SendNextChunk(Link& link) {
  Client* c = ClientOf(link);
  if (c == nullptr || c->closing()) return DropLink(link, "connection lost");
  // Whatever the client's own buffer holds (keepalives) goes first; if it
  // can't be handed to the socket yet, Flush() retries next iteration.
  if (c->output_bytes() > 0) c->Flush();
  if (c->output_bytes() > 0) return;
  link.chunk.clear();
  if (link.rdb_sent == 0) link.chunk = "$" + std::to_string(link.rdb_size) + "\r\n";
  const size_t header = link.chunk.size();
  const size_t want = static_cast<size_t>(std::min<uint64_t>(kBulkChunk, link.rdb_size - link.rdb_sent));
  link.chunk.resize(header + want);
  ssize_t n = want == 0 ? 0 : pread(link.rdb_fd, link.chunk.data() + header, want, static_cast<off_t>(link.rdb_sent));
  if (n < 0 || static_cast<size_t>(n) != want) {
    return DropLink(link, std::string("SYNC failed: read error on the RDB file: ") + std::strerror(errno));
  }
  link.rdb_sent += want;
  uv_buf_t buf = uv_buf_init(link.chunk.data(), static_cast<unsigned>(link.chunk.size()));
  if (uv_write(&link.req, c->stream(), &buf, 1, &PrimarySide::OnWritten) != 0) {
    return DropLink(link, "write error sending the DB");
  }
  link.in_flight = true;
  link.in_flight_bytes = 0;
}

void PrimarySide::WriteStream(Link& link) {
  if (link.in_flight || link.dead || link.state != LinkState::kOnline || !link.has_reader || link.wait_first_ack) {
    return;
  }
  if (stream_.PendingBytes(link.reader) == 0) return;
  Client* c = ClientOf(link);
  if (c == nullptr || c->closing()) return DropLink(link, "connection lost");
  if (c->output_bytes() > 0) c->Flush();
  if (c->output_bytes() > 0) return;  // ordered behind it; retried next iteration
  uv_buf_t iov[kStreamIov];
  int n = stream_.GatherIov(link.reader, iov, kStreamIov, kStreamWriteMax);
  size_t total = 0;
  for (int i = 0; i < n; ++i) total += iov[i].len;
  if (n == 0) return;
  if (uv_write(&link.req, c->stream(), iov, static_cast<unsigned>(n), &PrimarySide::OnWritten) != 0) {
    return DropLink(link, "write error");
  }
  link.in_flight = true;
  link.in_flight_bytes = total;
}

void PrimarySide::OnWritten(uv_write_t* req, int status) {
  auto* link = static_cast<Link*>(req->data);
  PrimarySide* self = link->owner;
  link->in_flight = false;
  const size_t wrote = link->in_flight_bytes;
  link->in_flight_bytes = 0;
  if (status < 0) {
    if (!link->dead) self->DropLink(*link, uv_strerror(status));
    return;
  }
  self->server_.stats().total_net_repl_output_bytes += wrote + link->chunk.size();
  if (link->dead) return;
  if (link->state == LinkState::kSendBulk) {
    if (link->rdb_sent < link->rdb_size) return self->SendNextChunk(*link);
    close(link->rdb_fd);
    link->rdb_fd = -1;
    link->chunk = std::string();
    link->state = LinkState::kOnline;
    link->ack_time_ms = WallClockMs();
    spdlog::info("Synchronization with replica {} succeeded", link->name());
  } else if (wrote > 0) {
    self->stream_.Consume(link->reader, wrote);
  }
  self->WriteStream(*link);
}

void PrimarySide::Flush() {
  for (auto& l : links_) {
    if (!l->is_replica || l->dead || l->in_flight) continue;
    if (l->state == LinkState::kOnline) WriteStream(*l);
    if (l->state == LinkState::kSendBulk && l->rdb_sent == 0) SendNextChunk(*l);  // was deferred
  }
  RemoveDeadLinks();
}

void PrimarySide::DropLink(Link& link, const std::string& why) {
  if (link.dead) return;
  link.dead = true;
  if (transfer_ != nullptr) transfer_->RemoveTarget(link.client_id);
  if (link.is_replica) spdlog::warn("Connection with replica {} lost ({}).", link.name(), why);
  if (Client* c = ClientOf(link); c != nullptr && !c->closing()) c->Close();
}

void PrimarySide::RemoveDeadLinks() {
  const bool had = !links_.empty();
  for (auto& l : links_) {
    if (!l->dead && ClientOf(*l) == nullptr) l->dead = true;  // the connection closed
  }
  auto gone = [this](const std::unique_ptr<Link>& l) {
    if (!l->dead || l->in_flight) return false;
    if (l->has_reader) stream_.RemoveReader(l->reader);
    if (l->rdb_fd != -1) close(l->rdb_fd);
    return true;
  };
  links_.erase(std::remove_if(links_.begin(), links_.end(), gone), links_.end());
  if (had && std::none_of(links_.begin(), links_.end(), [](const auto& l) { return l->is_replica; })) {
    no_replicas_since_ms_ = WallClockMs();
  }
}

void PrimarySide::DisconnectAll() {
  for (auto& l : links_) {
    if (l->is_replica) DropLink(*l, "disconnecting all replicas");
  }
  RemoveDeadLinks();
}

void PrimarySide::Cron() {
  RemoveDeadLinks();
  const ServerConfig& cfg = server_.config();
  const int64_t now = WallClockMs();
  bool any_replica = false;
  bool waiting_start = false;
  for (auto& l : links_) {
    if (!l->is_replica || l->dead) continue;
    any_replica = true;
    Client* c = ClientOf(*l);
    if (c == nullptr) continue;
    if (l->state == LinkState::kWaitBgsaveStart) waiting_start = true;
    // Keepalive newlines while the replica waits for the snapshot (not in
    // the middle of a diskless transfer's bytes).
    if (l->state == LinkState::kWaitBgsaveStart || (l->state == LinkState::kWaitBgsaveEnd && !l->diskless)) {
      c->reply().Append("\n");
      c->Flush();
    }
    // A replica loading a diskless transfer sends no ACK until it is done.
    if (l->state == LinkState::kOnline && !l->wait_first_ack &&
        now - l->ack_time_ms > static_cast<int64_t>(cfg.repl_timeout) * 1000) {
      spdlog::warn("Disconnecting timedout replica (streaming sync): {}", l->name());
      DropLink(*l, "timeout");
      continue;
    }
    // client-output-buffer-limit replica: what waits in the stream for it.
    if (l->has_reader) {
      const ClientBufferLimit& limit = cfg.client_obuf_limits[static_cast<int>(ClientClass::kReplica)];
      size_t used = stream_.ReaderMemory(l->reader);
      bool over = false;
      if (limit.hard_bytes != 0 && used >= limit.hard_bytes) {
        over = true;
      } else if (limit.soft_bytes != 0 && used >= limit.soft_bytes) {
        if (l->soft_limit_since_ms == 0) l->soft_limit_since_ms = now;
        over = now - l->soft_limit_since_ms >= limit.soft_seconds * 1000;
      } else {
        l->soft_limit_since_ms = 0;
      }
      if (over) {
        spdlog::warn("Client id={} addr={} laddr={} name={} omem={} scheduled to be closed ASAP for overcoming of "
                     "output buffer limits.",
                     c->id(), c->addr, c->laddr, c->name, used);
        ++server_.stats().client_outbuf_limit_disconnections;
        DropLink(*l, "output buffer limit");
      }
    }
  }
  RemoveDeadLinks();
  if (transfer_ != nullptr) {
    // Every target of a diskless transfer gone: the child is of no use
    // (its exit then completes the transfer as failed).
    if (transfer_->live_targets() == 0 && snapshotter_.background_save_to_pipe()) {
      spdlog::warn("Diskless rdb transfer, last replica dropped, killing fork child.");
      snapshotter_.KillBackgroundSave();
    }
    if (transfer_->idle() && transfer_child_ok_ == -1 && transfer_pipe_ok_ == -1 &&
        !snapshotter_.background_save_to_pipe()) {
      transfer_.reset();
    }
  }
  // Replicas waiting for a BGSAVE get one once no child runs; a diskless one
  // after repl-diskless-sync-delay, or as soon as
  // repl-diskless-sync-max-replicas are waiting.
  if (waiting_start && !server_.has_active_child() && transfer_ == nullptr) {
    const bool diskless = WantsDiskless();
    bool start = true;
    if (diskless) {
      int64_t longest = 0;
      int waiting = 0;
      for (const auto& l : links_) {
        if (!l->is_replica || l->dead || l->state != LinkState::kWaitBgsaveStart) continue;
        longest = std::max(longest, now - l->wait_since_ms);
        ++waiting;
      }
      start = longest >= static_cast<int64_t>(cfg.repl_diskless_sync_delay) * 1000 ||
              (cfg.repl_diskless_sync_max_replicas > 0 && waiting >= cfg.repl_diskless_sync_max_replicas);
    }
    if (start) StartBgsaveForReplication(diskless);
  }
  // Once a second from here on.
  if (++cron_ticks_ % static_cast<uint64_t>(cfg.hz > 0 ? cfg.hz : 10) != 0) return;
  ++cron_seconds_;
  // PING in the stream (counted in the offset), so replicas see the link
  // alive; a replica never pings its own replicas (they get its primary's).
  // Not while writes are paused (as 7.0): a FAILOVER waits for its target
  // to reach an offset that must stand still.
  if (any_replica && !server_.is_replica() && !server_.client_pause().active() &&
      cron_seconds_ % static_cast<uint64_t>(cfg.repl_ping_replica_period) == 0) {
    sink_->Feed(kPing);
  }
  // The backlog's time to live without replicas (never on a replica).
  if (!any_replica && stream_.has_backlog() && !server_.is_replica() && cfg.repl_backlog_ttl > 0 &&
      now - no_replicas_since_ms_ > cfg.repl_backlog_ttl * 1000) {
    id_.StartNewHistory(stream_.end_offset() + 1);
    stream_.FreeBacklog();
    spdlog::info("Replication backlog freed after {} seconds without connected replicas.", cfg.repl_backlog_ttl);
  }
}

void PrimarySide::RequestAcks() {
  // A replica's stream is its primary's, byte for byte: nothing of its own
  // goes in (a WAIT issued before a demotion must not add a GETACK).
  if (server_.is_replica()) return;
  static constexpr std::string_view kGetack = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";
  sink_->Feed(kGetack);
}

void PrimarySide::AppendInfo(std::string* o, int good_replicas) const {
  int n = 0;
  for (const auto& l : links_) n += l->is_replica && !l->dead;
  InfoField(o, "connected_slaves", n);
  if (good_replicas >= 0) InfoField(o, "min_slaves_good_slaves", good_replicas);
  int i = 0;
  const int64_t now_s = WallClockMs() / 1000;
  for (const auto& l : links_) {
    if (!l->is_replica || l->dead) continue;
    // A diskless replica still loading (no ACK yet) shows as waiting, as 7.0.
    const char* state = l->state == LinkState::kOnline && !l->wait_first_ack ? "online"
                        : l->state == LinkState::kSendBulk ? "send_bulk"
                                                           : "wait_bgsave";
    std::string v = "ip=" + l->ip + ",port=" + std::to_string(l->listening_port) + ",state=" + state +
                    ",offset=" + std::to_string(l->ack_offset) + ",lag=" + std::to_string(now_s - l->ack_time_ms / 1000);
    InfoField(o, "slave" + std::to_string(i++), v);
  }
}

std::vector<PrimarySide::ReplicaView> PrimarySide::Replicas(bool online_only) const {
  std::vector<ReplicaView> out;
  for (const auto& l : links_) {
    if (!l->is_replica || l->dead) continue;
    // A diskless replica still loading is not online for anyone yet.
    const bool online = l->state == LinkState::kOnline && !l->wait_first_ack;
    if (online || !online_only) out.push_back({l->ip, l->listening_port, l->ack_offset, online});
  }
  return out;
}

int PrimarySide::CountAcked(int64_t offset) const {
  int n = 0;
  for (const auto& l : links_) n += l->is_replica && !l->dead && l->state == LinkState::kOnline && l->ack_offset >= offset;
  return n;
}

int PrimarySide::CountGood(int max_lag_s) const {
  int n = 0;
  const int64_t now = WallClockMs();
  for (const auto& l : links_) {
    n += l->is_replica && !l->dead && l->state == LinkState::kOnline && (now - l->ack_time_ms) / 1000 <= max_lag_s;
  }
  return n;
}

size_t PrimarySide::ReplicaBufferBytes() const {
  size_t total = stream_.memory_total();
  size_t backlog = stream_.backlog_memory();
  return total > backlog ? total - backlog : 0;
}

}  // namespace replikv::repl
