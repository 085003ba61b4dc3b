// ACL command categories (@read, @write, @dangerous...): their names in
// ACL CAT's order, and each command's set as Redis 7.0 gives it.
//
// The data (acl_categories_table.cpp) is generated from redis-server
// 7.0's COMMAND INFO by tools/gen_acl_categories.py, so a command's
// categories are Redis's, never guessed from its flags. A category set is
// a bit mask: bit i is AclCategoryName(i).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace replikv {

namespace acl_internal {
struct CategoryRow {
  const char* command;     // full name: "get", "config|get"
  const char* categories;  // "@read @string @fast", COMMAND INFO's order
};
extern const char* const kCategoryNames[];
extern const size_t kCategoryCount;
extern const CategoryRow kCategoryRows[];
extern const size_t kCategoryRowCount;
}  // namespace acl_internal

size_t AclCategoryCount();
// "read" (no '@').
const char* AclCategoryName(size_t bit);
// The bit of a category name given without '@', in any case; -1 if unknown.
int AclCategoryBit(std::string_view name);
// The categories Redis 7.0 gives `full_name`; 0 if it is not a Redis command.
uint64_t AclCategoriesOf(std::string_view full_name);
// Whether `full_name` is in the generated table (a Redis 7.0 command).
bool AclKnowsCommand(std::string_view full_name);

}  // namespace replikv
