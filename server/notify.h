// Keyspace notifications (notify-keyspace-events).
//
// A change to a key is announced as two Pub/Sub messages, as Redis 7.0 does:
//   PUBLISH __keyspace@<db>__:<key> <event>     (class K)
//   PUBLISH __keyevent@<db>__:<event> <key>     (class E)
// Each event belongs to one class (g $ l s h z x e t m n ...); it is sent
// only when that class and K and/or E are enabled. Commands call Notify()
// after their change, in the order Redis fires them (LMOVE announces the
// push before the pop; a key emptied by a pop gets "del" after the pop).
// The keyspace itself fires "new" (a key added), "expired" and "keymiss"
// through KeyEventSink (server/keyspace.h); the evictor fires "evicted".
//
// Cost while notifications are off: one load and one test per call.
// Loop thread only.
#pragma once

#include <memory>
#include <string_view>

#include "server/command_table.h"
#include "server/server.h"

namespace replikv {

// Publishes the event without checking whether its class is enabled.
void PublishKeyspaceEvent(Server& s, int type, std::string_view event, std::string_view key, int db);

inline void NotifyKeyspaceEvent(Server& s, int type, std::string_view event, std::string_view key, int db) {
  if ((s.config().notify_keyspace_events & type) != 0) PublishKeyspaceEvent(s, type, event, key, db);
}

// An event of the calling command on its client's db.
inline void Notify(CommandContext& ctx, int type, std::string_view event, std::string_view key) {
  NotifyKeyspaceEvent(ctx.server, type, event, key, ctx.db_index());
}

}  // namespace replikv

namespace replikv {
// The keyspace's "new", "expired" and "keymiss" events published on `s`
// ("new" is not fired while a dataset loads, as Redis's RDB load adds keys
// silently).
std::unique_ptr<KeyEventSink> MakeKeyEventPublisher(Server& s);
}  // namespace replikv
