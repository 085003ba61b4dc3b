// DUMP and RESTORE: a key's value as a payload of its RDB encoding
// (persistence/format/dump_payload.h), and a key made from one. The
// commands live in persistence/ because the payload is the RDB value codec
// (rdb_object_codec.h, the one SAVE and the loader use); they are bound to
// the PersistenceModule like its other commands.
//
// Replies, errors and the propagated forms are Redis 7.0's:
//   DUMP key                      -> the payload, or nil
//   RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME s] [FREQ f]
//     -BUSYKEY Target key name already exists.
//     -ERR DUMP payload version or checksum are wrong
//     -ERR Bad data format
//   A relative TTL propagates as the absolute time with ABSTTL appended; a
//   restore whose TTL has already passed makes no key, and propagates a DEL
//   (UNLINK under lazyfree-lazy-server-del) when REPLACE removed one.
#pragma once

#include <string>
#include <string_view>

#include "server/base/status.h"

namespace replikv {
class CommandTable;
class Entry;
}  // namespace replikv

namespace replikv::persistence {

class PersistenceModule;
struct RdbEncoderOptions;
struct RdbEncodingLimits;

// Registers DUMP and RESTORE bound to `owner` (null: names only, for
// main's rename-command checks).
void RegisterDumpRestoreCommands(CommandTable& t, PersistenceModule* owner);

// Makes FUNCTION DUMP and FUNCTION RESTORE (function_dump.cpp) run by this
// module; called by RegisterDumpRestoreCommands.
void RegisterFunctionDumpCommands(CommandTable& t, PersistenceModule* owner);

// DUMP's payload for an entry's value (the options' compression and
// encoding limits; no access data).
Result<std::string> DumpPayloadOf(const Entry* e, const RdbEncoderOptions& options);

// RESTORE's decoding step: a new entry for `key` (owned by the caller,
// with room for a TTL when `expire_slot`) from a payload that passed
// OpenDumpPayload, or null when the object is damaged or of a type Redis
// 7.0 does not restore ("Bad data format").
Entry* EntryFromPayload(std::string_view key, std::string_view payload, const RdbEncodingLimits& limits,
                        bool expire_slot);

}  // namespace replikv::persistence
