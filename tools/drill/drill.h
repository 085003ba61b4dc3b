// One failover drill against a running deployment.
//
// Phases (each wait bounded by Options::timeout_s):
//   1. discover: the primary (from Sentinel, or the node of --nodes whose
//      ROLE is master) and every node; wait until the replicas are online
//      and caught up; record each node's INFO stats sync counters.
//   2. warm-up: writes before the fault.
//   3. fault: the command runs in the background while writes go on; the
//      times to writable are counted from its return. Each
//      write is SET key value, then WAIT 1; acknowledged writes are recorded.
//      A failing primary is replaced: Sentinel mode asks Sentinel for the
//      current one; manual mode promotes the replica with the highest offset
//      (REPLICAOF NO ONE) and re-points the others once the primary has failed
//      for down_after_s. The heal command (if any) runs heal_after_s after
//      the first acknowledged write that follows the fault.
//   4. converge: writes stop; wait until every reachable node is the primary
//      or a replica with its link up at the primary's offset (manual mode
//      re-points a stray primary, e.g. a paused one that came back), and as
//      many replicas as before the fault are (one fewer when the primary was
//      failed over and no heal command brings it back). Replicas the
//      primary lists are added to the nodes (a restarted container may have
//      a new address).
//   5. check: every acknowledged write read back from the primary, DEBUG
//      DIGEST of every reachable node, the sync counters' growth.
//
// A node unreachable for kDownGraceS during convergence counts as down and is
// left out of the checks (a killed primary that was not restarted).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tools/drill/options.h"
#include "tools/drill/report.h"
#include "tools/drill/resp_client.h"
#include "tools/drill/shell_command.h"

namespace replikv::drill {

class Drill {
 public:
  using Progress = std::function<void(const std::string&)>;
  Drill(Options options, Progress progress);

  Report Run();

 private:
  struct Counters {
    int64_t full = 0, partial_ok = 0, partial_err = 0;
  };

  double Now() const;  // seconds since the drill started
  void Say(const std::string& line);
  Result<Endpoint> AskPrimary();
  // Asks for the primary (primary_ is set) and returns its INFO
  // replication; an error (and *why) unless it answers as master.
  Result<std::map<std::string, std::string>> PrimaryInfo(std::string* why);
  void DiscoverNodes();
  void AddNode(const Endpoint& ep);
  Result<std::map<std::string, std::string>> Info(const Endpoint& ep, const std::string& section);
  bool WaitHealthy();
  void WriteOnce();
  void NoteFailure();
  bool NoteFaultDone();
  void ManualFailover();
  bool Converge();
  void Check();

  Options o_;
  Progress progress_;
  double start_;
  Report report_;

  Endpoint primary_;
  Endpoint initial_primary_;      // when the deployment was healthy
  int initial_replicas_ = 0;
  std::vector<Endpoint> nodes_;   // every node seen, in discovery order
  std::map<std::string, Counters> baseline_;  // by run_id, at the start
  std::set<Endpoint> repoint_;    // manual mode: still to be re-pointed

  std::unique_ptr<Connection> writer_;
  int64_t seq_ = 0;
  std::vector<std::pair<std::string, std::string>> acked_;
  ShellCommand fault_;
  double fault_at_ = -1;          // the fault command started
  double fault_done_at_ = -1;     // ... and returned: the fault is in effect
  double last_ack_at_ = -1;
  double failing_since_ = -1;     // manual mode: first of the current run of failures
};

}  // namespace replikv::drill
