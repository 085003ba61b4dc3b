#include "persistence/rdb_keyspace.h"

#include "server/access_clock.h"

#include <unistd.h>

#include <charconv>
#include <string>
#include <system_error>

#include "persistence/child.h"
#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/rdb_object_codec.h"
#include "server/config/config.h"
#include "server/keyspace.h"
#include "server/commands/scripting.h"
#include "server/types/entry.h"

namespace replikv::persistence {

RdbEncoderOptions EncoderOptionsFromConfig(const ServerConfig& c) {
  RdbEncoderOptions o;
  o.compression = c.rdbcompression;
  o.checksum = c.rdbchecksum;
  o.limits.set_max_intset_entries = static_cast<size_t>(c.set_max_intset_entries);
  o.limits.hash_max_listpack_entries = static_cast<size_t>(c.hash_max_listpack_entries);
  o.limits.hash_max_listpack_value = static_cast<size_t>(c.hash_max_listpack_value);
  o.limits.zset_max_listpack_entries = static_cast<size_t>(c.zset_max_listpack_entries);
  o.limits.zset_max_listpack_value = static_cast<size_t>(c.zset_max_listpack_value);
  o.limits.list_max_listpack_size = c.list_max_listpack_size;
  switch (c.maxmemory_policy) {
    case MaxmemoryPolicy::kVolatileLru:
    case MaxmemoryPolicy::kAllkeysLru: o.key_access = RdbKeyAccess::kIdle; break;
    case MaxmemoryPolicy::kVolatileLfu:
    case MaxmemoryPolicy::kAllkeysLfu: o.key_access = RdbKeyAccess::kFreq; break;
    default: break;
  }
  return o;
}

void KeyDelay(int us) {
  if (us == 0) return;
  if (us < 0) {
    // The shortest real sleep costs tens of microseconds, so a "fraction of
    // a microsecond" per key is one 1us sleep every -us keys.
    static thread_local uint64_t calls = 0;
    if (++calls % static_cast<uint64_t>(-static_cast<int64_t>(us)) != 0) return;
    us = 1;
  }
  usleep(static_cast<useconds_t>(us));
}

Status WriteKeyspace(Keyspace& ks, RdbSink* sink, const RdbEncoderOptions& options, const RdbAuxFields& aux,
                     uint64_t* keys_written, int key_delay_us, const RdbReplInfo* repl) {
  RdbEncoder enc(sink, options);
  Status st = enc.WriteHeader();
  if (st.ok()) st = enc.WriteAuxFields(aux, repl);
  for (size_t i = 0; st.ok() && i < aux.functions.size(); ++i) st = enc.WriteFunction(aux.functions[i]);
  uint64_t keys = 0;
  for (int i = 0; st.ok() && i < ks.databases(); ++i) {
    Db& db = ks.db(i);
    if (db.size() == 0) continue;
    st = enc.WriteSelectDb(static_cast<uint64_t>(i));
    if (st.ok()) st = enc.WriteResizeDb(db.size(), db.expires_size());
    if (!st.ok()) break;
    db.keys().ForEach([&](Entry* e) {
      if (!st.ok()) return;
      st = WriteEntry(enc, e);
      ++keys;
      ChildNoteKeySaved();
      KeyDelay(key_delay_us);
    });
  }
  if (st.ok()) st = enc.WriteEof();
  if (keys_written != nullptr) *keys_written = keys;
  return st;
}

Status SaveKeyspaceToFile(Keyspace& ks, const std::string& path, const RdbEncoderOptions& options,
                          const RdbAuxFields& aux, int key_delay_us, const RdbReplInfo* repl) {
  auto writer = AtomicFileWriter::Create(path, "rdb");
  if (!writer.ok()) return writer.status();
  FileSink sink((*writer)->file());
  Status st = WriteKeyspace(ks, &sink, options, aux, nullptr, key_delay_us, repl);
  if (!st.ok()) return st;
  return (*writer)->Commit();
}

namespace {

class KeyspaceLoader final : public RdbHandler {
 public:
  KeyspaceLoader(Keyspace& ks, bool drop_expired, const LoadProgress& progress, uint64_t total,
                 int key_delay_us, const RdbEncodingLimits& limits, bool replace_existing, RdbLoadResult* result)
      : ks_(ks),
        limits_(limits),
        replace_existing_(replace_existing),
        drop_expired_(drop_expired),
        progress_(progress),
        total_(total),
        key_delay_us_(key_delay_us),
        result_(result) {}

