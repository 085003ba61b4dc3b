// Dispatch from an Entry's (type, object pointer) to the aggregate type that
// owns the object (lists, sets, hashes, sorted sets). FreeTypeObject and
// CloneTypeObject are declared in object.h, AppendTypeDigest in digest.h.
#pragma once

#include <cstddef>
#include <string_view>

#include "server/types/entry.h"

namespace replikv {

// Redis's OBJECT ENCODING name of a non-string value: "quicklist",
// "listpack", "hashtable", "intset" or "skiplist".
const char* TypeEncodingName(ObjType type, const void* object);
// Heap bytes held by a non-string value (MEMORY USAGE, stats).
size_t TypeObjectBytes(ObjType type, const void* object);

// Redis's lazyfreeGetFreeEffort() of a non-string value: the node count of
// a list, the element count of a hash table or skiplist (a set Redis 7.0
// would hold as a hash table counts as one), 1 for a compact encoding.
// Counting stops past `limit` for lists.
size_t TypeFreeEffort(ObjType type, const void* object, size_t limit);

// `e` under another key (RENAME): an aggregate's object moves to the new
// entry in O(1) instead of being deep-copied (Entry::Clone); a string is
// copied. The TTL and LRU go along. `e` is freed; the caller has unlinked it.
Entry* MoveEntryToKey(Entry* e, std::string_view new_key);

}  // namespace replikv
