// replikv-server: parse the command line and config, set up logging, run.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "persistence/persistence_module.h"
#include "replication/replication_module.h"
#include "server/acl.h"
#include "server/config/config.h"
#include "server/base/log.h"
#include "server/memory_stats.h"
#include "server/server.h"
#include "server/startup_banner.h"
#include "server/base/version.h"

namespace {

void PrintUsage(const char* prog) {
  std::fprintf(stderr,
               "Usage: %s [/path/to/redis.conf] [options] [-]\n"
               "       %s - (read config from stdin)\n"
               "       %s -v or --version\n"
               "       %s -h or --help\n\n"
               "Examples:\n"
               "       %s (run the server with default conf)\n"
               "       echo 'maxmemory 128mb' | %s -\n"
               "       %s /etc/replikv/6379.conf\n"
               "       %s --port 7777\n"
               "       %s --port 7777 --replicaof 127.0.0.1 8888\n"
               "       %s /etc/myredis.conf --loglevel verbose -\n\n"
               "Options are redis.conf directives written as --name value; see README.md.\n",
               prog, prog, prog, prog, prog, prog, prog, prog, prog, prog);
}

const char* LevelName(replikv::LogLevel l) {
  switch (l) {
    case replikv::LogLevel::kDebug: return "debug";
    case replikv::LogLevel::kVerbose: return "verbose";
    case replikv::LogLevel::kNotice: return "notice";
    case replikv::LogLevel::kWarning: return "warning";
  }
  return "notice";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace replikv;
  InitProcessTitle(argc, argv);
  if (argc == 2 && (std::strcmp(argv[1], "-v") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::printf("replikv server v=%s (Redis %s compatible) bits=64 malloc=jemalloc\n", kReplikvVersion,
                kRedisCompatVersion);
    return 0;
  }
  if (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0)) {
    PrintUsage(argv[0]);
    return 0;
  }

  ConfigRegistry registry;
  CommandTable known_commands;
  RegisterAllCommands(known_commands);
  persistence::PersistenceModule::RegisterCommandNames(known_commands);
  repl::ReplicationModule::RegisterCommandNames(known_commands);
  registry.set_command_exists([&](std::string_view name) { return known_commands.Find(name) != nullptr; });
  Status st = registry.LoadFromCommandLine(argc - 1, argv + 1);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  const ServerConfig& cfg = registry.config();
  st = SetupLogging(cfg.logfile, LevelName(cfg.loglevel));
  if (!st.ok()) {
    std::fprintf(stderr, "Can't open the log file: %s\n", st.message().c_str());
    return 1;
  }
  st = registry.SetApplyHook({"loglevel"}, [](const ServerConfig& c) { return SetLogLevel(LevelName(c.loglevel)); });
  if (!st.ok()) {
    spdlog::warn("Fatal error setting up the loglevel directive: {}", st.message());
    return 1;
  }
  // CONFIG SET proc-title-template retitles the process (once it is up).
  bool titled = false;
  if (!registry.SetApplyHook({"proc-title-template"}, [&](const ServerConfig& c) {
        if (titled) SetProcessTitle(c, registry.config_file());
        return Status::OK();
      }).ok()) {
    return 1;
  }
  st = registry.ApplyAll();
  if (!st.ok()) {
    spdlog::warn("Fatal error applying the configuration: {}", st.message());
    return 1;
  }
  if (cfg.daemonize) {
    // Like Redis: detach, and stdout logging goes nowhere.
    if (daemon(1, 0) != 0) {
      spdlog::warn("Can't daemonize: {}", std::strerror(errno));
      return 1;
    }
    RefreshLogPid();
  }
  // After daemon(): the allocator's purging thread would not survive its fork.
  st = registry.SetApplyHook({"jemalloc-bg-thread"}, [](const ServerConfig& c) {
    if (!SetAllocatorBackgroundThread(c.jemalloc_bg_thread) && c.jemalloc_bg_thread) {
      spdlog::warn("Failed to enable the jemalloc background thread");  // not fatal, as Redis
    }
    return Status::OK();
  });
  if (!st.ok()) return 1;
  SetAllocatorBackgroundThread(cfg.jemalloc_bg_thread);

  spdlog::info("oO0OoO0OoO0Oo replikv is starting oO0OoO0OoO0Oo");
  spdlog::info("replikv version={} (Redis {} compatible), bits=64, pid={}, just started", kReplikvVersion,
               kRedisCompatVersion, getpid());
  spdlog::info(registry.config_file().empty() ? "Configuration loaded (no config file, using defaults and "
                                                "command-line options)"
                                              : "Configuration loaded");
  for (const std::string& name : registry.ChangedButNotActedOn()) {
    spdlog::warn("Directive '{}' is accepted for compatibility but replikv does not act on it yet", name);
  }

  Server server(registry);
  server.config_file = registry.config_file();
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  server.executable = n > 0 ? std::string(exe, static_cast<size_t>(n)) : std::string(argv[0]);

  persistence::PersistenceModule persistence(server);
  persistence.Install();
  repl::ReplicationModule replication(server, persistence);
  replication.Install();
  server.ApplyCommandRenames();
  // The default user follows requirepass (at start-up and on CONFIG SET);
  // then the config's `user` lines or the aclfile, which may change it.
  server.acl().SetDefaultPassword(cfg.requirepass);
  if (!registry.SetApplyHook({"requirepass"}, [&server](const ServerConfig& c) {
        server.acl().SetDefaultPassword(c.requirepass);
        return Status::OK();
      }).ok()) {
    return 1;
  }
  registry.set_user_lines([&server] { return server.acl().List(); });
  st = server.acl().LoadAtStartup(cfg);
  if (!st.ok()) {
    spdlog::warn("{}", st.message());
    return 1;
  }

  st = server.Listen();
  if (!st.ok()) {
    spdlog::warn("{}", st.message());
    return 1;
  }
  server.Start();
  SetProcessTitle(cfg, registry.config_file());
  titled = true;
  if (!cfg.pidfile.empty()) {
    FILE* f = std::fopen(cfg.pidfile.c_str(), "w");
    if (f != nullptr) {
      std::fprintf(f, "%d\n", static_cast<int>(getpid()));
      std::fclose(f);
    } else {
      spdlog::warn("Failed to write PID file: {}", std::strerror(errno));
    }
  }
  PrintStartupLogo(cfg);  // after the bind: a harness reading PID: may connect at once
  server.set_memory_startup(ReadAllocatorStats().allocated);
  spdlog::info("Server initialized");
  // Every failure below has already been logged with its reason.
  st = persistence.LoadAtStartup();
  if (!st.ok()) return 1;
  replication.AfterLoad();
  spdlog::info("Ready to accept connections tcp");
  int rc = server.Run();
  if (!cfg.pidfile.empty()) unlink(cfg.pidfile.c_str());
  return rc;
}
