#include "server/server.h"
#include "server/notify.h"

#include "server/base/log.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <random>

#include "server/acl.h"
#include "server/commands/blocking.h"
#include "server/net/client.h"
#include "server/client_eviction.h"
#include "server/commands/client_pause.h"
#include "server/evict.h"
#include "server/memory_stats.h"
#include "server/latency_monitor.h"
#include "server/monitor.h"
#include "server/slowlog.h"
#include "server/commands/multi.h"
#include "server/commands/pubsub.h"
#include "server/commands/scripting.h"
#include "server/tracking.h"

namespace replikv {
namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(getpid()));
  static const char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (char& c : s) c = kHex[rng() & 15];
  return s;
}

}  // namespace

bool IsLoopbackAddress(const std::string& addr) {
  return addr.rfind("127.", 0) == 0 || addr.rfind("::1:", 0) == 0 || addr.rfind("::ffff:127.", 0) == 0;
}

Server::Server(ConfigRegistry& registry)
    : registry_(registry),
      keyspace_(registry.config().databases, &propagator_) {
  uv_loop_init(&loop_);
  loop_.data = this;
  run_id_ = RandomHex(40);
  std::random_device rd;
  EntryTraits::SetSeed((static_cast<uint64_t>(rd()) << 32) | rd());
  stats_.start_time_ms = keyspace_.now_ms();
  lastsave_unix = stats_.start_time_ms / 1000;
  RegisterAllCommands(commands_);
  watched_keys_ = std::make_unique<WatchedKeys>(keyspace_);
  keyspace_.AddListener(watched_keys_.get());
  pubsub_ = std::make_unique<PubSub>(*this);
  blocked_clients_ = std::make_unique<BlockedClients>(*this);
  keyspace_.AddListener(blocked_clients_.get());
  tracking_ = std::make_unique<ClientTracking>(*this);
  keyspace_.AddListener(tracking_.get());
  evictor_ = std::make_unique<Evictor>(*this);
  evictor_->Install();
  client_eviction_ = std::make_unique<ClientEviction>(*this, registry.config());
  client_pause_ = std::make_unique<ClientPause>(*this);
  key_events_ = MakeKeyEventPublisher(*this);
  monitors_ = std::make_unique<Monitors>(*this);
  slowlog_ = std::make_unique<SlowLog>();
  latency_monitor_ = std::make_unique<LatencyMonitor>();
  keyspace_.SetKeyEventSink(key_events_.get(), &config().notify_keyspace_events);
  scripting_ = std::make_unique<ScriptEngine>(*this);
  acl_ = std::make_unique<Acl>(*this);
  // The lazyfree directives that govern the keyspace's implicit deletions.
  auto apply_lazy_free = [this](const ServerConfig& cfg) {
    keyspace_.lazy_free_policy() = LazyFreePolicy{cfg.lazyfree_lazy_server_del, cfg.lazyfree_lazy_expire};
    return Status::OK();
  };
  apply_lazy_free(config()).IgnoreError();
  registry_.SetApplyHook({"lazyfree-lazy-server-del", "lazyfree-lazy-expire"}, apply_lazy_free).IgnoreError();
  // First hook of each iteration: clients whose wait ended run their
  // pending input now, before the AOF write that follows, so their writes
  // are durable before their replies leave like everyone else's.
}

void Server::AddLatencySample(const char* event, int64_t latency_ms) {
  latency_monitor_->AddIfNeeded(event, latency_ms, config().latency_monitor_threshold, WallClockMs() / 1000);
}

void Server::ApplyCommandRenames() {
  for (const auto& [from, to] : config().rename_commands) commands_.Rename(from, to);
  acl_->Init(commands_);
}

Server::~Server() {
  // Handles are closed by Run() before it returns; a Server that never ran
  // has only its loop and the handles made before running (an eviction
  // started by CONFIG SET maxmemory) to close.
  evictor_->Stop();
  uv_run(&loop_, UV_RUN_NOWAIT);
  uv_loop_close(&loop_);
}

void Server::CloseListenersInForkedChild() {
  for (auto& l : listeners_) {
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(l.get()), &fd) == 0) close(fd);
  }
}

