// The base file of an AOF rewrite: the whole dataset either as an RDB with
// the aof-base aux field (aof-use-rdb-preamble yes, Redis 7's default) or as
// the commands that rebuild it (SELECT, SET/PEXPIREAT ...). Runs in the
// rewrite child, or at start-up for a fresh AOF.
#pragma once

#include <optional>
#include <string>

#include "server/base/status.h"

namespace replikv {
class Server;
}

namespace replikv::persistence {

// Writes and fsyncs `path` (replaced if it exists). A base of commands
// starts with the annotation "#TS:<annotate_s>" when given
// (aof-timestamp-enabled); an RDB base has no place for one.
Status WriteBaseFile(Server& server, const std::string& path, bool rdb_preamble,
                     std::optional<int64_t> annotate_s = std::nullopt);

}  // namespace replikv::persistence
