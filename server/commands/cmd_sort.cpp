// SORT and SORT_RO over lists, sets and sorted sets.
//
//   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
//        [ALPHA] [STORE destination]
//
// Behaviour as Redis 7.0: a BY pattern without '*' (e.g. "nosort") skips
// sorting and keeps a list's or sorted set's own order (a set is then
// sorted ALPHA when storing, so the propagated command gives the same
// result); "pattern->field" reads a hash field; "GET #" is the element.
// Numeric order compares the values' strtod() (missing BY keys weigh 0),
// ties broken by the elements' bytes. STORE replaces the destination with a
// list (or deletes it when the result is empty) and propagates as given.
// Sorting a listpack sorted set turns it into a skiplist, as in 7.0.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "server/commands/type_commands.h"
#include "server/net/client.h"
#include "server/net/reply_buffer.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/types/type_hash.h"
#include "server/types/type_list.h"
#include "server/types/type_set.h"
#include "server/types/type_zset.h"

namespace replikv {
namespace {

struct SortItem {
  explicit SortItem(std::string_view v) : value(v) {}
  std::string value;
  double score = 0;
  std::optional<std::string> by;  // ALPHA with BY: the weight, if found
};

// Redis's compareStringObjects: bytes, then length.
int CompareBytes(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

// Redis's strtod test for a weight: the whole (NUL-terminated) text is a
// number, neither out of range nor NaN. "" weighs 0.
bool ParseWeight(const std::string& s, double* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(s.c_str(), &end);
  return *end == '\0' && errno != ERANGE && !std::isnan(*out);
}

class Sorter {
 public:
  Sorter(CommandContext& ctx, bool writing) : ctx_(ctx), writing_(writing) {}

  // Redis's lookupKeyByPattern: "#" is the element itself; otherwise the
  // first '*' is replaced by the element and the key read as a string, or
  // with "->field" after the '*' as a hash field. nullopt when absent.
  std::optional<std::string> Lookup(std::string_view pattern, std::string_view element) {
    if (pattern == "#") return std::string(element);
    size_t star = pattern.find('*');
    if (star == std::string_view::npos) return std::nullopt;
    std::string_view field;
    std::string_view rest = pattern.substr(star + 1);
    size_t arrow = rest.find("->");
    if (arrow != std::string_view::npos && arrow + 2 < rest.size()) {
      field = rest.substr(arrow + 2);
      rest = rest.substr(0, arrow);
    }
    std::string key;
    key.reserve(star + element.size() + rest.size());
    key.append(pattern.substr(0, star)).append(element).append(rest);
    auto& ks = ctx_.server.keyspace();
    Entry* e = writing_ ? ks.LookupWriteSource(ctx_.db_index(), key) : ks.LookupRead(ctx_.db_index(), key);
    if (e == nullptr) return std::nullopt;
    if (!field.empty()) {
      if (e->type() != ObjType::kHash) return std::nullopt;
      std::string_view v;
      if (!HashValue(e).Get(field, &v)) return std::nullopt;
      return std::string(v);
    }
    if (e->type() != ObjType::kString) return std::nullopt;
    char scratch[24];
    return std::string(e->StringValue(scratch));
  }

 private:
  CommandContext& ctx_;
  bool writing_;
};

void SortGeneric(CommandContext& ctx, bool readonly) {
  ArgList a = ctx.argv;
  bool desc = false, alpha = false, dontsort = false;
  int64_t limit_start = 0, limit_count = -1;
  std::optional<std::string_view> sortby, store;
  std::vector<std::string_view> gets;
  for (size_t j = 2; j < a.size(); ++j) {
    size_t left = a.size() - j - 1;
    if (EqualsIgnoreCase(a[j], "asc")) {
      desc = false;
    } else if (EqualsIgnoreCase(a[j], "desc")) {
      desc = true;
    } else if (EqualsIgnoreCase(a[j], "alpha")) {
      alpha = true;
    } else if (EqualsIgnoreCase(a[j], "limit") && left >= 2) {
      if (!ParseInt64(a[j + 1], &limit_start) || !ParseInt64(a[j + 2], &limit_count)) {
        return ReplyNotInteger(ctx.reply);
      }
      j += 2;
    } else if (!readonly && EqualsIgnoreCase(a[j], "store") && left >= 1) {
      store = a[++j];
    } else if (EqualsIgnoreCase(a[j], "by") && left >= 1) {
      sortby = a[++j];
      // A constant pattern weighs every element the same: nothing to sort.
      dontsort = sortby->find('*') == std::string_view::npos;
    } else if (EqualsIgnoreCase(a[j], "get") && left >= 1) {
      gets.push_back(a[++j]);
    } else {
      return ReplySyntaxError(ctx.reply);
    }
  }

  auto& ks = ctx.server.keyspace();
  Entry* e = store ? ks.LookupWriteSource(ctx.db_index(), a[1]) : ks.LookupRead(ctx.db_index(), a[1]);
  if (e != nullptr && e->type() != ObjType::kList && e->type() != ObjType::kSet && e->type() != ObjType::kZset) {
    return ReplyWrongType(ctx.reply);
  }
  ObjType type = e != nullptr ? e->type() : ObjType::kList;
  // A set has no order of its own: storing it unsorted would make the
  // replicas' result depend on their hash tables.
  if (dontsort && type == ObjType::kSet && store) {
    dontsort = false;
    alpha = true;
    sortby.reset();
  }
  if (e != nullptr && type == ObjType::kZset) ZsetValue(e).ConvertToSkiplist();

  int64_t len = 0;
  if (e != nullptr) {
    len = type == ObjType::kList  ? static_cast<int64_t>(static_cast<List*>(e->object())->size())
          : type == ObjType::kSet ? static_cast<int64_t>(SetValue(e).size())
                                  : static_cast<int64_t>(ZsetValue(e).size());
  }
  // Redis 7.0 clamps both to the element count first, so that start + count
  // cannot overflow (LIMIT 4 9223372036854775807 is "from 4 to the end").
  int64_t start = std::min(std::max<int64_t>(limit_start, 0), len);
  limit_count = std::min(std::max<int64_t>(limit_count, -1), len);
  int64_t end = limit_count < 0 ? len - 1 : start + limit_count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // Load the elements. Lists and sorted sets that need no sorting load only
  // the LIMIT range, in their own order (reversed for DESC).
  std::vector<SortItem> items;
  if (e != nullptr && dontsort && type != ObjType::kSet) {
    if (end >= start) {
      uint64_t from = static_cast<uint64_t>(desc ? len - 1 - start : start);
      uint64_t to = static_cast<uint64_t>(desc ? len - 1 - end : end);
      if (type == ObjType::kList) {
        const List* list = static_cast<List*>(e->object());
        for (List::Iterator it = list->At(from);; desc ? it.Prev() : it.Next()) {
          items.emplace_back(it.value());
          if (items.size() == static_cast<size_t>(end - start + 1)) break;
        }
      } else {
        ZsetValue(e).ForRange(from, to, desc, [&](std::string_view m, double) { items.emplace_back(m); });
      }
    }
    end -= start;
    start = 0;
  } else if (e != nullptr) {
    items.reserve(static_cast<size_t>(len));
    auto add = [&](std::string_view v) { items.emplace_back(v); };
    if (type == ObjType::kList) {
      static_cast<List*>(e->object())->ForEach(add);
    } else if (type == ObjType::kSet) {
      SetValue(e).ForEach(add);
    } else {
      ZsetValue(e).ForEach([&](std::string_view m, double) { add(m); });
    }
  }

  Sorter sorter(ctx, store.has_value());
  bool bad_score = false;
  if (!dontsort) {
    for (SortItem& it : items) {
      std::optional<std::string> weight;
      if (sortby) {
        weight = sorter.Lookup(*sortby, it.value);
        if (!weight) continue;
      }
      if (alpha) {
        if (sortby) it.by = std::move(weight);
      } else if (!ParseWeight(sortby ? *weight : it.value, &it.score)) {
        bad_score = true;
      }
    }
    const bool by = sortby.has_value();
    auto less = [&](const SortItem& x, const SortItem& y) {
      int cmp;
      if (!alpha) {
        cmp = x.score > y.score ? 1 : x.score < y.score ? -1 : CompareBytes(x.value, y.value);
      } else if (by) {
        // A missing weight sorts first.
        cmp = !x.by || !y.by ? (x.by == y.by ? 0 : !x.by ? -1 : 1) : CompareBytes(*x.by, *y.by);
      } else {
        cmp = CompareBytes(x.value, y.value);
      }
      return desc ? cmp > 0 : cmp < 0;
    };
    std::stable_sort(items.begin(), items.end(), less);
  }

  const int64_t count = end - start + 1;
  const int64_t outputlen = gets.empty() ? count : static_cast<int64_t>(gets.size()) * count;
  if (bad_score) return ctx.reply.AddError("One or more scores can't be converted into double");
  if (!store) {
    ctx.reply.AddArrayLen(static_cast<size_t>(outputlen));
    for (int64_t j = start; j <= end; ++j) {
      const std::string& v = items[static_cast<size_t>(j)].value;
      if (gets.empty()) ctx.reply.AddBulk(v);
      for (std::string_view g : gets) {
        std::optional<std::string> got = sorter.Lookup(g, v);
        got ? ctx.reply.AddBulk(*got) : ctx.reply.AddNullBulk();
      }
    }
    return;
  }
  if (outputlen > 0) {
    auto* list = new List(ctx.server.config().list_max_listpack_size);
    for (int64_t j = start; j <= end; ++j) {
      const std::string& v = items[static_cast<size_t>(j)].value;
      if (gets.empty()) list->Push(List::kTail, v);
      for (std::string_view g : gets) list->Push(List::kTail, sorter.Lookup(g, v).value_or(std::string()));
    }
    ks.LookupWrite(ctx.db_index(), *store);
    StoreObjectKey(ctx, *store, ObjType::kList, list);
    ctx.AddDirty(static_cast<uint64_t>(outputlen));
    Notify(ctx, kNotifyList, "sortstore", *store);
  } else if (ks.LookupWrite(ctx.db_index(), *store) != nullptr) {
    DeleteKey(ctx, *store);
    ctx.AddDirty();
  }
  ctx.reply.AddInt(outputlen);
}

void SortCommand(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRoCommand(CommandContext& ctx) { SortGeneric(ctx, true); }

}  // namespace

void RegisterSortCommands(CommandTable& t) {
  AddCommands(t, "generic", {
    {"sort", -2, kCmdWrite | kCmdDenyOom | kCmdMovableKeys, SortCommand, 1, 1, 1, "1.0.0"},
    {"sort_ro", -2, kCmdReadonly | kCmdMovableKeys, SortRoCommand, 1, 1, 1, "7.0.0"},
  });
}

}  // namespace replikv
