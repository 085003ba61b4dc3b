#include "persistence/aof_rewrite.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "persistence/aof_loader.h"
#include "persistence/child.h"
#include "persistence/format/file.h"
#include "persistence/rdb_keyspace.h"
#include "server/keyspace.h"
#include "server/memory_stats.h"
#include "server/propagate.h"
#include "server/commands/scripting.h"
#include "server/server.h"
#include "server/types/type_hash.h"
#include "server/types/type_list.h"
#include "server/types/type_set.h"
#include "server/types/type_stream.h"
#include "server/types/type_zset.h"
#include "server/base/version.h"

namespace replikv::persistence {
namespace {

// Redis writes at most this many elements per command in a rewrite
// (AOF_REWRITE_ITEMS_PER_CMD).
constexpr size_t kItemsPerCommand = 64;

// Emits `head` (command name and key) followed by the items in batches.
class BatchWriter {
 public:
  BatchWriter(std::string* out, std::string_view cmd, std::string_view key) : out_(out), cmd_(cmd), key_(key) {}
  ~BatchWriter() { Emit(); }
  void Add(std::string_view item) {
    items_.emplace_back(item);
    if (items_.size() >= kItemsPerCommand * per_item_) Emit();
  }
  void set_per_item(size_t n) { per_item_ = n; }

