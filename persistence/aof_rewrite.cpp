#include "persistence/aof_rewrite.h"

#include <string>

#include "persistence/file.h"
#include "persistence/rdb_keyspace.h"
#include "server/keyspace.h"
#include "server/memory_stats.h"
#include "server/propagate.h"
#include "server/server.h"
#include "server/version.h"

namespace replikv::persistence {
namespace {

// Appends the commands that recreate `e` (strings today; each type adds its
// form here as it gains RDB support).
Status AppendEntryCommands(const Entry* e, std::string* out) {
  char scratch[24];
  switch (e->type()) {
    case ObjType::kString: {
      std::string_view argv[] = {"SET", e->key(), e->StringValue(scratch)};
      Propagator::EncodeCommand(argv, out);
      break;
    }
    default:
      return Status::InvalidArgument("AOF rewrite without RDB preamble: value type not supported yet");
  }
  if (e->has_expire()) {
    std::string when = std::to_string(e->expire_ms());
    std::string_view argv[] = {"PEXPIREAT", e->key(), when};
    Propagator::EncodeCommand(argv, out);
  }
  return Status::OK();
}

Status WriteCommands(Keyspace& ks, WritableFile* file, int key_delay_us) {
  std::string buf;
  Status st;
  for (int i = 0; st.ok() && i < ks.databases(); ++i) {
    Db& db = ks.db(i);
    if (db.size() == 0) continue;
    std::string num = std::to_string(i);
    std::string_view select[] = {"SELECT", num};
    Propagator::EncodeCommand(select, &buf);
    db.keys().ForEach([&](Entry* e) {
      if (!st.ok()) return;
      st = AppendEntryCommands(e, &buf);
      KeyDelay(key_delay_us);
      if (st.ok() && buf.size() >= (1u << 20)) {
        st = file->Append(buf);
        buf.clear();
      }
    });
  }
  if (st.ok() && !buf.empty()) st = file->Append(buf);
  return st;
}

}  // namespace

Status WriteBaseFile(Server& server, const std::string& path, bool rdb_preamble) {
  auto file = NewWritableFile(path);
  if (!file.ok()) return file.status();
  Status st;
  if (rdb_preamble) {
    RdbAuxFields aux;
    aux.redis_ver = kRedisCompatVersion;
    aux.ctime = WallClockMs() / 1000;
    aux.used_mem = static_cast<int64_t>(ReadAllocatorStats().allocated);
    aux.aof_base = true;
    FileSink sink(file->get());
    // rdb-key-save-delay slows a rewrite as it slows a BGSAVE, as in Redis
    // (tests use it to act while a rewrite runs).
    st = WriteKeyspace(server.keyspace(), &sink, EncoderOptionsFromConfig(server.config()), aux, nullptr,
                       server.config().rdb_key_save_delay);
  } else {
    st = WriteCommands(server.keyspace(), file->get(), server.config().rdb_key_save_delay);
  }
  if (st.ok()) st = (*file)->Flush();
  if (st.ok()) st = (*file)->Sync();
  Status close = (*file)->Close();
  return st.ok() ? close : st;
}

}  // namespace replikv::persistence
