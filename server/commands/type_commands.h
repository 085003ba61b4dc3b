// Helpers shared by the aggregate-type command families (cmd_lists.cpp,
// cmd_hashes.cpp, cmd_sets.cpp, cmd_zsets.cpp): typed key lookup with
// Redis's WRONGTYPE reply, creating and dropping aggregate keys, the
// HSCAN/SSCAN/ZSCAN option parsing and reply, and the count argument of the
// random-member commands.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/notify.h"
#include "server/command_table.h"
#include "server/types/entry.h"
#include "server/net/reply_buffer.h"
#include "server/types/type_common.h"

namespace replikv {

struct ServerConfig;

// The key's entry if it holds `type`. nullptr when the key is absent (or
// logically expired), or when it holds another type: then WRONGTYPE has been
// replied and *wrongtype is set. The write form does not touch LRU/stats,
// as Redis's lookupKeyWrite.
Entry* LookupTypedRead(CommandContext& ctx, std::string_view key, ObjType type, bool* wrongtype);
Entry* LookupTypedWrite(CommandContext& ctx, std::string_view key, ObjType type, bool* wrongtype);
// The same in another db (SMOVE/LMOVE destinations are in the client's db;
// this is for callers that name the db).
Entry* LookupTypedWriteIn(CommandContext& ctx, int db, std::string_view key, ObjType type, bool* wrongtype);

// Adds a new key holding `object` (owned by the new entry) to the client's
// db. Precondition: the key is absent.
Entry* AddObjectKey(CommandContext& ctx, std::string_view key, ObjType type, void* object);
// Replaces the key's value by a new one holding `object` (no TTL), or adds
// it; for the STORE commands.
void StoreObjectKey(CommandContext& ctx, std::string_view key, ObjType type, void* object);
// Deletes the key (the caller saw its aggregate become empty) and fires
// "del"; callers fire their own event first, as Redis does.
void DeleteKey(CommandContext& ctx, std::string_view key);

// HDEL, SREM, ZREM: `remove` (a member function of Value: bool(string_view))
// for each of argv[2..] on the `type` key argv[1]; the key goes once it is
// empty. Replies the number removed (0 for a missing key). `event` (of
// class `notify_class`) is fired when something was removed.
template <typename Value, typename Remove>
void RemoveMembers(CommandContext& ctx, ObjType type, Remove remove, int notify_class, const char* event) {
  bool wrongtype;
  Entry* e = LookupTypedWrite(ctx, ctx.argv[1], type, &wrongtype);
  if (wrongtype) return;
  if (e == nullptr) return ctx.reply.AddInt(0);
  Value value(e);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argv.size(); ++i) {
    if (!std::invoke(remove, value, ctx.argv[i])) continue;
    ++removed;
    if (value.size() == 0) break;
  }
  if (removed != 0) {
    Notify(ctx, notify_class, event, ctx.argv[1]);
    if (value.size() == 0) DeleteKey(ctx, ctx.argv[1]);
  }
  ctx.AddDirty(static_cast<uint64_t>(removed));
  ctx.reply.AddInt(removed);
}

PackLimits HashLimits(const ServerConfig& c);
PackLimits ZsetLimits(const ServerConfig& c);

// Redis 7.0's cursor parsing (strtoul: "-1" and "" are accepted, a leading
// space is not): false if invalid ("ERR invalid cursor" is replied).
bool ParseScanCursor(CommandContext& ctx, std::string_view s, uint64_t* cursor);
// COUNT and MATCH after the cursor, from argv[first]. False (with the error
// replied) when invalid.
struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool has_pattern = false;
};
bool ParseScanOptions(CommandContext& ctx, size_t first, ScanOptions* opts);
// Whether a scanned element passes MATCH.
bool ScanMatches(const ScanOptions& opts, std::string_view element);
// *2 cursor [elements...]
void ReplyScan(ReplyBuffer& r, uint64_t cursor, const std::vector<std::string>& elements);
// The empty scan reply for a missing key.
void ReplyEmptyScan(ReplyBuffer& r);

// 64 random bits from the server's generator (members picked by SPOP,
// SRANDMEMBER, HRANDFIELD...).
uint64_t RandomBits();

// Parses a count in [-LONG_MAX, LONG_MAX] as Redis's
// getRangeLongFromObjectOrReply does. False when replied with an error.
bool ParseRangeCount(CommandContext& ctx, std::string_view s, int64_t* out);

// ZADD's handler: GEOADD rewrites its arguments into a ZADD and runs it
// (cmd_geo.cpp), as Redis does.
void ZaddCommand(CommandContext& ctx);

// ZUNION/ZINTER/ZDIFF (+STORE), ZINTERCARD, ZRANDMEMBER (cmd_zsetops.cpp);
// registered by RegisterZsetCommands.
void RegisterZsetOpCommands(CommandTable& t);

// Redis's [start, end] index normalisation for LRANGE/ZRANGE-like
// commands over `len` elements: negative counts from the end, clamped.
// False when the range is empty.
bool NormalizeRange(int64_t len, int64_t* start, int64_t* end);

}  // namespace replikv