 private:
  void Emit() {
    if (items_.empty()) return;
    std::vector<std::string_view> argv = {cmd_, key_};
    for (const std::string& i : items_) argv.push_back(i);
    Propagator::EncodeCommand(argv, out_);
    items_.clear();
  }
  std::string* out_;
  std::string_view cmd_, key_;
  std::vector<std::string> items_;
  size_t per_item_ = 1;
};

std::string FormatScore(double d) {
  char buf[64];
  int n = std::isinf(d) ? std::snprintf(buf, sizeof(buf), "%s", d > 0 ? "inf" : "-inf")
                        : std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

// Redis 7.0's rewriteStreamObject: an XADD per entry (an empty stream as
// XADD key MAXLEN 0 0-1 x y), XSETID with the counters, then per group
// XGROUP CREATE ... ENTRIESREAD n and, per consumer, XCLAIM ... JUSTID FORCE
// for each pending entry or XGROUP CREATECONSUMER when it has none.
void AppendStreamCommands(std::string_view key, Stream* s, std::string* out) {
  if (s->length != 0) {
    StreamIterator si(s, nullptr, nullptr, false);
    StreamID id;
    int64_t n;
    std::vector<std::string> argv;
    while (si.GetID(&id, &n)) {
      argv.clear();
      argv.emplace_back("XADD");
      argv.emplace_back(key);
      argv.push_back(id.ToString());
      for (int64_t i = 0; i < n; ++i) {
        std::string_view f, v;
        si.GetField(&f, &v);
        argv.emplace_back(f);
        argv.emplace_back(v);
      }
      std::vector<std::string_view> views(argv.begin(), argv.end());
      Propagator::EncodeCommand(views, out);
    }
  } else {
    std::string_view argv[] = {"XADD", key, "MAXLEN", "0", "0-1", "x", "y"};
    Propagator::EncodeCommand(argv, out);
  }
  std::string last = s->last_id.ToString(), added = std::to_string(s->entries_added),
              maxdel = s->max_deleted_entry_id.ToString();
  std::string_view setid[] = {"XSETID", key, last, "ENTRIESADDED", added, "MAXDELETEDID", maxdel};
  Propagator::EncodeCommand(setid, out);
  for (const auto& [name, g] : s->groups) {
    std::string glast = g->last_id.ToString(), read = std::to_string(g->entries_read);
    std::string_view create[] = {"XGROUP", "CREATE", key, name, glast, "ENTRIESREAD", read};
    Propagator::EncodeCommand(create, out);
    for (const auto& [cname, c] : g->consumers) {
      if (c->pel.empty()) {
        std::string_view cc[] = {"XGROUP", "CREATECONSUMER", key, name, cname};
        Propagator::EncodeCommand(cc, out);
        continue;
      }
      for (const auto& [id, nack] : c->pel) {
        std::string ids = id.ToString(), time = std::to_string(nack->delivery_time),
                    count = std::to_string(nack->delivery_count);
        std::string_view claim[] = {"XCLAIM", key, name, cname, "0", ids, "TIME", time, "RETRYCOUNT", count,
                                    "JUSTID", "FORCE"};
        Propagator::EncodeCommand(claim, out);
      }
    }
  }
}

// Appends the commands that recreate `e`, then its TTL.
Status AppendEntryCommands(const Entry* e, std::string* out) {
  char scratch[24];
  switch (e->type()) {
    case ObjType::kString: {
      std::string_view argv[] = {"SET", e->key(), e->StringValue(scratch)};
      Propagator::EncodeCommand(argv, out);
      break;
    }
    case ObjType::kList: {
      BatchWriter w(out, "RPUSH", e->key());
      static_cast<const List*>(e->object())->ForEach([&](std::string_view v) { w.Add(v); });
      break;
    }
    case ObjType::kSet: {
      BatchWriter w(out, "SADD", e->key());
      SetValue(e->object()).ForEach([&](std::string_view m) { w.Add(m); });
      break;
    }
    case ObjType::kHash: {
      BatchWriter w(out, "HSET", e->key());
      w.set_per_item(2);
      HashValue(e->object()).ForEach([&](std::string_view f, std::string_view v) {
        w.Add(f);
        w.Add(v);
      });
      break;
    }
    case ObjType::kZset: {
      BatchWriter w(out, "ZADD", e->key());
      w.set_per_item(2);
      ZsetValue(e->object()).ForEach([&](std::string_view m, double score) {
        w.Add(FormatScore(score));
        w.Add(m);
      });
      break;
    }
    case ObjType::kStream:
      AppendStreamCommands(e->key(), static_cast<Stream*>(e->object()), out);
      break;
  }
  if (e->has_expire()) {
    std::string when = std::to_string(e->expire_ms());
    std::string_view argv[] = {"PEXPIREAT", e->key(), when};
    Propagator::EncodeCommand(argv, out);
  }
  return Status::OK();
}

// The libraries first, one FUNCTION LOAD each (Redis 7.0's rewriteFunctions),
// then every db's keys.
Status WriteCommands(Keyspace& ks, const std::vector<std::string>& functions, WritableFile* file,
                     int key_delay_us) {
  std::string buf;
  Status st;
  for (const std::string& code : functions) {
    std::string_view load[] = {"FUNCTION", "LOAD", code};
    Propagator::EncodeCommand(load, &buf);
  }
  for (int i = 0; st.ok() && i < ks.databases(); ++i) {
    Db& db = ks.db(i);
    if (db.size() == 0) continue;
    std::string num = std::to_string(i);
    std::string_view select[] = {"SELECT", num};
    Propagator::EncodeCommand(select, &buf);
    db.keys().ForEach([&](Entry* e) {
      if (!st.ok()) return;
      st = AppendEntryCommands(e, &buf);
      ChildNoteKeySaved();
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

Status WriteBaseFile(Server& server, const std::string& path, bool rdb_preamble, std::optional<int64_t> annotate_s) {
  auto file = NewWritableFile(path);
  if (!file.ok()) return file.status();
  Status st;
  if (rdb_preamble) {
    RdbAuxFields aux;
    aux.redis_ver = kRedisCompatVersion;
    aux.ctime = WallClockMs() / 1000;
    aux.used_mem = static_cast<int64_t>(ReadAllocatorStats().allocated);
    aux.aof_base = true;
    aux.functions = server.scripting().LibraryCodes();
    FileSink sink(file->get());
    // rdb-key-save-delay slows a rewrite as it slows a BGSAVE, as in Redis
    // (tests use it to act while a rewrite runs).
    st = WriteKeyspace(server.keyspace(), &sink, EncoderOptionsFromConfig(server.config()), aux, nullptr,
                       server.config().rdb_key_save_delay);
  } else {
    if (annotate_s) st = (*file)->Append(AofTimestampAnnotation(*annotate_s));
    if (st.ok()) st = WriteCommands(server.keyspace(), server.scripting().LibraryCodes(), file->get(),
                                   server.config().rdb_key_save_delay);
  }
  if (st.ok()) st = (*file)->Flush();
  if (st.ok()) st = (*file)->Sync();
  Status close = (*file)->Close();
  return st.ok() ? close : st;
}

}  // namespace replikv::persistence
