// What a drill found, its verdict, and the two ways it is printed: a few
// lines for people and one JSON object for scripts (--json).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace replikv::drill {

struct NodeReport {
  std::string address;
  std::string role;          // "master", "slave", or "down" at the end
  int64_t offset = -1;       // master_repl_offset at the end
  int64_t full_syncs = 0;    // sync_full served during the drill (INFO stats)
  int64_t partial_syncs = 0; // sync_partial_ok served during the drill
  int64_t partial_errs = 0;  // sync_partial_err served during the drill
  std::string digest;        // DEBUG DIGEST at the end ("" when down)
};

struct Report {
  std::string mode;   // "sentinel" or "manual"
  std::string fault;
  std::string heal;
  int fault_status = -1;  // exit status of the fault command (-1: did not finish)
  int heal_status = -1;
  std::string primary_before;
  std::string primary_after;

  int64_t writes_attempted = 0;
  int64_t writes_acked = 0;    // SET +OK and WAIT 1 >= 1
  int64_t writes_unacked = 0;  // SET +OK but WAIT timed out with no replica
  int64_t writes_lost = 0;     // acknowledged but missing or different at the end
  int64_t writes_checked = 0;

  double fault_duration_s = -1;    // the fault command's run time
  // From the fault command's return (the fault is in effect) to the first
  // SET +OK / WAIT-acknowledged write sent after it.
  double time_to_writable_s = -1;
  double time_to_acked_s = -1;
  double longest_write_gap_s = 0;  // longest time without an acknowledged write
  double converge_s = -1;          // end of writes -> every node caught up
  bool converged = false;
  bool digests_equal = false;
  double elapsed_s = 0;
  std::vector<NodeReport> nodes;
  std::vector<std::string> problems;  // filled by Evaluate()
  bool pass = false;

  int64_t TotalFullSyncs() const;
  int64_t TotalPartialSyncs() const;
};

// Decides pass/fail: a writable primary after the fault, at least one
// acknowledged write before and after it, no acknowledged write lost,
// every reachable node caught up, equal digests, the fault command run.
// Records each reason for a failure in problems.
void Evaluate(Report* r);

std::string FormatJson(const Report& r);
std::string FormatText(const Report& r);

// JSON string literal with the escapes RFC 8259 requires.
std::string JsonQuote(const std::string& s);

}  // namespace replikv::drill
