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

namespace replikv {
class CommandTable;
}

namespace replikv::persistence {

class PersistenceModule;

// Registers DUMP and RESTORE bound to `owner` (null: names only, for
// main's rename-command checks).
void RegisterDumpRestoreCommands(CommandTable& t, PersistenceModule* owner);

}  // namespace replikv::persistence