Status Server::Listen() {
  for (std::string addr : config().bind) {
    // A leading '-' marks an address that may be unavailable (Redis 7).
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    if (addr == "*") addr = "0.0.0.0";
    sockaddr_storage ss{};
    if (addr.find(':') != std::string::npos) {
      if (uv_ip6_addr(addr.c_str(), config().port, reinterpret_cast<sockaddr_in6*>(&ss)) != 0) {
        return Status::InvalidArgument("invalid bind address", addr);
      }
    } else if (uv_ip4_addr(addr.c_str(), config().port, reinterpret_cast<sockaddr_in*>(&ss)) != 0) {
      return Status::InvalidArgument("invalid bind address", addr);
    }
    auto tcp = std::make_unique<uv_tcp_t>();
    uv_tcp_init(&loop_, tcp.get());
    tcp->data = this;
    int rc = uv_tcp_bind(tcp.get(), reinterpret_cast<sockaddr*>(&ss), 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(tcp.get()), config().tcp_backlog, &Server::OnConnection);
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(tcp.release()), [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
      if (optional) {
        spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: {}", addr, config().port, uv_strerror(rc));
        continue;
      }
      return Status::IOError("Could not create server TCP listening socket " + addr + ":" + std::to_string(config().port),
                             uv_strerror(rc));
    }
    listeners_.push_back(std::move(tcp));
  }
  if (listeners_.empty() && config().port != 0) return Status::IOError("Failed listening on any address");
  return Status::OK();
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* s = static_cast<Server*>(listener->data);
  if (status < 0) {
    spdlog::warn("Accepting client connection: {}", uv_strerror(status));
    return;
  }
  auto c = std::make_unique<Client>(*s, s->NextClientId());
  if (!c->Accept(listener)) {
    Client* raw = c.release();
    s->clients_.emplace(raw->id(), std::unique_ptr<Client>(raw));
    raw->Close();
    return;
  }
  ++s->stats_.total_connections_received;
  const size_t max_clients = static_cast<size_t>(s->config().maxclients);
  // Clients whose close is still in flight (removed at the next loop
  // iteration) do not count; the O(n) count runs only at the limit.
  if (s->clients_.size() >= max_clients &&
      static_cast<size_t>(std::count_if(s->clients_.begin(), s->clients_.end(),
                                        [](const auto& kv) { return !kv.second->closing(); })) >= max_clients) {
    // Redis answers and closes; the reply is written by the normal path.
    ++s->stats_.rejected_connections;
    Client* raw = c.get();
    s->AddClient(std::move(c));
    raw->reply().AddError("max number of clients reached");
    raw->CloseAfterReply();
    raw->Start();
    s->QueuePendingWrite(raw);
    return;
  }
  // Redis 7.0: a connection starts as the default user, authenticated
  // when that user is on and needs no password.
  c->user = s->acl_->default_user();
  c->authenticated = !s->acl_->default_requires_auth();
  Client* raw = c.get();
  if (s->config().protected_mode && s->acl_->default_user()->nopass() && !IsLoopbackAddress(raw->addr)) {
    // Redis 7.0 refuses non-loopback clients in protected mode without a
    // password; clients match on -DENIED.
    s->AddClient(std::move(c));
    raw->reply().AddError(
        "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for "
        "the default user. In this mode connections are only accepted from the loopback interface. Set a password "
        "with requirepass, or disable protected mode with 'CONFIG SET protected-mode no' from a loopback "
        "connection, or start the server with '--protected-mode no'.");
    raw->CloseAfterReply();
    raw->Start();
    s->QueuePendingWrite(raw);
    return;
  }
  s->AddClient(std::move(c));
  raw->Start();
}

void Server::AddClient(std::unique_ptr<Client> c) {
  uint64_t id = c->id();
  clients_.emplace(id, std::move(c));
}

void Server::RemoveClient(Client* c) {
  if (c->pending_write) {
    for (auto& p : pending_writes_) {
      if (p == c) p = nullptr;
    }
  }
  client_eviction_->Forget(*c);
  clients_.erase(c->id());
}

Client* Server::FindClient(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second.get();
}

void Server::QueuePendingWrite(Client* c) {
  if (c->pending_write) return;
  c->pending_write = true;
  pending_writes_.push_back(c);
}

void Server::FlushPendingWrites() {
  // Swap out first: a flush can queue the client again (OnWritten).
  std::vector<Client*> batch;
  batch.swap(pending_writes_);
  for (Client* c : batch) {
    if (c == nullptr) continue;
    c->pending_write = false;
    c->Flush();
    // What the socket did not take stays: it counts (a subscriber that
    // does not read, a pipeline of big replies).
    client_eviction_->Update(*c);
  }
}

