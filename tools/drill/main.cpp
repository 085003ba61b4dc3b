// replikv-drill: a failover drill for a running replikv (or Redis)
// deployment, and --call, a one-command client for health checks. The work is
// in drill.cpp; this file parses the command line and prints.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/base/version.h"
#include "tools/drill/drill.h"
#include "tools/drill/options.h"

namespace {

std::string EnvPassword() {
  for (const char* name : {"REPLIKV_PASSWORD", "REDISCLI_AUTH"}) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != '\0') return v;
  }
  return "";
}

int Call(const replikv::drill::Options& o) {
  auto r = replikv::drill::CallOnce(o.call_target, o.password, o.call_args, 5000);
  if (!r.ok()) {
    std::fprintf(stderr, "replikv-drill: %s\n", r.status().ToString().c_str());
    return 1;
  }
  std::printf("%s\n", r->ToDisplay().c_str());
  return r->IsError() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = replikv::drill::ParseOptions(args, EnvPassword());
  if (!parsed.ok()) {
    std::fprintf(stderr, "replikv-drill: %s\n(see replikv-drill --help)\n",
                 parsed.status().message().c_str());
    return 2;
  }
  const auto& o = *parsed;
  using Mode = replikv::drill::Options::Mode;
  switch (o.mode) {
    case Mode::kHelp:
      std::fputs(replikv::drill::Usage().c_str(), stdout);
      return 0;
    case Mode::kVersion:
      std::printf("replikv-drill %s\n", replikv::kReplikvVersion);
      return 0;
    case Mode::kCall:
      return Call(o);
    case Mode::kSentinel:
    case Mode::kManual:
      break;
  }
  bool quiet = o.quiet;
  replikv::drill::Drill drill(o, [quiet](const std::string& line) {
    if (!quiet) std::fprintf(stderr, "%s\n", line.c_str());
  });
  auto report = drill.Run();
  if (o.json) {
    std::printf("%s\n", replikv::drill::FormatJson(report).c_str());
  } else {
    std::fputs(replikv::drill::FormatText(report).c_str(), stdout);
  }
  std::fflush(stdout);
  return report.pass ? 0 : 1;
}
