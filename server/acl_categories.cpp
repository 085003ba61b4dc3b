#include "server/acl_categories.h"

#include <string>
#include <unordered_map>

#include "server/base/ascii.h"

namespace replikv {
namespace {

// Full name -> category mask, built on first use from the generated rows.
const std::unordered_map<std::string_view, uint64_t>& Index() {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string_view, uint64_t>();
    for (size_t i = 0; i < acl_internal::kCategoryRowCount; ++i) {
      std::string_view cats = acl_internal::kCategoryRows[i].categories;
      uint64_t mask = 0;
      // Bounded by the row's length: each pass consumes one word.
      while (!cats.empty()) {
        size_t sp = cats.find(' ');
        std::string_view word = cats.substr(0, sp);
        if (!word.empty() && word[0] == '@') {
          int bit = AclCategoryBit(word.substr(1));
          if (bit >= 0) mask |= uint64_t{1} << bit;
        }
        if (sp == std::string_view::npos) break;
        cats.remove_prefix(sp + 1);
      }
      m->emplace(acl_internal::kCategoryRows[i].command, mask);
    }
    return m;
  }();
  return *index;
}

}  // namespace

size_t AclCategoryCount() { return acl_internal::kCategoryCount; }

const char* AclCategoryName(size_t bit) { return acl_internal::kCategoryNames[bit]; }

int AclCategoryBit(std::string_view name) {
  for (size_t i = 0; i < acl_internal::kCategoryCount; ++i) {
    if (EqualsIgnoreCase(name, acl_internal::kCategoryNames[i])) return static_cast<int>(i);
  }
  return -1;
}

uint64_t AclCategoriesOf(std::string_view full_name) {
  auto it = Index().find(full_name);
  return it == Index().end() ? 0 : it->second;
}

bool AclKnowsCommand(std::string_view full_name) { return Index().count(full_name) != 0; }

}  // namespace replikv