void Server::OnBeforePoll(uv_prepare_t* h) {
  auto* s = static_cast<Server*>(h->data);
  // Clients a CLIENT PAUSE let go run first: their writes join this
  // iteration's AOF write like everyone else's.
  if (s->client_pause_->active() || s->client_pause_->has_resumable()) s->client_pause_->BeforePoll(WallClockMs());
  // The AOF goes to disk before any reply of this iteration leaves, so an
  // acknowledged write under appendfsync always is durable (group commit).
  s->blocked_clients_->BeforeSleep();
  // BCAST invalidations of this iteration's changes, as Redis 7.0's
  // beforeSleep (before the AOF write, like the replies they join).
  s->tracking_->BroadcastPending();
  for (ServerModule* m : s->modules_) m->BeforeReply();
  bool did_work = !s->pending_writes_.empty() ||
                  s->stats_.total_commands_processed != s->commands_at_last_poll_;
  s->commands_at_last_poll_ = s->stats_.total_commands_processed;
  s->FlushPendingWrites();
  // Redis 7.0 checks maxmemory-clients in beforeSleep too: output that
  // other clients' commands added (PUBLISH to a subscriber) is seen here.
  s->client_eviction_->EvictIfNeeded();
  s->busy_poll_.BeforePoll(did_work, static_cast<uint64_t>(s->config().busy_poll));
}

void Server::set_active_child_pid(int pid) {
  active_child_pid_ = pid;
  keyspace_.SetChildActive(pid != -1);
}

void Server::CloseTimedOutClients() {
  if (config().timeout <= 0) return;
  int64_t now = keyspace_.now_ms();
  std::vector<Client*> idle;
  for (auto& [id, c] : clients_) {
    // Blocked (CLIENT PAUSE included) and subscribed clients are exempt, as
    // in Redis.
    // Replication links have repl-timeout instead.
    if (!c->closing() && !c->blocked() && !c->paused() && !c->in_pubsub_mode() && c->kind() == ClientKind::kNormal &&
        now - c->last_interaction_ms > static_cast<int64_t>(config().timeout) * 1000) {
      idle.push_back(c.get());
    }
  }
  for (Client* c : idle) {
    spdlog::debug("Closing idle client id={}", c->id());
    c->Close();
  }
}

void Server::Cron() {
  keyspace_.RefreshTime();
  ++cron_loops_;
  // A full allocator read 10 times a second keeps the cheap per-command
  // figure (UsedMemory) honest about other threads, and the peak current.
  NoteMemoryPeak(ReadAllocatorStats().allocated);
  client_pause_->Update(keyspace_.now_ms());  // a pause that ended lets expiry run below
  if (loading) return;  // the dataset is half there; nothing to maintain yet
  // Active expiry gets at most a share of each tick, as Redis's slow cycle:
  // 25% of CPU at active-expire-effort 1, 2 points more per effort step.
  int64_t tick_us = 1000000 / (config().hz > 0 ? config().hz : 10);
  int64_t expire_percent = 25 + 2 * (config().active_expire_effort - 1);
  const int64_t expire_start_us = MonotonicUs();
  keyspace_.ActiveExpireCycle(tick_us * expire_percent / 100);
  const int64_t expire_us = MonotonicUs() - expire_start_us;
  stats_.expire_cycle_us += static_cast<uint64_t>(expire_us);
  AddLatencySample("expire-cycle", expire_us / 1000);
  for (int i = 0; i < keyspace_.databases(); ++i) keyspace_.db(i).Maintain();
  if (tracking_->client_count() != 0) tracking_->LimitTableSize();
  if (!has_active_child()) tracking_->MaintainTable();
  if (cron_loops_ % static_cast<uint64_t>(config().hz > 0 ? config().hz : 10) == 0) {
    CloseTimedOutClients();
    for (auto& [id, c] : clients_) {
      c->ShrinkQueryBufferIfIdle();
      client_eviction_->Update(*c);  // idle clients too (a shrunk buffer)
    }
  }
  int64_t now = keyspace_.now_ms();
  if (now - stats_.metrics_sample_last_ms >= 100) {
    stats_.metrics_sample_last_ms = now;
    stats_.ops_per_sec.Sample(stats_.total_commands_processed, now);
    stats_.net_input_per_sec.Sample(stats_.total_net_input_bytes, now);
    stats_.net_output_per_sec.Sample(stats_.total_net_output_bytes, now);
    stats_.net_repl_input_per_sec.Sample(stats_.total_net_repl_input_bytes, now);
    stats_.net_repl_output_per_sec.Sample(stats_.total_net_repl_output_bytes, now);
  }
  for (ServerModule* m : modules_) m->Cron();
}

