// The command line of replikv-drill (parsed without side effects, so the
// unit tests can check every rule).
//
//   replikv-drill --sentinel HOST:PORT[,HOST:PORT...] --master-name NAME --fault CMD [...]
//   replikv-drill --nodes HOST:PORT,HOST:PORT,... --fault CMD [...]
//   replikv-drill --call HOST:PORT [--password P] COMMAND [ARG...]
#pragma once

#include <string>
#include <vector>

#include "server/base/status.h"
#include "tools/drill/resp_client.h"

namespace replikv::drill {

struct Options {
  enum class Mode { kSentinel, kManual, kCall, kHelp, kVersion };
  Mode mode = Mode::kHelp;

  std::vector<Endpoint> sentinels;  // --sentinel
  std::string master_name;          // --master-name
  std::vector<Endpoint> nodes;      // --nodes (manual mode)
  std::string fault;                // --fault: a shell command, run once
  std::string heal;                 // --heal: run once the deployment is writable again
  double duration_s = 10;           // --duration: writes after the fault
  double warmup_s = 2;              // --warmup: writes before the fault
  double heal_after_s = 1;          // --heal-after: from writable-again to the heal
  double timeout_s = 60;            // --timeout: bound of each wait (failover, convergence)
  double down_after_s = 1;          // --down-after: manual mode's failure detection
  int wait_timeout_ms = 1000;       // --wait-timeout: WAIT 1 <ms>
  bool json = false;                // --json
  bool quiet = false;               // --quiet: no progress on stderr
  std::string password;             // --password, or REPLIKV_PASSWORD / REDISCLI_AUTH
  std::string key_prefix;           // --key-prefix (default: drill:<pid>:<time>)

  Endpoint call_target;             // --call
  std::vector<std::string> call_args;
};

// argv without the program name. env_password is what the environment offers
// (REPLIKV_PASSWORD, else REDISCLI_AUTH); --password wins over it.
Result<Options> ParseOptions(const std::vector<std::string>& args,
                             const std::string& env_password);

std::string Usage();

}  // namespace replikv::drill
