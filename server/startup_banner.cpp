#include "server/startup_banner.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "server/base/log.h"
#include "server/base/version.h"

extern char** environ;

namespace replikv {
namespace {

// The writable area that ps reads: argv's strings and, when they follow
// them contiguously, environ's (moved to the heap by InitProcessTitle).
char* g_title_area = nullptr;
size_t g_title_size = 0;
std::string g_argv0;

std::string ListenAddr(const ServerConfig& cfg) {
  std::string addr = cfg.bind.empty() ? "*" : cfg.bind.front();
  return addr + ":" + std::to_string(cfg.port);
}

}  // namespace

void InitProcessTitle(int argc, char** argv) {
  if (argc <= 0 || argv == nullptr || argv[0] == nullptr) return;
  g_argv0 = argv[0];
  char* begin = argv[0];
  char* end = argv[0] + std::strlen(argv[0]) + 1;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] != end) break;  // not contiguous: stop at what is
    end = argv[i] + std::strlen(argv[i]) + 1;
  }
  // environ's strings usually follow argv's: copy them to the heap so the
  // area can be reused, and point environ at the copies.
  size_t envc = 0;
  while (environ != nullptr && environ[envc] != nullptr) ++envc;
  if (envc > 0 && environ[0] == end) {
    char** copy = static_cast<char**>(std::calloc(envc + 1, sizeof(char*)));
    if (copy != nullptr) {
      for (size_t i = 0; i < envc; ++i) {
        if (environ[i] == end) end = environ[i] + std::strlen(environ[i]) + 1;
        copy[i] = strdup(environ[i]);
      }
      environ = copy;  // the old array is left as is (it lives on the stack)
    }
  }
  g_title_area = begin;
  g_title_size = static_cast<size_t>(end - begin);
}

std::string ExpandProcessTitle(const std::string& tmpl, const ServerConfig& cfg, const std::string& config_file) {
  std::string out;
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char ch = tmpl[i];
    if ((ch == '{' || ch == '}') && i + 1 < tmpl.size() && tmpl[i + 1] == ch) {  // "{{" and "}}" are literal
      out += ch;
      ++i;
      continue;
    }
    if (ch != '{') {
      out += ch;
      continue;
    }
    size_t close = tmpl.find('}', i + 1);
    if (close == std::string::npos) break;  // CONFIG has refused such a template already
    std::string_view name(tmpl.data() + i + 1, close - i - 1);
    if (name == "title") {
      out += g_argv0;
    } else if (name == "listen-addr") {
      out += ListenAddr(cfg);
    } else if (name == "server-mode") {
      // "[cluster]" or "[sentinel]" in those modes; replikv has neither.
    } else if (name == "port") {
      out += std::to_string(cfg.port);
    } else if (name == "tls-port") {
      out += std::to_string(cfg.tls_port);
    } else if (name == "unixsocket") {
      out += cfg.unixsocket;
    } else if (name == "config-file") {
      // Redis 7.0 shows "-" for a server started without a config file.
      out += config_file.empty() ? "-" : config_file;
    }
    i = close;
  }
  size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  return out.substr(b, out.find_last_not_of(' ') - b + 1);
}

void SetProcessTitle(const ServerConfig& cfg, const std::string& config_file) {
  if (g_title_area == nullptr || !cfg.set_proc_title) return;
  std::string title = ExpandProcessTitle(cfg.proc_title_template, cfg, config_file);
  size_t n = std::min(title.size(), g_title_size - 1);
  std::memcpy(g_title_area, title.data(), n);
  // Zero the rest: ps stops at the first NUL of the area.
  std::memset(g_title_area + n, 0, g_title_size - n);
}

void PrintStartupLogo(const ServerConfig& cfg) {
  const bool show = cfg.always_show_logo || (cfg.logfile.empty() && isatty(STDOUT_FILENO));
  if (!show) {
    spdlog::info("Running mode=standalone, port={}.", cfg.port);
    return;
  }
  // replikv's own art; the Port: and PID: lines are shaped as Redis's, since
  // scripts read them.
  char buf[2048];
  std::snprintf(buf, sizeof(buf),
                "\n"
                "        .-=========-.\n"
                "       /  .-------.  \\        replikv %s (Redis %s compatible) 64 bit\n"
                "      |  /  r k v  \\  |\n"
                "      |  |  <===>  |  |       Running in standalone mode\n"
                "      |  \\         /  |       Port: %d\n"
                "       \\  '-------'  /        PID: %ld\n"
                "        '-=========-'\n"
                "          ||     ||\n"
                "         =''=   =''=\n\n",
                kReplikvVersion, kRedisCompatVersion, cfg.port, static_cast<long>(getpid()));
  LogRaw(buf);
}

}  // namespace replikv