void Server::OnCron(uv_timer_t* t) {
  auto* s = static_cast<Server*>(t->data);
  if (!s->cron_paused) s->Cron();
}

void Server::OnSignal(uv_signal_t* sig, int signum) {
  auto* s = static_cast<Server*>(sig->data);
  spdlog::warn("Received {} scheduling shutdown...", signum == SIGINT ? "SIGINT" : "SIGTERM");
  // A script is running (this is the loop pass a busy script makes): the
  // shutdown, and the save it may do, wait until the script has ended.
  if (s->scripting_->running()) {
    s->signal_shutdown_pending_ = true;
    return;
  }
  s->ShutdownOnSignal();
}

void Server::ShutdownOnSignal() {
  signal_shutdown_pending_ = false;
  // A signal shutdown saves per configuration; a failing save is logged by
  // the hook and the process exits anyway only if Redis would (it does not:
  // it keeps running). Here too: on error we keep serving.
  Status st = PrepareShutdown(false, false);
  if (!st.ok()) {
    spdlog::warn("SIGTERM received but errors trying to shut down the server, check the logs for more information");
    return;
  }
  StopLoop();
}

Status Server::PrepareShutdown(bool save, bool nosave) {
  spdlog::info("User requested shutdown...");
  for (ServerModule* m : modules_) {
    RETURN_IF_ERROR(m->PrepareShutdown(save, nosave));
  }
  return Status::OK();
}

void Server::StopLoop() {
  if (shutting_down_) return;
  shutting_down_ = true;
  // Write what is pending so a SHUTDOWN caller with output gets it, then stop.
  FlushPendingWrites();
  spdlog::info("replikv is now ready to exit, bye bye...");
  uv_stop(&loop_);
}

void Server::set_role(Role r) {
  role_ = r;
  keyspace_.set_is_replica(r == Role::kReplica);
  propagator_.set_replica(r == Role::kReplica);
  SetLogRole(r == Role::kReplica ? LogRole::kReplica : LogRole::kPrimary);
}

size_t Server::NotCountedMemory() const {
  size_t n = 0;
  for (ServerModule* m : modules_) n += m->NotCountedMemory();
  return n;
}

void Server::PumpEvents() { uv_run(&loop_, UV_RUN_NOWAIT); }

void Server::Start() {
  uv_prepare_init(&loop_, &before_poll_);
  before_poll_.data = this;
  uv_prepare_start(&before_poll_, &Server::OnBeforePoll);
  busy_poll_.Init(&loop_);
  uv_timer_init(&loop_, &cron_);
  cron_.data = this;
  uint64_t period = 1000 / static_cast<uint64_t>(config().hz > 0 ? config().hz : 10);
  uv_timer_start(&cron_, &Server::OnCron, period, period);
  // A write to a socket whose peer has gone must fail with EPIPE, not end
  // the process (SIGPIPE's default: a replica whose primary was killed died
  // silently on its next ACK); a closed terminal must not stop the server
  // either. Redis ignores both.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  uv_signal_init(&loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, &Server::OnSignal, SIGTERM);
  uv_signal_init(&loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, &Server::OnSignal, SIGINT);
}

int Server::Run() {
  if (!shutting_down_) uv_run(&loop_, UV_RUN_DEFAULT);

  // Close every handle and let their callbacks run (libuv's rule before
  // uv_loop_close).
  for (auto& [id, c] : clients_) c->Close();
  scripting_->Close();
  for (ServerModule* m : modules_) m->Stop();
  evictor_->Stop();
  for (auto& l : listeners_) uv_close(reinterpret_cast<uv_handle_t*>(l.get()), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&before_poll_), nullptr);
  busy_poll_.Close();
  uv_close(reinterpret_cast<uv_handle_t*>(&cron_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigterm_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&sigint_), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);
  listeners_.clear();
  return exit_code_;
}

}  // namespace replikv
