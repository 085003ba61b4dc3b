#include "tools/drill/options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace replikv::drill {
namespace {

Result<double> ParseSeconds(const std::string& name, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d) || d < 0 || d > 86400) {
    return Status::InvalidArgument(name + " wants seconds (0 to 86400)", v);
  }
  return d;
}

Result<std::vector<Endpoint>> ParseList(const std::string& name, const std::string& v) {
  std::vector<Endpoint> out;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string::npos) comma = v.size();
    auto ep = ParseEndpoint(std::string_view(v).substr(start, comma - start));
    if (!ep.ok()) return Status::InvalidArgument(name, ep.status().message());
    out.push_back(*ep);
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string Usage() {
  return R"(replikv-drill: rehearse a failover on a running replikv (or Redis) deployment

Usage:
  replikv-drill --sentinel HOST:PORT[,HOST:PORT...] --master-name NAME --fault CMD [options]
  replikv-drill --nodes HOST:PORT,HOST:PORT,... --fault CMD [options]
  replikv-drill --call HOST:PORT [--password P] COMMAND [ARG...]

A drill writes keys to the primary, each acknowledged by WAIT 1 and recorded,
runs the fault command once (through /bin/sh), waits for a writable primary
(Sentinel's failover, or in --nodes mode its own: the replica with the highest
offset is promoted and the others re-pointed), then checks that every
acknowledged write is on the primary, that every node caught up, and that the
DEBUG DIGEST of every node is the same. Exit status 0 = pass, 1 = fail,
2 = bad usage. --call runs one command and prints the reply (a ping tool for
health checks).

In CMD and in --heal, {primary}, {primary_host} and {primary_port} are replaced
by the address of the primary when the fault starts.

Options:
  --sentinel LIST        Sentinel addresses (the first that answers is asked)
  --master-name NAME     the name Sentinel monitors
  --nodes LIST           every node of the deployment (manual failover mode)
  --fault CMD            the fault, e.g. "docker compose kill primary" or "kill -9 1234"
  --heal CMD             run after the deployment is writable again, e.g.
                         "docker compose unpause primary" (default: none)
  --heal-after S         seconds between writable-again and the heal (default 1)
  --duration S           seconds of writes after the fault (default 10)
  --warmup S             seconds of writes before the fault (default 2)
  --timeout S            bound of every wait: health, failover, convergence (default 60)
  --down-after S         --nodes mode: primary failing this long is failed over (default 1)
  --wait-timeout MS      the WAIT 1 timeout of each write (default 1000)
  --password P           AUTH password (default: $REPLIKV_PASSWORD, else $REDISCLI_AUTH)
  --key-prefix P         prefix of the drill's keys (default drill:<pid>:<unix time>)
  --json                 print the report as one JSON object on stdout
  --quiet                no progress lines on stderr
  --help, --version
)";
}

Result<Options> ParseOptions(const std::vector<std::string>& args,
                             const std::string& env_password) {
  Options o;
  o.password = env_password;
  bool mode_set = false;
  // --help and --version win wherever they are (before a --call command).
  for (const auto& a : args) {
    if (a == "--call") break;
    if (a == "--help" || a == "-h") return o;
    if (a == "--version") {
      o.mode = Options::Mode::kVersion;
      return o;
    }
  }
  auto value = [&](size_t* i) -> Result<std::string> {
    if (*i + 1 >= args.size()) return Status::InvalidArgument(args[*i] + " needs a value");
    ++*i;
    return args[*i];
  };
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.mode = Options::Mode::kHelp;
      return o;
    }
    if (a == "--version") {
      o.mode = Options::Mode::kVersion;
      return o;
    }
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (a == "--quiet") {
      o.quiet = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      if (o.mode == Options::Mode::kCall && mode_set) {
        o.call_args.assign(args.begin() + static_cast<long>(i), args.end());
        break;
      }
      return Status::InvalidArgument("unexpected argument", a);
    }
    auto v = value(&i);
    if (!v.ok()) return v.status();
    const std::string& val = *v;
    if (a == "--sentinel") {
      auto l = ParseList(a, val);
      if (!l.ok()) return l.status();
      o.sentinels = *l;
    } else if (a == "--master-name") {
      o.master_name = val;
    } else if (a == "--nodes") {
      auto l = ParseList(a, val);
      if (!l.ok()) return l.status();
      o.nodes = *l;
    } else if (a == "--call") {
      auto ep = ParseEndpoint(val);
      if (!ep.ok()) return ep.status();
      o.call_target = *ep;
      o.mode = Options::Mode::kCall;
      mode_set = true;
    } else if (a == "--fault") {
      o.fault = val;
    } else if (a == "--heal") {
      o.heal = val;
    } else if (a == "--password") {
      o.password = val;
    } else if (a == "--key-prefix") {
      o.key_prefix = val;
    } else if (a == "--wait-timeout") {
      int ms = 0;
      auto [p, ec] = std::from_chars(val.data(), val.data() + val.size(), ms);
      if (ec != std::errc() || p != val.data() + val.size() || ms < 1 || ms > 600000) {
        return Status::InvalidArgument("--wait-timeout wants milliseconds (1 to 600000)", val);
      }
      o.wait_timeout_ms = ms;
    } else {
      double* target = a == "--duration"     ? &o.duration_s
                       : a == "--warmup"     ? &o.warmup_s
                       : a == "--heal-after" ? &o.heal_after_s
                       : a == "--timeout"    ? &o.timeout_s
                       : a == "--down-after" ? &o.down_after_s
                                             : nullptr;
      if (target == nullptr) return Status::InvalidArgument("unknown option", a);
      auto s = ParseSeconds(a, val);
      if (!s.ok()) return s.status();
      *target = *s;
    }
  }
  if (o.mode == Options::Mode::kCall) {
    if (o.call_args.empty()) return Status::InvalidArgument("--call needs a command after the address");
    return o;
  }
  bool sentinel = !o.sentinels.empty();
  bool manual = !o.nodes.empty();
  if (!sentinel && !manual) {
    if (args.empty()) return o;  // no arguments: print the usage
    return Status::InvalidArgument("give --sentinel (with --master-name) or --nodes");
  }
  if (sentinel && manual) return Status::InvalidArgument("--sentinel and --nodes exclude each other");
  if (sentinel && o.master_name.empty()) {
    return Status::InvalidArgument("--sentinel needs --master-name");
  }
  if (manual && o.nodes.size() < 2) {
    return Status::InvalidArgument("--nodes needs the primary and at least one replica");
  }
  if (o.fault.empty()) return Status::InvalidArgument("--fault is required");
  if (o.timeout_s < 1) return Status::InvalidArgument("--timeout must be at least 1 second");
  o.mode = sentinel ? Options::Mode::kSentinel : Options::Mode::kManual;
  return o;
}

}  // namespace replikv::drill
