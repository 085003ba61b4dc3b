// List operations on keys, shared by the list commands (cmd_lists.cpp) and
// the blocking family (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP), so both
// create, empty and move lists exactly the same way.
//
// These functions change the keyspace and count dirty changes; they never
// reply and never propagate: the caller does both (Redis 7.0 propagates a
// served BLPOP as LPOP key, BLMOVE as LMOVE, BRPOPLPUSH as RPOPLPUSH).
// Type checks are the caller's too: each precondition says what must hold.
#pragma once

#include <string>
#include <string_view>

#include "server/types/entry.h"
#include "server/types/type_list.h"

namespace replikv {

struct CommandContext;

// The List stored in a list entry.
inline List* ListOf(Entry* e) { return static_cast<List*>(e->object()); }

// Pushes `value` at `where` of the list at `key` in the client's db,
// creating the key when absent. Precondition: the key is absent or holds a
// list (e is that entry, or nullptr when absent). Returns the new length.
size_t ListPushKey(CommandContext& ctx, Entry* e, std::string_view key, List::End where, std::string_view value);

// Pops one element from the end `where` of the non-empty list `e` stored at
// `key` into *out; deletes the key if the list became empty.
void ListPopKey(CommandContext& ctx, Entry* e, std::string_view key, List::End where, std::string* out);

// LMOVE: pops from `from` of the non-empty list `src` (at src_key) and
// pushes at `to` of the list at dst_key (created if absent; it may be the
// same key). Precondition: dst_key is absent or holds a list. Deletes the
// source key if it became empty. Returns the element moved.
std::string ListMoveKeys(CommandContext& ctx, Entry* src, std::string_view src_key, std::string_view dst_key,
                         List::End from, List::End to);

}  // namespace replikv

