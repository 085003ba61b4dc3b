// Dispatch points for non-string values (lists, sets, hashes, sorted sets).
// Until those families exist no entry can hold such a value, so reaching
// here means a broken invariant.
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "server/digest.h"
#include "server/object.h"

namespace replikv {

[[noreturn]] static void NoSuchType(const char* what, ObjType type) {
  spdlog::critical("{}: value type {} has no implementation", what, static_cast<int>(type));
  std::abort();
}

void FreeTypeObject(ObjType type, void*) { NoSuchType("FreeTypeObject", type); }
void* CloneTypeObject(ObjType type, const void*) { NoSuchType("CloneTypeObject", type); }
void AppendTypeDigest(Digest20&, const Entry* e) { NoSuchType("AppendTypeDigest", e->type()); }

}  // namespace replikv
