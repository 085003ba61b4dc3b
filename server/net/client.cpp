#include "server/net/client.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "server/acl.h"
#include "server/client_eviction.h"
#include "server/commands/blocking.h"
#include "server/commands/client_pause.h"
#include "server/commands/multi.h"
#include "server/commands/pubsub.h"
#include "server/monitor.h"
#include "server/server.h"
#include "server/tracking.h"

namespace replikv {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// Query buffers above this size that sit idle are given back (cron).
constexpr size_t kIdleQueryBufferCap = 32 * 1024;
constexpr size_t kMaxWritePieces = 16;

std::string FormatAddr(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(a, ip, sizeof(ip));
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(a, ip, sizeof(ip));
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace

char* QueryBuffer::Prepare(size_t n, size_t* room) {
  if (cap_ - end_ < n) {
    // Compact first: unconsumed bytes move to the front.
    if (begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (cap_ - end_ < n) {
      size_t want = end_ + n;
      size_t cap = cap_ == 0 ? kReadChunk : cap_;
      while (cap < want) cap *= 2;
      std::unique_ptr<char[]> grown(new char[cap]);
      if (end_ > 0) std::memcpy(grown.get(), data_.get(), end_);
      data_ = std::move(grown);
      cap_ = cap;
    }
  }
  *room = cap_ - end_;
  return data_.get() + end_;
}

void QueryBuffer::Consume(size_t n) {
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
}

void QueryBuffer::ShrinkIfIdle() {
  if (begin_ == end_ && cap_ > kIdleQueryBufferCap) {
    data_.reset();
    cap_ = begin_ = end_ = 0;
  }
}

Client::Client(Server& server, uint64_t id) : server_(server), id_(id) {
  uv_tcp_init(server_.loop(), &handle_);
  handle_.data = this;
  write_req_.data = this;
  reply_.set_error_stats(&server_.error_stats());
  RespLimits limits;
  limits.max_bulk_len = static_cast<size_t>(server_.config().proto_max_bulk_len);
  parser_.set_limits(limits);
  ctime_ms = last_interaction_ms = server_.keyspace().now_ms();
}

Client::~Client() = default;

bool Client::Accept(uv_stream_t* listener) {
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(&handle_)) != 0) return false;
  sockaddr_storage ss{};
  int len = sizeof(ss);
  if (uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) addr = FormatAddr(ss);
  len = sizeof(ss);
  if (uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&ss), &len) == 0) laddr = FormatAddr(ss);
  uv_tcp_nodelay(&handle_, 1);
  if (server_.config().tcp_keepalive > 0) {
    uv_tcp_keepalive(&handle_, 1, static_cast<unsigned>(server_.config().tcp_keepalive));
  }
  return true;
}

int Client::fd() const {
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<const uv_handle_t*>(&handle_), &fd);
  return fd;
}

void Client::Start() {
  started_ = true;
  kind_ = ClientKind::kNormal;
  uv_read_start(reinterpret_cast<uv_stream_t*>(&handle_), &Client::OnAlloc, &Client::OnRead);
}

void Client::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Client*>(h->data);
  // Inside a big bulk, make room for all of it at once: one allocation
  // instead of a doubling series, and the payload is read straight into
  // place (Redis's big-argument path does the same).
  size_t want = kReadChunk;
  size_t needed = c->parser_.bytes_still_needed();
  if (needed > want) want = needed;
  size_t room;
  char* p = c->query_.Prepare(want, &room);
  *buf = uv_buf_init(p, static_cast<unsigned>(room > (1u << 30) ? (1u << 30) : room));
}

void Client::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
  auto* c = static_cast<Client*>(s->data);
  if (nread < 0) {
    if (nread != UV_EOF) spdlog::debug("Error reading from client {}: {}", c->addr, uv_strerror(static_cast<int>(nread)));
    c->Close();
    return;
  }
  if (nread == 0) return;
  c->query_.Commit(static_cast<size_t>(nread));
  c->server_.stats().total_net_input_bytes += static_cast<uint64_t>(nread);
  ++c->server_.stats().total_reads_processed;
  c->last_interaction_ms = c->server_.keyspace().now_ms();
  // The query buffer may have grown: the check before the next command
  // sees it (a big argument's buffer is allocated whole at its first read).
  c->server_.client_eviction().Update(*c);
  c->ProcessInput();
}

