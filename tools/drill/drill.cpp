#include "tools/drill/drill.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "tools/drill/shell_command.h"

namespace replikv::drill {
namespace {

// Per-call bounds. A paused node accepts connections (the kernel does) but
// never answers, so every call needs its own short timeout.
constexpr int kConnectMs = 300;
constexpr int kCallMs = 500;
constexpr double kDownGraceS = 3.0;
constexpr double kPollS = 0.05;
constexpr size_t kCheckBatch = 200;

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SleepS(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

int64_t Field(const std::map<std::string, std::string>& m, const std::string& k, int64_t dflt) {
  auto it = m.find(k);
  if (it == m.end()) return dflt;
  char* end = nullptr;
  long long v = std::strtoll(it->second.c_str(), &end, 10);
  return end == it->second.c_str() ? dflt : v;
}

std::string Text(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? "" : it->second;
}

// A replica's position in the primary's stream.
int64_t ReplicaOffset(const std::map<std::string, std::string>& info) {
  int64_t off = Field(info, "slave_repl_offset", -1);
  return off >= 0 ? off : Field(info, "master_repl_offset", -1);
}

// "ip=10.0.0.3,port=6379,state=online,offset=1,lag=0" -> 10.0.0.3:6379
Result<Endpoint> ReplicaAddress(const std::string& line) {
  std::string ip, port;
  size_t start = 0;
  while (start <= line.size()) {
    size_t comma = line.find(',', start);
    if (comma == std::string::npos) comma = line.size();
    std::string kv = line.substr(start, comma - start);
    if (kv.rfind("ip=", 0) == 0) ip = kv.substr(3);
    if (kv.rfind("port=", 0) == 0) port = kv.substr(5);
    start = comma + 1;
  }
  return ParseEndpoint(ip + ":" + port);
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

}  // namespace

Drill::Drill(Options options, Progress progress)
    : o_(std::move(options)), progress_(std::move(progress)), start_(MonotonicSeconds()) {
  if (o_.key_prefix.empty()) {
    o_.key_prefix = "drill:" + std::to_string(getpid()) + ":" + std::to_string(time(nullptr));
  }
  report_.mode = o_.mode == Options::Mode::kSentinel ? "sentinel" : "manual";
  report_.fault = o_.fault;
  report_.heal = o_.heal;
  if (o_.mode == Options::Mode::kManual) nodes_ = o_.nodes;
}

double Drill::Now() const { return MonotonicSeconds() - start_; }

void Drill::Say(const std::string& line) {
  if (progress_) progress_("[" + Fixed(Now(), 1) + "s] " + line);
}

Result<std::map<std::string, std::string>> Drill::Info(const Endpoint& ep,
                                                        const std::string& section) {
  auto r = CallOnce(ep, o_.password, {"INFO", section}, kCallMs);
  if (!r.ok()) return r.status();
  if (r->type != Reply::Type::kBulk) {
    return Status::IOError("INFO at " + ep.ToString(), r->IsError() ? r->str : "not a bulk reply");
  }
  return ParseInfo(r->str);
}

void Drill::AddNode(const Endpoint& ep) {
  if (std::find(nodes_.begin(), nodes_.end(), ep) == nodes_.end()) {
    nodes_.push_back(ep);
    Say("node " + ep.ToString());
  }
}

// Sentinel mode: SENTINEL GET-MASTER-ADDR-BY-NAME from the first Sentinel
// that answers. Manual mode: the node the drill considers the primary.
Result<Endpoint> Drill::AskPrimary() {
  if (o_.mode == Options::Mode::kManual) return primary_;
  Status last = Status::IOError("no Sentinel answered");
  for (const auto& s : o_.sentinels) {
    // Sentinels here have no password of their own (auth-pass is for the
    // data nodes), so none is sent.
    auto r = CallOnce(s, "", {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", o_.master_name}, kCallMs);
    if (!r.ok()) {
      last = r.status();
      continue;
    }
    // *2 $<ip> $<port>, or a nil when the name is unknown.
    if (r->type != Reply::Type::kArray || r->elements.size() != 2) {
      last = Status::NotFound("Sentinel " + s.ToString() + " does not know " + o_.master_name);
      continue;
    }
    return ParseEndpoint(r->elements[0].str + ":" + r->elements[1].str);
  }
  return last;
}

Result<std::map<std::string, std::string>> Drill::PrimaryInfo(std::string* why) {
  auto p = AskPrimary();
  if (!p.ok()) {
    *why = p.status().ToString();
    return p.status();
  }
  primary_ = *p;
  auto info = Info(primary_, "replication");
  if (!info.ok() || Text(*info, "role") != "master") {
    *why = "primary " + primary_.ToString() + " not answering as master";
    return Status::NotFound(*why);
  }
  return info;
}

void Drill::DiscoverNodes() {
  if (o_.mode == Options::Mode::kManual) return;
  auto p = AskPrimary();
  if (p.ok()) AddNode(*p);
  for (const auto& s : o_.sentinels) {
    auto r = CallOnce(s, "", {"SENTINEL", "REPLICAS", o_.master_name}, kCallMs);
    if (!r.ok() || r->type != Reply::Type::kArray) continue;
    // Each replica: a flat array of field, value, field, value ... A replica
    // Sentinel considers down is left out: it may be an address a restarted
    // container no longer has. (A node already known stays known.)
    for (const auto& rep : r->elements) {
      std::string ip, port, flags;
      for (size_t i = 0; i + 1 < rep.elements.size(); i += 2) {
        if (rep.elements[i].str == "ip") ip = rep.elements[i + 1].str;
        if (rep.elements[i].str == "port") port = rep.elements[i + 1].str;
        if (rep.elements[i].str == "flags") flags = rep.elements[i + 1].str;
      }
      if (flags.find("s_down") != std::string::npos ||
          flags.find("disconnected") != std::string::npos) {
        continue;
      }
      auto ep = ParseEndpoint(ip + ":" + port);
      if (ep.ok()) AddNode(*ep);
    }
    return;
  }
}

bool Drill::WaitHealthy() {
  double deadline = Now() + o_.timeout_s;
  std::string why = "no answer";
  while (Now() < deadline) {
    if (o_.mode == Options::Mode::kManual) {
      // The primary is the one node whose role is master.
      int masters = 0;
      for (const auto& n : nodes_) {
        auto info = Info(n, "replication");
        if (info.ok() && Text(*info, "role") == "master") {
          primary_ = n;
          masters++;
        }
      }
      if (masters != 1) {
        why = std::to_string(masters) + " nodes answer as master";
        SleepS(0.2);
        continue;
      }
    }
    DiscoverNodes();
    auto pinfo = PrimaryInfo(&why);
    if (!pinfo.ok()) {
      SleepS(0.2);
      continue;
    }
    int64_t offset = Field(*pinfo, "master_repl_offset", -1);
    bool ok = true;
    for (const auto& n : nodes_) {
      if (n == primary_) continue;
      auto info = Info(n, "replication");
      if (!info.ok() || Text(*info, "master_link_status") != "up" ||
          ReplicaOffset(*info) < offset) {
        why = "replica " + n.ToString() + " not online and caught up";
        ok = false;
        break;
      }
    }
    if (ok && nodes_.size() >= 2) return true;
    if (nodes_.size() < 2) why = "no replica known";
    SleepS(0.2);
  }
  report_.problems.push_back("deployment not healthy before the fault: " + why);
  return false;
}

void Drill::NoteFailure() {
  writer_.reset();
  if (failing_since_ < 0) failing_since_ = Now();
}

void Drill::WriteOnce() {
  if (!writer_) {
    auto p = AskPrimary();
    if (!p.ok()) {
      NoteFailure();
      SleepS(kPollS);
      return;
    }
    auto c = Connection::Open(*p, o_.password, kConnectMs);
    if (!c.ok()) {
      NoteFailure();
      SleepS(kPollS);
      return;
    }
    writer_ = std::move(*c);
  }
  double sent_at = Now();
  std::string key = o_.key_prefix + ":" + std::to_string(++seq_);
  std::string value = "v" + std::to_string(seq_) + ":" + writer_->endpoint().ToString();
  report_.writes_attempted++;
  auto set = writer_->Call({"SET", key, value}, kCallMs);
  if (!set.ok() || !set->IsStatus("OK")) {
    // -READONLY from a demoted primary, -LOADING, a timeout on a paused one:
    // look for the primary again.
    NoteFailure();
    SleepS(set.ok() ? kPollS : 0);
    return;
  }
  failing_since_ = -1;
  // Only a write sent once the fault command has returned says the
  // deployment is writable despite the fault.
  NoteFaultDone();
  bool after_fault = fault_done_at_ >= 0 && sent_at >= fault_done_at_;
  if (after_fault && report_.time_to_writable_s < 0) {
    report_.time_to_writable_s = Now() - fault_done_at_;
    Say("writable primary " + writer_->endpoint().ToString() + " after " +
        Fixed(report_.time_to_writable_s, 3) + " s");
  }
  auto wait = writer_->Call({"WAIT", "1", std::to_string(o_.wait_timeout_ms)},
                            o_.wait_timeout_ms + 1000);
  if (!wait.ok()) {
    report_.writes_unacked++;
    NoteFailure();
    return;
  }
  if (wait->type != Reply::Type::kInteger || wait->integer < 1) {
    report_.writes_unacked++;
    return;
  }
  report_.writes_acked++;
  acked_.emplace_back(key, value);
  double now = Now();
  if (last_ack_at_ >= 0) {
    report_.longest_write_gap_s = std::max(report_.longest_write_gap_s, now - last_ack_at_);
  }
  last_ack_at_ = now;
  if (after_fault && report_.time_to_acked_s < 0) {
    report_.time_to_acked_s = now - fault_done_at_;
  }
}

// Promotes the reachable replica with the highest offset and re-points the
// other nodes at it; a node that cannot be reached now is re-pointed during
// convergence.
void Drill::ManualFailover() {
  Endpoint failed = primary_;
  Endpoint best;
  int64_t best_offset = -1;
  for (const auto& n : nodes_) {
    if (n == failed) continue;
    auto info = Info(n, "replication");
    if (!info.ok() || Text(*info, "role") != "slave") continue;
    int64_t off = ReplicaOffset(*info);
    if (off > best_offset) {
      best_offset = off;
      best = n;
    }
  }
  if (best_offset < 0) {
    Say("no replica reachable to promote; retrying");
    failing_since_ = Now();
    return;
  }
  auto r = CallOnce(best, o_.password, {"REPLICAOF", "NO", "ONE"}, kCallMs);
  if (!r.ok() || !r->IsStatus("OK")) {
    Say("REPLICAOF NO ONE at " + best.ToString() + " failed; retrying");
    failing_since_ = Now();
    return;
  }
  Say("promoted " + best.ToString() + " (offset " + std::to_string(best_offset) + ")");
  primary_ = best;
  failing_since_ = -1;
  writer_.reset();
  for (const auto& n : nodes_) {
    if (n == best) continue;
    auto rr = CallOnce(n, o_.password, {"REPLICAOF", best.host, std::to_string(best.port)}, kCallMs);
    if (!rr.ok() || !rr->IsStatus("OK")) {
      repoint_.insert(n);
    } else {
      Say("re-pointed " + n.ToString() + " to " + best.ToString());
    }
  }
}

bool Drill::Converge() {
  double began = Now();
  double deadline = began + o_.timeout_s;
  std::map<Endpoint, double> down_since;
  std::string why;
  while (Now() < deadline) {
    DiscoverNodes();
    auto pinfo = PrimaryInfo(&why);
    if (!pinfo.ok()) {
      SleepS(0.1);
      continue;
    }
    // Read the primary first: a replica at or past this offset has every
    // write the primary had at that moment.
    int64_t offset = Field(*pinfo, "master_repl_offset", -1);
    // The primary names its connected replicas (a restarted container may
    // come back at another address, before Sentinel has seen it).
    for (int i = 0; i < 64; i++) {
      auto line = Text(*pinfo, "slave" + std::to_string(i));
      if (line.empty()) break;
      auto ep = ReplicaAddress(line);
      if (ep.ok()) AddNode(*ep);
    }
    bool all = true;
    int caught_up = 0;
    for (const auto& n : nodes_) {
      if (n == primary_) continue;
      auto info = Info(n, "replication");
      if (!info.ok()) {
        auto [it, fresh] = down_since.emplace(n, Now());
        if (Now() - it->second < kDownGraceS) {
          why = n.ToString() + " unreachable";
          all = false;
        }
        continue;
      }
      down_since.erase(n);
      bool stray = Text(*info, "role") == "master";
      if (o_.mode == Options::Mode::kManual && (stray || repoint_.count(n) > 0)) {
        auto r = CallOnce(n, o_.password,
                          {"REPLICAOF", primary_.host, std::to_string(primary_.port)}, kCallMs);
        if (r.ok() && r->IsStatus("OK")) {
          repoint_.erase(n);
          Say("re-pointed " + n.ToString() + " to " + primary_.ToString());
        }
        all = false;
        why = n.ToString() + " re-pointed";
        continue;
      }
      if (stray || Text(*info, "master_link_status") != "up" || ReplicaOffset(*info) < offset) {
        why = n.ToString() + " not caught up (role " + Text(*info, "role") + ", link " +
              Text(*info, "master_link_status") + ", offset " +
              std::to_string(ReplicaOffset(*info)) + " of " + std::to_string(offset) + ")";
        all = false;
      } else {
        caught_up++;
      }
    }
    // As many replicas as before the fault; one fewer when the primary was
    // failed over and nothing brings it back (no heal command).
    int expect_replicas = initial_replicas_;
    if (!(primary_ == initial_primary_) && o_.heal.empty()) expect_replicas--;
    if (all && caught_up < expect_replicas) {
      why = std::to_string(caught_up) + " replicas caught up, " + std::to_string(expect_replicas) +
            " expected";
      all = false;
    }
    if (all) {
      report_.converge_s = Now() - began;
      return true;
    }
    SleepS(0.1);
  }
  report_.problems.push_back("not converged: " + why);
  Say("not converged: " + why);
  return false;
}

void Drill::Check() {
  report_.primary_after = primary_.ToString();
  // Every acknowledged write, read back from the primary.
  auto conn = Connection::Open(primary_, o_.password, kConnectMs * 4);
  if (conn.ok()) {
    for (size_t i = 0; i < acked_.size(); i += kCheckBatch) {
      std::vector<std::string> args = {"MGET"};
      size_t end = std::min(acked_.size(), i + kCheckBatch);
      for (size_t j = i; j < end; j++) args.push_back(acked_[j].first);
      auto r = (*conn)->Call(args, 5000);
      if (!r.ok() || r->type != Reply::Type::kArray || r->elements.size() != end - i) {
        Say("reading the acknowledged writes back failed");
        break;
      }
      for (size_t j = i; j < end; j++) {
        const Reply& v = r->elements[j - i];
        report_.writes_checked++;
        if (v.type != Reply::Type::kBulk || v.str != acked_[j].second) {
          if (report_.writes_lost < 5) {
            Say("lost: " + acked_[j].first + " (wanted " + acked_[j].second + ", found " +
                v.ToDisplay() + ")");
          }
          report_.writes_lost++;
        }
      }
    }
  }
  // Digests and sync counters of every node.
  std::set<std::string> digests;
  int reachable = 0;
  for (const auto& n : nodes_) {
    NodeReport nr;
    nr.address = n.ToString();
    nr.role = "down";
    auto repl = Info(n, "replication");
    auto stats = Info(n, "stats");
    auto server = Info(n, "server");
    if (repl.ok() && stats.ok() && server.ok()) {
      nr.role = Text(*repl, "role");
      nr.offset = Field(*repl, "master_repl_offset", -1);
      Counters now{Field(*stats, "sync_full", 0), Field(*stats, "sync_partial_ok", 0),
                   Field(*stats, "sync_partial_err", 0)};
      // By run id: a node back at another address (a container reconnected
      // to its network) is the same process, a restarted one a new process
      // whose counters all come from the drill.
      auto base = baseline_.find(Text(*server, "run_id"));
      Counters before = base != baseline_.end() ? base->second : Counters{};
      auto delta = [](int64_t a, int64_t b) { return a >= b ? a - b : a; };
      nr.full_syncs = delta(now.full, before.full);
      nr.partial_syncs = delta(now.partial_ok, before.partial_ok);
      nr.partial_errs = delta(now.partial_err, before.partial_err);
      auto d = CallOnce(n, o_.password, {"DEBUG", "DIGEST"}, 5000);
      if (d.ok() && !d->IsError()) {
        nr.digest = d->str;
        digests.insert(d->str);
        reachable++;
      } else {
        report_.problems.push_back("DEBUG DIGEST failed at " + nr.address + ": " +
                                   (d.ok() ? d->str : d.status().ToString()));
      }
    }
    report_.nodes.push_back(nr);
  }
  report_.digests_equal = reachable >= 2 && digests.size() == 1;
}

bool Drill::NoteFaultDone() {
  if (fault_done_at_ >= 0) return true;
  if (!fault_.started()) return false;
  if (!fault_.Finished()) return false;
  fault_done_at_ = fault_.finished_at() - start_;
  report_.fault_duration_s = fault_done_at_ - fault_at_;
  Say("fault command returned (status " + std::to_string(fault_.status()) + ") after " +
      Fixed(report_.fault_duration_s, 3) + " s");
  return true;
}

Report Drill::Run() {
  Say(std::string("drill starts (") + report_.mode + " mode), keys " + o_.key_prefix + ":*");
  if (!WaitHealthy()) {
    report_.primary_before = primary_.ToString();
    report_.elapsed_s = Now();
    auto problems = report_.problems;
    Evaluate(&report_);
    report_.problems.insert(report_.problems.begin(), problems.begin(), problems.end());
    return report_;
  }
  report_.primary_before = primary_.ToString();
  initial_primary_ = primary_;
  initial_replicas_ = static_cast<int>(nodes_.size()) - 1;
  Say("healthy: primary " + primary_.ToString() + ", " + std::to_string(nodes_.size() - 1) +
      " replicas online");
  for (const auto& n : nodes_) {
    auto stats = Info(n, "stats");
    auto server = Info(n, "server");
    if (stats.ok() && server.ok()) {
      baseline_[Text(*server, "run_id")] = Counters{Field(*stats, "sync_full", 0),
                                                   Field(*stats, "sync_partial_ok", 0),
                                                   Field(*stats, "sync_partial_err", 0)};
    }
  }

  // Warm-up: at least one acknowledged write before the fault.
  double warm_end = Now() + o_.warmup_s;
  double warm_deadline = Now() + o_.timeout_s;
  while ((Now() < warm_end || report_.writes_acked == 0) && Now() < warm_deadline) WriteOnce();

  ShellCommand heal;
  ShellCommand& fault = fault_;
  std::string fault_cmd = SubstitutePrimary(o_.fault, primary_.host, primary_.port);
  std::string heal_cmd = SubstitutePrimary(o_.heal, primary_.host, primary_.port);
  Say("fault: " + fault_cmd);
  fault_at_ = Now();
  Status s = fault.Start(fault_cmd);
  if (!s.ok()) report_.problems.push_back("fault command: " + s.ToString());
  double fault_deadline = fault_at_ + o_.duration_s + o_.timeout_s;
  double next_progress = Now() + 1;
  int64_t acked_at_fault = report_.writes_acked;
  for (;;) {
    double now = Now();
    if (now >= fault_deadline) break;
    bool fault_done = !fault.started() || NoteFaultDone();
    bool heal_done = heal_cmd.empty() || (heal.started() && heal.Finished());
    bool acked_after = report_.time_to_acked_s >= 0;
    if (fault_done && heal_done && acked_after && now - fault_at_ >= o_.duration_s) break;
    if (!heal_cmd.empty() && !heal.started() && fault_done && acked_after &&
        now - fault_done_at_ - report_.time_to_acked_s >= o_.heal_after_s) {
      Say("heal: " + heal_cmd);
      Status hs = heal.Start(heal_cmd);
      if (!hs.ok()) report_.problems.push_back("heal command: " + hs.ToString());
    }
    if (o_.mode == Options::Mode::kManual && failing_since_ >= 0 &&
        now - failing_since_ >= o_.down_after_s) {
      Say("primary " + primary_.ToString() + " failing for " + Fixed(now - failing_since_, 1) +
          " s: failing over");
      ManualFailover();
    }
    if (now >= next_progress) {
      Say("writes: " + std::to_string(report_.writes_acked) + " acknowledged (" +
          std::to_string(report_.writes_acked - acked_at_fault) + " since the fault), " +
          std::to_string(report_.writes_unacked) + " not, target " +
          (writer_ ? writer_->endpoint().ToString() : std::string("(reconnecting)")));
      next_progress = now + 1;
    }
    WriteOnce();
  }
  writer_.reset();
  if (fault.started() && !fault.Finished()) {
    Say("fault command still running at the deadline: killed");
    fault.Kill();
  }
  if (heal.started() && !heal.Finished()) {
    Say("heal command still running at the deadline: killed");
    heal.Kill();
  }
  report_.fault_status = fault.status();
  report_.heal_status = heal_cmd.empty() ? 0 : heal.status();
  Say("writes stopped: " + std::to_string(report_.writes_acked) + " acknowledged; converging");
  report_.converged = Converge();
  if (report_.converged) Say("converged in " + Fixed(report_.converge_s, 2) + " s");
  Check();
  report_.elapsed_s = Now();
  auto problems = report_.problems;
  Evaluate(&report_);
  // Keep the detailed reasons found on the way next to the verdict's.
  for (const auto& p : problems) {
    if (std::find(report_.problems.begin(), report_.problems.end(), p) == report_.problems.end()) {
      report_.problems.push_back(p);
    }
  }
  if (!problems.empty()) report_.pass = false;
  return report_;
}

}  // namespace replikv::drill
