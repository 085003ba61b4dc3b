#include "tools/drill/report.h"

#include <cstdio>

namespace replikv::drill {
namespace {

std::string Seconds(double s) {
  if (s < 0) return "null";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", s);
  return buf;
}

const char* Bool(bool b) { return b ? "true" : "false"; }

}  // namespace

int64_t Report::TotalFullSyncs() const {
  int64_t n = 0;
  for (const auto& node : nodes) n += node.full_syncs;
  return n;
}

int64_t Report::TotalPartialSyncs() const {
  int64_t n = 0;
  for (const auto& node : nodes) n += node.partial_syncs;
  return n;
}

void Evaluate(Report* r) {
  r->problems.clear();
  if (r->fault_status != 0) {
    r->problems.push_back("fault command did not succeed (status " +
                          std::to_string(r->fault_status) + ")");
  }
  if (!r->heal.empty() && r->heal_status != 0) {
    r->problems.push_back("heal command did not succeed (status " +
                          std::to_string(r->heal_status) + ")");
  }
  if (r->time_to_writable_s < 0) r->problems.push_back("no writable primary after the fault");
  if (r->time_to_acked_s < 0) {
    r->problems.push_back("no WAIT-acknowledged write after the fault");
  }
  if (r->writes_acked == 0) r->problems.push_back("no write was acknowledged");
  if (r->writes_lost > 0) {
    r->problems.push_back(std::to_string(r->writes_lost) + " acknowledged writes lost");
  }
  if (r->writes_checked != r->writes_acked) {
    r->problems.push_back("only " + std::to_string(r->writes_checked) + " of " +
                          std::to_string(r->writes_acked) + " acknowledged writes checked");
  }
  if (!r->converged) r->problems.push_back("nodes did not converge");
  if (!r->digests_equal) r->problems.push_back("digests differ across nodes");
  r->pass = r->problems.empty();
}

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string FormatJson(const Report& r) {
  std::string o = "{";
  o += "\"pass\":" + std::string(Bool(r.pass));
  o += ",\"mode\":" + JsonQuote(r.mode);
  o += ",\"fault\":" + JsonQuote(r.fault);
  o += ",\"fault_status\":" + std::to_string(r.fault_status);
  o += ",\"fault_duration_s\":" + Seconds(r.fault_duration_s);
  o += ",\"heal\":" + JsonQuote(r.heal);
  o += ",\"heal_status\":" + std::to_string(r.heal_status);
  o += ",\"primary_before\":" + JsonQuote(r.primary_before);
  o += ",\"primary_after\":" + JsonQuote(r.primary_after);
  o += ",\"writes_attempted\":" + std::to_string(r.writes_attempted);
  o += ",\"writes_acked\":" + std::to_string(r.writes_acked);
  o += ",\"writes_unacked\":" + std::to_string(r.writes_unacked);
  o += ",\"writes_lost\":" + std::to_string(r.writes_lost);
  o += ",\"writes_checked\":" + std::to_string(r.writes_checked);
  o += ",\"time_to_writable_s\":" + Seconds(r.time_to_writable_s);
  o += ",\"time_to_acked_s\":" + Seconds(r.time_to_acked_s);
  o += ",\"longest_write_gap_s\":" + Seconds(r.longest_write_gap_s);
  o += ",\"converged\":" + std::string(Bool(r.converged));
  o += ",\"converge_s\":" + Seconds(r.converge_s);
  o += ",\"full_syncs\":" + std::to_string(r.TotalFullSyncs());
  o += ",\"partial_syncs\":" + std::to_string(r.TotalPartialSyncs());
  o += ",\"digests_equal\":" + std::string(Bool(r.digests_equal));
  o += ",\"elapsed_s\":" + Seconds(r.elapsed_s);
  o += ",\"nodes\":[";
  for (size_t i = 0; i < r.nodes.size(); i++) {
    const auto& n = r.nodes[i];
    if (i > 0) o += ",";
    o += "{\"address\":" + JsonQuote(n.address) + ",\"role\":" + JsonQuote(n.role) +
         ",\"offset\":" + std::to_string(n.offset) +
         ",\"full_syncs\":" + std::to_string(n.full_syncs) +
         ",\"partial_syncs\":" + std::to_string(n.partial_syncs) +
         ",\"partial_sync_errors\":" + std::to_string(n.partial_errs) +
         ",\"digest\":" + JsonQuote(n.digest) + "}";
  }
  o += "],\"problems\":[";
  for (size_t i = 0; i < r.problems.size(); i++) {
    if (i > 0) o += ",";
    o += JsonQuote(r.problems[i]);
  }
  return o + "]}";
}

std::string FormatText(const Report& r) {
  std::string o;
  o += std::string(r.pass ? "PASS" : "FAIL") + "  " + r.mode + " drill, fault: " + r.fault +
       " (exit " + std::to_string(r.fault_status) + ", " + Seconds(r.fault_duration_s) +
       " s)\n";
  if (!r.heal.empty()) {
    o += "  heal: " + r.heal + " (exit " + std::to_string(r.heal_status) + ")\n";
  }
  o += "  primary: " + r.primary_before + " -> " + r.primary_after + "\n";
  o += "  time to writable primary: " + Seconds(r.time_to_writable_s) +
       " s, to an acknowledged write: " + Seconds(r.time_to_acked_s) +
       " s, longest gap between acknowledged writes: " + Seconds(r.longest_write_gap_s) + " s\n";
  o += "  writes: " + std::to_string(r.writes_attempted) + " attempted, " +
       std::to_string(r.writes_acked) + " acknowledged (WAIT 1), " +
       std::to_string(r.writes_unacked) + " unacknowledged, " +
       std::to_string(r.writes_lost) + " acknowledged but lost\n";
  o += "  converged: " + std::string(r.converged ? "yes" : "no") + " (" +
       Seconds(r.converge_s) + " s), digests equal: " + (r.digests_equal ? "yes" : "no") + "\n";
  o += "  resyncs served: " + std::to_string(r.TotalFullSyncs()) + " full, " +
       std::to_string(r.TotalPartialSyncs()) + " partial\n";
  for (const auto& n : r.nodes) {
    o += "    " + n.address + "  " + n.role + "  offset " + std::to_string(n.offset) +
         "  full " + std::to_string(n.full_syncs) + "  partial " +
         std::to_string(n.partial_syncs) + "  partial-err " + std::to_string(n.partial_errs) +
         "  digest " + (n.digest.empty() ? "-" : n.digest) + "\n";
  }
  for (const auto& p : r.problems) o += "  problem: " + p + "\n";
  return o;
}

}  // namespace replikv::drill