void Client::ProcessInput() {
  const ServerConfig& cfg = server_.config();
  while (!closing_ && !close_after_reply_ && !blocked() && !paused_ && query_.size() > 0) {
    parser_.set_auth_required(!authenticated && server_.acl().default_requires_auth());
    if (parser_.limits().max_bulk_len != static_cast<size_t>(cfg.proto_max_bulk_len)) {
      RespLimits limits = parser_.limits();
      limits.max_bulk_len = static_cast<size_t>(cfg.proto_max_bulk_len);
      parser_.set_limits(limits);  // CONFIG SET applies from the next command
    }
    RespParser::State st = parser_.Parse(query_.data(), query_.size());
    if (st == RespParser::State::kNeedMore) {
      query_.Consume(parser_.consumed());
      break;
    }
    if (st == RespParser::State::kError) {
      // Redis replies the protocol error and closes the connection after it
      // (under CLIENT REPLY OFF|SKIP the error is counted but not sent).
      const uint64_t mark = reply_.appended();
      reply_.AddError(parser_.error());
      if (replies_suppressed()) reply_.DropAfter(mark);
      spdlog::debug("Protocol error ({}) from client: id={} addr={}", parser_.error(), id_, addr);
      CloseAfterReply();
      break;
    }
    server_.ExecuteCommand(*this, parser_.args());
    query_.Consume(parser_.consumed());
    if (!CheckOutputLimits()) return;
  }
  if (!closing_ && query_.size() > static_cast<size_t>(cfg.client_query_buffer_limit)) {
    spdlog::warn("Closing client that reached max query buffer length: id={} addr={} qbuf={}",
                 id_, addr, query_.size());
    ++server_.stats().client_qbuf_limit_disconnections;
    Close();
    return;
  }
  QueueReply();
}

bool Client::CheckOutputLimits() {
  if (closing_) return false;
  const ClientBufferLimit& limit = server_.config().client_obuf_limits[static_cast<int>(output_class)];
  size_t used = reply_.size();
  int64_t now = server_.keyspace().now_ms();
  bool over = false;
  if (limit.hard_bytes != 0 && used >= limit.hard_bytes) {
    over = true;
  } else if (limit.soft_bytes != 0 && used >= limit.soft_bytes) {
    if (obuf_soft_limit_reached_ms == 0) {
      obuf_soft_limit_reached_ms = now;
    } else if (now - obuf_soft_limit_reached_ms >= limit.soft_seconds * 1000) {
      over = true;
    }
  } else {
    obuf_soft_limit_reached_ms = 0;
  }
  if (!over) {
    // What was just added (a command's reply and MULTI queue, a message)
    // counts from the next client-eviction check, as Redis 7.0 updates a
    // client after each command and each delivered message.
    server_.client_eviction().Update(*this);
    return true;
  }
  // Redis's wording, which operators grep for.
  spdlog::warn("Client id={} addr={} laddr={} name={} omem={} scheduled to be closed ASAP for overcoming of output "
               "buffer limits.", id_, addr, laddr, name, used);
  ++server_.stats().client_outbuf_limit_disconnections;
  Close();
  return false;
}

void Client::QueueReply() {
  if (!closing_ && (!reply_.empty() || close_after_reply_)) server_.QueuePendingWrite(this);
}

void Client::Flush() {
  if (closing_ || !started_) return;
  if (in_flight_ == 0 && !reply_.empty()) {
    std::string_view pieces[kMaxWritePieces];
    uv_buf_t bufs[kMaxWritePieces];
    size_t n = reply_.Pieces(pieces, kMaxWritePieces);
    for (size_t i = 0; i < n; ++i) {
      bufs[i] = uv_buf_init(const_cast<char*>(pieces[i].data()), static_cast<unsigned>(pieces[i].size()));
    }
    auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
    // A direct non-blocking write first; only what the socket did not take
    // goes through a queued write.
    int w = uv_try_write(stream, bufs, static_cast<unsigned>(n));
    if (w > 0) {
      reply_.Consume(static_cast<size_t>(w));
      server_.stats().total_net_output_bytes += static_cast<uint64_t>(w);
      ++server_.stats().total_writes_processed;
    } else if (w < 0 && w != UV_EAGAIN) {
      Close();
      return;
    }
    if (!reply_.empty()) {
      n = reply_.Pieces(pieces, kMaxWritePieces);
      size_t total = 0;
      for (size_t i = 0; i < n; ++i) {
        bufs[i] = uv_buf_init(const_cast<char*>(pieces[i].data()), static_cast<unsigned>(pieces[i].size()));
        total += pieces[i].size();
      }
      // The pieces stay valid: the reply buffer only appends behind them
      // and nothing is consumed until OnWritten.
      if (uv_write(&write_req_, stream, bufs, static_cast<unsigned>(n), &Client::OnWritten) != 0) {
        Close();
        return;
      }
      in_flight_ = total;
      return;
    }
  }
  if (in_flight_ == 0 && reply_.empty() && close_after_reply_) Close();
}

void Client::OnWritten(uv_write_t* req, int status) {
  auto* c = static_cast<Client*>(req->data);
  size_t done = c->in_flight_;
  c->in_flight_ = 0;
  if (c->closing_) return;
  if (status != 0) {
    c->Close();
    return;
  }
  c->reply_.Consume(done);
  c->server_.stats().total_net_output_bytes += done;
  ++c->server_.stats().total_writes_processed;
  c->server_.client_eviction().Update(*c);
  c->QueueReply();
}

void Client::set_kind(ClientKind k) {
  kind_ = k;
  if (k == ClientKind::kReplica) output_class = ClientClass::kReplica;
}

