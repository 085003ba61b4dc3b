// What an operator sees of a starting server: the start-up logo block and
// the process title (ps).
//
// The logo is printed, as Redis 7.0 prints its own, when always-show-logo is
// yes or when logging goes to a terminal on stdout; otherwise one line
// "Running mode=standalone, port=N." takes its place. It is printed after the
// listening sockets are bound, so a harness that reads "PID: <pid>" from the
// output can connect at once.
//
// The process title follows proc-title-template ("{title} {listen-addr}
// {server-mode}" by default) when set-proc-title is yes: the argv memory is
// overwritten, as Redis's setproctitle does, so `ps -o args` shows it.
// Loop thread only.
#pragma once

#include <string>

#include "server/config/config.h"

namespace replikv {

// Remembers argv's memory (and moves environ out of the way, since it may
// follow argv's strings) so the title can later be written there. Call
// first thing in main(), before anything reads the environment through
// pointers it keeps. argv's strings stay readable until SetProcessTitle().
void InitProcessTitle(int argc, char** argv);

// Expands `tmpl` as Redis 7.0 does ({title} {listen-addr} {server-mode}
// {port} {tls-port} {unixsocket} {config-file}), with the spaces at both
// ends trimmed.
std::string ExpandProcessTitle(const std::string& tmpl, const ServerConfig& cfg, const std::string& config_file);

// Writes the expanded template over argv (no-op before InitProcessTitle).
void SetProcessTitle(const ServerConfig& cfg, const std::string& config_file);

// Logs the start-up logo block (or the one-line form), see above.
void PrintStartupLogo(const ServerConfig& cfg);

}  // namespace replikv