  Status OnAux(std::string_view key, std::string_view value) override {
    if (key == "redis-ver") result_->redis_ver = std::string(value);
    if (key == "ctime") result_->ctime = ParseOr(value, 0);
    if (key == "used-mem") result_->used_mem = ParseOr(value, 0);
    if (key == "repl-id") result_->repl_id = std::string(value);
    if (key == "repl-offset") result_->repl_offset = ParseOr(value, -1);
    if (key == "repl-stream-db") result_->repl_stream_db = static_cast<int>(ParseOr(value, 0));
    return Status::OK();
  }

  Status OnKey(RdbEntry& entry) override {
    // key-load-delay counts every key read, the expired ones too (as Redis).
    KeyDelay(key_delay_us_);
    if (entry.db >= static_cast<uint64_t>(ks_.databases())) {
      return Status::Corruption("key in db " + std::to_string(entry.db) + " but the server has " +
                                std::to_string(ks_.databases()) + " databases");
    }
    if (drop_expired_ && entry.expire_ms != -1 && entry.expire_ms <= ks_.now_ms()) {
      ++result_->keys_expired;
      return Status::OK();
    }
    Db& db = ks_.db(static_cast<int>(entry.db));
    if (db.Find(entry.key) != nullptr) {
      if (!replace_existing_) return Status::Corruption("duplicate key", entry.key);
      db.Delete(entry.key);
    }
    Result<Entry*> e = BuildEntry(entry.key, entry.value, limits_, entry.expire_ms != -1);
    if (!e.ok()) return e.status();
    access_clock::Restore(*e, entry.lru_idle, entry.lfu_freq);
    if (entry.expire_ms != -1) (*e)->set_expire_ms(entry.expire_ms);
    db.Add(*e);
    ++result_->keys_loaded;
    return Status::OK();
  }

  Status OnProgress(uint64_t bytes_read) override {
    if (progress_) progress_(bytes_read, total_);
    return Status::OK();
  }

  Status OnFunction(std::string_view library_code) override {
    result_->functions.emplace_back(library_code);
    return Status::OK();
  }

  Status OnEnd(const RdbLoadStats& stats) override {
    result_->version = stats.version;
    result_->bytes = stats.bytes;
    return Status::OK();
  }

 private:
  // Aux values are decimal text; anything else (or out of range) gives
  // `dflt`. from_chars, not stoll: no exceptions through the loop.
  static int64_t ParseOr(std::string_view s, int64_t dflt) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && end == s.data() + s.size() ? v : dflt;
  }

  Keyspace& ks_;
  RdbEncodingLimits limits_;
  bool replace_existing_;
  bool drop_expired_;
  const LoadProgress& progress_;
  uint64_t total_;
  int key_delay_us_;
  RdbLoadResult* result_;
};

}  // namespace

Status InstallLoadedFunctions(ScriptEngine& engine, const RdbLoadResult& result) {
  std::string err;
  if (!engine.RestoreLibraries(result.functions, ScriptEngine::RestorePolicy::kFlush, &err)) {
    return Status::Corruption("Failed loading the function libraries", err);
  }
  return Status::OK();
}

RdbLoadTuning LoadTuningFromConfig(const ServerConfig& c) {
  RdbLoadTuning t;
  t.key_delay_us = c.key_load_delay;
  t.limits = EncoderOptionsFromConfig(c).limits;
  if (c.loading_process_events_interval_bytes > 0) {
    t.progress_interval_bytes = static_cast<uint64_t>(c.loading_process_events_interval_bytes);
  }
  return t;
}

Status LoadKeyspaceFromFile(Keyspace& ks, const std::string& path, bool drop_expired, const LoadProgress& progress,
                            RdbLoadResult* result, const RdbLoadTuning& tuning) {
  auto size = GetFileSize(path);
  if (!size.ok()) return size.status();
  auto file = NewSequentialFile(path);
  if (!file.ok()) return file.status();
  return LoadKeyspaceFromSource(ks, file->get(), *size, drop_expired, progress, result, tuning);
}

Status LoadKeyspaceFromSource(Keyspace& ks, SequentialFile* source, uint64_t total, bool drop_expired,
                              const LoadProgress& progress, RdbLoadResult* result, const RdbLoadTuning& tuning) {
  ks.RefreshTime();
  KeyspaceLoader loader(ks, drop_expired, progress, total, tuning.key_delay_us, tuning.limits,
                        tuning.replace_existing, result);
  RdbDecoderOptions options;
  if (total > 0) options.source_size = total;
  // The loader copies every element into its own packed forms: views save
  // a std::string per element.
  options.element_views = true;
  if (tuning.progress_interval_bytes > 0) options.progress_interval_bytes = tuning.progress_interval_bytes;
  RdbDecoder decoder(source, &loader, options);
  return decoder.Run();
}

}  // namespace replikv::persistence