std::string Client::ListFlags() const {
  // Redis 7.0's letter order.
  std::string flags;
  if (monitor) flags += 'O';
  if (kind_ == ClientKind::kReplica) flags += 'S';
  if (kind_ == ClientKind::kPrimary) flags += 'M';
  if (in_pubsub_mode_) flags += 'P';
  if (in_multi_) flags += 'x';
  if (blocked() || paused_) flags += 'b';
  if (tracking != nullptr && tracking->on) {
    flags += 't';
    if (tracking->broken_redirect) flags += 'R';
    if (tracking->bcast) flags += 'B';
  }
  if (multi != nullptr && multi->dirty_cas) flags += 'd';
  if (close_after_reply_) flags += 'c';
  if (no_evict) flags += 'e';
  if (flags.empty()) flags += 'N';
  return flags;
}

void Client::ResumeInput() {
  if (closing_ || blocked()) return;
  // The command that waited has completed: its reply was added by whoever
  // ended the wait.
  if (reply_flags_ != 0) EndCommandReplies();
  ProcessInput();
}

void Client::Park(std::span<const std::string_view> argv) {
  parked_argv_.assign(argv.begin(), argv.end());
  paused_ = true;
  server_.client_pause().Park(*this);
}

size_t Client::parked_argv_bytes() const {
  size_t n = 0;
  for (const std::string& a : parked_argv_) n += a.size();
  return n;
}

void Client::ResumeParked() {
  if (closing_ || !paused_) return;
  paused_ = false;
  std::vector<std::string> args = std::move(parked_argv_);
  parked_argv_.clear();
  std::vector<std::string_view> argv(args.begin(), args.end());
  // All the checks again, as Redis re-processes a postponed command: the
  // pause may still hold it (a write under WRITE after ALL ended).
  server_.ExecuteCommand(*this, argv);
  if (!CheckOutputLimits()) return;
  ProcessInput();  // the rest of the pipeline; queues the reply
}

void Client::SetReplyOn() {
  if (replies_suppressed()) reply_.DropAfter(reply_mark_);
  reply_flags_ = 0;
}

void Client::SetReplyOff() {
  if (!replies_suppressed()) reply_mark_ = reply_.appended();
  reply_flags_ |= kReplyOff;
}

void Client::SetReplySkip() {
  // Redis 7.0: SKIP under OFF changes nothing.
  if (!(reply_flags_ & kReplyOff)) reply_flags_ |= kReplySkipNext;
}

void Client::EndCommandReplies() {
  if (replies_suppressed()) reply_.DropAfter(reply_mark_);
  // A parked or blocked command has not completed: its SKIP still holds
  // for the reply it will get (Redis resets a blocked client only when it
  // is unblocked).
  if (paused_ || blocked()) return;
  reply_flags_ &= static_cast<uint8_t>(~kReplySkip);
  if (reply_flags_ & kReplySkipNext) {
    reply_flags_ = static_cast<uint8_t>((reply_flags_ & ~kReplySkipNext) | kReplySkip);
  }
  // What comes before the next command (Pub/Sub messages) is kept.
  reply_mark_ = reply_.appended();
}

void Client::ReleaseSessionState() {
  if (paused_) {
    server_.client_pause().Forget(*this);
    paused_ = false;
    parked_argv_.clear();
  }
  // RESET ends OFF and a pending SKIP but not the SKIP of the RESET itself
  // (Redis 7.0's clearClientConnectionState).
  if (reply_flags_ != 0) {
    const bool suppressed = replies_suppressed();
    reply_flags_ &= static_cast<uint8_t>(~(kReplyOff | kReplySkipNext));
    if (suppressed && !replies_suppressed()) reply_.DropAfter(reply_mark_);
  }
  if (blocked()) server_.blocked_clients().Unblock(*this);
  if (multi != nullptr) DiscardTransaction(server_, *this);
  if (pubsub != nullptr) server_.pubsub().UnsubscribeAll(*this);
  if (monitor) {
    server_.monitors().Remove(this);
    monitor = false;
  }
  if (tracking != nullptr) server_.tracking().Disable(*this);
}

void Client::Protect() {
  if (protected_) return;
  protected_ = true;
  if (started_ && !closing_) uv_read_stop(stream());
}

void Client::Unprotect() {
  if (!protected_) return;
  protected_ = false;
  if (close_when_unprotected_) return Close();
  if (started_ && !closing_) uv_read_start(stream(), &Client::OnAlloc, &Client::OnRead);
}

void Client::Close() {
  if (protected_) {
    close_when_unprotected_ = true;
    return;
  }
  if (closing_) return;
  closing_ = true;
  server_.client_eviction().Forget(*this);
  ReleaseSessionState();
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), &Client::OnClosed);
}

void Client::OnClosed(uv_handle_t* h) {
  auto* c = static_cast<Client*>(h->data);
  c->server_.RemoveClient(c);  // deletes c
}

}  // namespace replikv
