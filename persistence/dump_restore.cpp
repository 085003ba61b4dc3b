#include "persistence/dump_restore.h"

#include <string>
#include <string_view>
#include <vector>

#include "persistence/format/dump_payload.h"
#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/rdb_keyspace.h"
#include "persistence/rdb_object_codec.h"
#include "server/access_clock.h"
#include "server/command_table.h"
#include "server/config/config.h"
#include "server/keyspace.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/types/entry.h"

namespace replikv::persistence {
namespace {

void DumpCommand(CommandContext& ctx) {
  const Entry* e = ctx.server.keyspace().LookupRead(ctx.db_index(), ctx.argv[1]);
  if (e == nullptr) return ctx.reply.AddNullBulk();
  // rdbcompression and the encoding limits apply as to a snapshot.
  Result<std::string> payload = DumpPayloadOf(e, EncoderOptionsFromConfig(ctx.server.config()));
  if (!payload.ok()) return ctx.reply.AddError("DUMP: " + payload.status().ToString());
  ctx.reply.AddBulk(*payload);
}

// RESTORE's options after the payload, as Redis 7.0 parses them: IDLETIME
// and FREQ exclude each other (the second one is a syntax error).
struct RestoreOptions {
  bool replace = false, absttl = false;
  int64_t lru_idle = -1, lfu_freq = -1;
};

bool ParseRestoreOptions(CommandContext& ctx, RestoreOptions* o) {
  ArgList a = ctx.argv;
  for (size_t j = 4; j < a.size(); ++j) {
    const bool has_value = j + 1 < a.size();
    if (EqualsIgnoreCase(a[j], "replace")) {
      o->replace = true;
    } else if (EqualsIgnoreCase(a[j], "absttl")) {
      o->absttl = true;
    } else if (EqualsIgnoreCase(a[j], "idletime") && has_value && o->lfu_freq == -1) {
      if (!ParseInt64(a[++j], &o->lru_idle)) {
        ReplyNotInteger(ctx.reply);
        return false;
      }
      if (o->lru_idle < 0) {
        ctx.reply.AddError("Invalid IDLETIME value, must be >= 0");
        return false;
      }
    } else if (EqualsIgnoreCase(a[j], "freq") && has_value && o->lru_idle == -1) {
      if (!ParseInt64(a[++j], &o->lfu_freq)) {
        ReplyNotInteger(ctx.reply);
        return false;
      }
      if (o->lfu_freq < 0 || o->lfu_freq > 255) {
        ctx.reply.AddError("Invalid FREQ value, must be >= 0 and <= 255");
        return false;
      }
    } else {
      ReplySyntaxError(ctx.reply);
      return false;
    }
  }
  return true;
}

void RestoreCommand(CommandContext& ctx) {
  ArgList a = ctx.argv;
  RestoreOptions o;
  if (!ParseRestoreOptions(ctx, &o)) return;
  Keyspace& ks = ctx.server.keyspace();
  const std::string_view key = a[1];
  if (!o.replace && ks.LookupWrite(ctx.db_index(), key) != nullptr) {
    return ctx.reply.AddError("-BUSYKEY Target key name already exists.");
  }
  int64_t ttl;
  if (!ParseInt64(a[2], &ttl)) return ReplyNotInteger(ctx.reply);
  if (ttl < 0) return ctx.reply.AddError("Invalid TTL value, must be >= 0");
  std::string_view unused_object;  // read from the whole payload below
  if (!OpenDumpPayload(a[3], &unused_object)) {
    return ctx.reply.AddError("DUMP payload version or checksum are wrong");
  }
  Entry* e = EntryFromPayload(key, a[3], EncoderOptionsFromConfig(ctx.server.config()).limits, ttl != 0);
  if (e == nullptr) return ctx.reply.AddError("Bad data format");

  Db& db = ctx.db();
  const bool deleted = o.replace && db.Delete(key);
  // A relative TTL from now; Redis's addition wraps on overflow (and the
  // negative result counts as already expired).
  if (ttl != 0 && !o.absttl) {
    ttl = static_cast<int64_t>(static_cast<uint64_t>(ttl) + static_cast<uint64_t>(ks.now_ms()));
  }
  if (ttl != 0 && ks.AlreadyExpired(ttl)) {
    Entry::Free(e);
    if (deleted) {
      ctx.Propagate({ctx.server.config().lazyfree_lazy_server_del ? "UNLINK" : "DEL", key});
      ctx.AddDirty();
      Notify(ctx, kNotifyGeneric, "del", key);
    }
    return ctx.reply.AddOk();
  }
  if (ttl != 0) e->set_expire_ms(ttl);
  db.Add(e);
  access_clock::Restore(e, o.lru_idle, static_cast<int>(o.lfu_freq));
  if (ttl != 0 && !o.absttl) {
    // Replicas and the AOF get the absolute time: RESTORE key <ms> payload
    // [options...] ABSTTL.
    const std::string when = std::to_string(ttl);
    std::vector<std::string_view> argv(a.begin(), a.end());
    argv[2] = when;
    argv.push_back("ABSTTL");
    ctx.Propagate(ArgList(argv));
  }
  ctx.AddDirty();
  Notify(ctx, kNotifyGeneric, "restore", key);
  ctx.reply.AddOk();
}

}  // namespace

Result<std::string> DumpPayloadOf(const Entry* e, const RdbEncoderOptions& options) {
  RdbEncoderOptions o = options;
  o.key_access = RdbKeyAccess::kNone;  // a payload holds the value alone
  std::string payload;
  StringSink sink(&payload);
  RdbEncoder enc(&sink, o);
  Status st = WriteValue(enc, e);
  if (st.ok()) st = enc.Flush();
  if (!st.ok()) return st;
  SealDumpPayload(&payload);
  return payload;
}

// The object is read from the start of the whole payload: like Redis's,
// the reader may run on into the footer (a checked payload whose string
// lengths reach into it restores on both servers).
Entry* EntryFromPayload(std::string_view key, std::string_view payload, const RdbEncodingLimits& limits,
                        bool expire_slot) {
  // Types newer than RDB 10 (7.2's set listpack, 7.4's hash field
  // expires) cannot be in a version 10 payload: Redis 7.0 refuses them.
  if (payload.empty() || static_cast<uint8_t>(payload[0]) > kRdbTypeStreamListpacks2) return nullptr;
  auto file = NewMemorySequentialFile(payload);
  RdbDecoderOptions options;
  // Lengths inside are bounded by the payload's size before anything is
  // allocated.
  options.source_size = payload.size();
  options.element_views = true;
  RdbDecoder decoder(file.get(), nullptr, options);
  RdbValue value;
  if (!decoder.ReadObject(&value).ok()) return nullptr;
  // Streams reach here as InvalidArgument from the decoder until the value
  // codec holds them; then BuildEntry builds them like any other type.
  Result<Entry*> e = BuildEntry(key, value, limits, expire_slot);
  return e.ok() ? *e : nullptr;
}

void RegisterDumpRestoreCommands(CommandTable& t, PersistenceModule* owner) {
  Command dump;
  dump.name = "dump";
  dump.arity = 2;
  dump.flags = kCmdReadonly;
  dump.first_key = dump.last_key = dump.key_step = 1;
  dump.handler = &DumpCommand;
  dump.owner = owner;
  dump.since = "2.6.0";
  t.Add(std::move(dump));
  Command restore;
  restore.name = "restore";
  restore.arity = -4;
  restore.flags = kCmdWrite | kCmdDenyOom;
  restore.first_key = restore.last_key = restore.key_step = 1;
  restore.handler = &RestoreCommand;
  restore.owner = owner;
  restore.since = "2.6.0";
  t.Add(std::move(restore));
  RegisterFunctionDumpCommands(t, owner);
}

}  // namespace replikv::persistence
