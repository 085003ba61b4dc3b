#include "server/acl_user.h"

#include <algorithm>
#include <climits>

#include "server/acl_categories.h"
#include "server/base/ascii.h"
#include "server/base/split_args.h"
#include "server/commands/key_specs.h"
#include "server/ds/glob.h"
#include "server/ds/sha256.h"

namespace replikv {
namespace {

// Redis 7.0's texts for the errno values ACLSetUser reports.
constexpr const char* kSyntaxError = "Syntax error";
constexpr const char* kUnknownName = "Unknown command or category name in ACL";
constexpr const char* kAllKeysFirst =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try "
    "'resetkeys' to start with an empty list of patterns";
constexpr const char* kAllChannelsFirst =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. "
    "Try 'resetchannels' to start with an empty list of channels";
constexpr const char* kNoSuchPassword = "The password you are trying to remove from the user does not exist";
constexpr const char* kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
constexpr const char* kSubcommandFirstArg = "Allowing first-arg of a subcommand is not supported";

bool IsPasswordHash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char ch : h) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

// The access a key spec's flags ask for: "access" reads, "insert",
// "delete" and "update" write (Redis's ACLSelectorCheckKey).
uint8_t NeededPerms(std::string_view flags, uint8_t read, uint8_t write) {
  uint8_t perms = 0;
  if (flags.find("access") != std::string_view::npos) perms |= read;
  if (flags.find("insert") != std::string_view::npos || flags.find("delete") != std::string_view::npos ||
      flags.find("update") != std::string_view::npos) {
    perms |= write;
  }
  return perms;
}

// The fast form of a command's key specs, if it has one (see KeyLayout).
AclCommandIndex::KeyLayout LayoutOf(std::string_view full_name) {
  using key_specs_internal::KeySpecRow;
  AclCommandIndex::KeyLayout layout;
  const KeySpecRow* only = nullptr;
  for (size_t i = 0; i < key_specs_internal::kKeySpecRowCount; ++i) {
    const KeySpecRow& row = key_specs_internal::kKeySpecRows[i];
    if (full_name != row.command) continue;
    if (only != nullptr) return layout;  // more than one spec
    only = &row;
  }
  if (only == nullptr || only->begin != key_specs_internal::kIndex || only->find != key_specs_internal::kRange ||
      only->c > 1 || only->b < 1 || std::string_view(only->flags) == "not_key") {
    return layout;
  }
  std::string_view flags = only->flags;
  if (flags.find("variable_flags") != std::string_view::npos) {
    if (full_name != "set") return layout;
    layout.set_like = true;
  }
  layout.simple = true;
  layout.first = only->index;
  layout.last = only->a;
  layout.step = only->b;
  layout.perms = NeededPerms(flags, 1, 2);
  return layout;
}

}  // namespace

// --- the command index --------------------------------------------------

AclCommandIndex::AclCommandIndex(CommandTable& table) : table_(&table) {
  std::vector<Command*> top;
  for (auto& [name, cmd] : table.all()) top.push_back(const_cast<Command*>(&cmd));
  std::sort(top.begin(), top.end(), [](const Command* a, const Command* b) { return a->name < b->name; });
  for (Command* c : top) {
    by_id_.push_back(c);
    std::vector<Command*> subs;
    for (auto& [name, sub] : c->subcommands) subs.push_back(&sub);
    std::sort(subs.begin(), subs.end(), [](const Command* a, const Command* b) { return a->name < b->name; });
    by_id_.insert(by_id_.end(), subs.begin(), subs.end());
  }
  channel_kind_.resize(by_id_.size(), kNoChannels);
  has_keys_.resize(by_id_.size(), false);
  key_layout_.resize(by_id_.size());
  for (size_t id = 0; id < by_id_.size(); ++id) {
    Command* c = by_id_[id];
    c->acl_id = static_cast<uint32_t>(id);
    // Categories by the Redis name: a renamed command keeps its own.
    c->acl_categories = AclCategoriesOf(c->full_name);
    has_keys_[id] = CommandHasKeySpecs(c->full_name);
    key_layout_[id] = LayoutOf(c->full_name);
    if (c->full_name == "publish" || c->full_name == "spublish") channel_kind_[id] = kPublishFirst;
    if (c->full_name == "subscribe" || c->full_name == "ssubscribe") channel_kind_[id] = kSubscribeAll;
    if (c->full_name == "psubscribe") channel_kind_[id] = kPatternSubscribeAll;
  }
}

Command* AclCommandIndex::Lookup(std::string_view name) const {
  if (table_ == nullptr) return nullptr;
  const size_t bar = name.find('|');
  Command* c = table_->Find(name.substr(0, bar));
  if (c == nullptr || bar == std::string_view::npos) return c;
  std::string_view sub = name.substr(bar + 1);
  if (c->subcommands.empty() || sub.find('|') != std::string_view::npos) return nullptr;
  return c->FindSubcommand(Lower(sub));
}

const Command* AclCommandIndex::Parent(const Command& c) const {
  const size_t bar = c.full_name.find('|');
  return bar == std::string::npos ? nullptr : table_->Find(std::string_view(c.full_name).substr(0, bar));
}

// --- selectors ----------------------------------------------------------

AclSelector::AclSelector(size_t command_count, bool all_channels)
    : all_channels_(all_channels), bits_((command_count + 63) / 64, 0) {}

void AclSelector::SetBit(uint32_t id, bool on) {
  if (on) {
    bits_[id / 64] |= uint64_t{1} << (id % 64);
  } else {
    bits_[id / 64] &= ~(uint64_t{1} << (id % 64));
    all_commands_ = false;
  }
}

void AclSelector::ChangePerm(const Command& cmd, const AclCommandIndex& index, bool allow) {
  (void)index;
  SetBit(cmd.acl_id, allow);
  first_args_.erase(cmd.acl_id);
  for (auto& [name, sub] : cmd.subcommands) SetBit(sub.acl_id, allow);
}

void AclSelector::SetCategory(int bit, const AclCommandIndex& index, bool allow) {
  const uint64_t mask = uint64_t{1} << bit;
  for (const Command* c : index.commands()) {
    if (c->acl_categories & mask) ChangePerm(*c, index, allow);
  }
}

void AclSelector::CountCategory(int bit, const AclCommandIndex& index, size_t* on, size_t* off) const {
  const uint64_t mask = uint64_t{1} << bit;
  *on = *off = 0;
  for (const Command* c : index.commands()) {
    if (!(c->acl_categories & mask)) continue;
    if (Bit(c->acl_id)) {
      ++*on;
    } else {
      ++*off;
    }
  }
}

std::string AclSelector::Apply(std::string_view op, const AclCommandIndex& index) {
  if (EqualsIgnoreCase(op, "allkeys") || op == "~*") {
    all_keys_ = true;
    keys_.clear();
  } else if (EqualsIgnoreCase(op, "resetkeys")) {
    all_keys_ = false;
    keys_.clear();
  } else if (EqualsIgnoreCase(op, "allchannels") || op == "&*") {
    all_channels_ = true;
    channels_.clear();
  } else if (EqualsIgnoreCase(op, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
  } else if (EqualsIgnoreCase(op, "allcommands") || EqualsIgnoreCase(op, "+@all")) {
    std::fill(bits_.begin(), bits_.end(), ~uint64_t{0});
    all_commands_ = future_ = true;
    first_args_.clear();
  } else if (EqualsIgnoreCase(op, "nocommands") || EqualsIgnoreCase(op, "-@all")) {
    std::fill(bits_.begin(), bits_.end(), 0);
    all_commands_ = future_ = false;
    first_args_.clear();
  } else if (!op.empty() && (op[0] == '~' || op[0] == '%')) {
    if (all_keys_) return kAllKeysFirst;
    uint8_t perms = 0;
    size_t offset = 1;
    if (op[0] == '%') {
      // %R~ %W~ %RW~: each letter once, then '~' (a missing '~' leaves an
      // empty pattern, as Redis 7.0 accepts "%R").
      for (; offset < op.size(); ++offset) {
        const char ch = static_cast<char>(std::toupper(static_cast<unsigned char>(op[offset])));
        if (ch == 'R' && !(perms & kRead)) {
          perms |= kRead;
        } else if (ch == 'W' && !(perms & kWrite)) {
          perms |= kWrite;
        } else if (op[offset] == '~') {
          ++offset;
          break;
        } else {
          return kSyntaxError;
        }
      }
      if (perms == 0) return kSyntaxError;
    } else {
      perms = kRead | kWrite;
    }
    std::string pattern(op.substr(std::min(offset, op.size())));
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const KeyPattern& k) { return k.pattern == pattern; });
    if (it == keys_.end()) {
      keys_.push_back({std::move(pattern), perms});
    } else {
      it->perms |= perms;
    }
  } else if (!op.empty() && op[0] == '&') {
    if (all_channels_) return kAllChannelsFirst;
    std::string pattern(op.substr(1));
    if (std::find(channels_.begin(), channels_.end(), pattern) == channels_.end()) channels_.push_back(pattern);
  } else if (op.size() >= 2 && (op[0] == '+' || op[0] == '-') && op[1] == '@') {
    const int bit = AclCategoryBit(op.substr(2));
    if (bit < 0) return kUnknownName;
    SetCategory(bit, index, op[0] == '+');
  } else if (!op.empty() && op[0] == '-') {
    Command* cmd = index.Lookup(op.substr(1));
    if (cmd == nullptr) return kUnknownName;
    ChangePerm(*cmd, index, false);
  } else if (!op.empty() && op[0] == '+') {
    std::string_view name = op.substr(1);
    const size_t bar = name.rfind('|');
    if (bar == std::string_view::npos) {
      Command* cmd = index.Lookup(name);
      if (cmd == nullptr) return kUnknownName;
      ChangePerm(*cmd, index, true);
    } else {
      Command* cmd = index.Lookup(name.substr(0, bar));
      if (cmd == nullptr) return kUnknownName;
      if (index.IsSubcommand(*cmd)) return kSubcommandFirstArg;
      std::string_view arg = name.substr(bar + 1);
      if (arg.empty()) return kSyntaxError;
      if (!cmd->subcommands.empty()) {
        Command* sub = index.Lookup(name);
        if (sub == nullptr) return kUnknownName;
        ChangePerm(*sub, index, true);
      } else {
        // +select|0: a first argument allowed for an otherwise blocked
        // command (deprecated in Redis 7.0, still accepted).
        std::vector<std::string>& args = first_args_[cmd->acl_id];
        std::string lowered = Lower(arg);
        if (std::find(args.begin(), args.end(), lowered) == args.end()) args.push_back(lowered);
      }
    }
  } else {
    return kSyntaxError;
  }
  return "";
}

std::string AclSelector::KeysText() const {
  if (all_keys_) return "~*";
  std::string out;
  for (const KeyPattern& k : keys_) {
    if (!out.empty()) out += ' ';
    if (k.perms == kRead) out += "%R";
    if (k.perms == kWrite) out += "%W";
    out += '~';
    out += k.pattern;
  }
  return out;
}

std::string AclSelector::ChannelsText() const {
  if (all_channels_) return "&*";
  std::string out;
  for (const std::string& ch : channels_) {
    if (!out.empty()) out += ' ';
    out += '&';
    out += ch;
  }
  return out;
}

// Redis 7.0's ACLDescribeSelectorCommandRules: start from +@all (when
// commands added later are allowed) or -@all, add (or remove) the
// categories that fit best one at a time, then fix single commands until
// the rules rebuild exactly this selector's bits.
std::string AclSelector::CommandsText(const AclCommandIndex& index) const {
  const bool additive = !future_;
  std::string rules = additive ? "-@all " : "+@all ";
  AclSelector fake(index.size(), false);
  if (!additive) fake.Apply("+@all", index);
  AclSelector temp = *this;
  std::vector<bool> applied(AclCategoryCount(), false);
  for (size_t round = 0; round < AclCategoryCount(); ++round) {
    int best = -1;
    size_t min_diff = SIZE_MAX, max_same = 0;
    for (size_t j = 0; j < AclCategoryCount(); ++j) {
      if (applied[j]) continue;
      size_t on, off;
      temp.CountCategory(static_cast<int>(j), index, &on, &off);
      const size_t diff = additive ? off : on;
      const size_t same = additive ? on : off;
      if (same > diff && (diff < min_diff || (diff == min_diff && same > max_same))) {
        best = static_cast<int>(j);
        min_diff = diff;
        max_same = same;
      }
    }
    if (best < 0) break;
    fake.SetCategory(best, index, additive);
    temp.SetCategory(best, index, !additive);
    rules += additive ? "+@" : "-@";
    rules += AclCategoryName(static_cast<size_t>(best));
    rules += ' ';
    applied[static_cast<size_t>(best)] = true;
  }
  for (const Command* c : index.commands()) {
    const bool user_bit = Bit(c->acl_id);
    if (user_bit != fake.Bit(c->acl_id)) {
      rules += user_bit ? '+' : '-';
      rules += c->full_name;
      rules += ' ';
      fake.ChangePerm(*c, index, user_bit);
    }
    if (!user_bit) {
      auto it = first_args_.find(c->acl_id);
      if (it == first_args_.end()) continue;
      for (const std::string& arg : it->second) {
        rules += '+';
        rules += c->full_name;
        rules += '|';
        rules += arg;
        rules += ' ';
      }
    }
  }
  rules.pop_back();
  return rules;
}

std::string AclSelector::Describe(const AclCommandIndex& index) const {
  std::string out;
  if (all_keys_) {
    out += "~* ";
  } else {
    for (const KeyPattern& k : keys_) {
      if (k.perms == kRead) out += "%R";
      if (k.perms == kWrite) out += "%W";
      out += '~' + k.pattern + ' ';
    }
  }
  if (all_channels_) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (const std::string& ch : channels_) out += '&' + ch + ' ';
  }
  out += CommandsText(index);
  return out;
}

bool AclSelector::KeyAllowed(std::string_view key, uint8_t needed) const {
  if (all_keys_) return true;
  for (const KeyPattern& k : keys_) {
    if ((k.perms & needed) != needed) continue;
    if (GlobMatch(k.pattern, key)) return true;
  }
  return false;
}

bool AclSelector::ChannelAllowed(std::string_view channel, bool pattern) const {
  if (all_channels_) return true;
  for (const std::string& p : channels_) {
    // A pattern subscription must name one of the patterns literally; a
    // channel is matched against them.
    if (pattern ? p == channel : GlobMatch(p, channel)) return true;
  }
  return false;
}

AclDenial AclSelector::Check(const Command& cmd, ArgList argv, const AclCommandIndex& index, size_t* errpos) const {
  const uint32_t id = cmd.acl_id;
  if (!all_commands_ && !(cmd.flags & kCmdNoAuth) && !Bit(id)) {
    auto it = first_args_.find(id);
    if (argv.size() < 2 || it == first_args_.end()) return AclDenial::kCommand;
    bool found = false;
    for (const std::string& arg : it->second) found = found || EqualsIgnoreCase(arg, argv[1]);
    if (!found) return AclDenial::kCommand;
  }
  if (!all_keys_ && index.has_keys(id) && index.key_layout(id).simple) {
    const AclCommandIndex::KeyLayout& kl = index.key_layout(id);
    const long argc = static_cast<long>(argv.size());
    uint8_t needed = kl.perms;
    if (kl.set_like) {
      // SET overwrites (write); with GET it also reads the old value.
      needed = kWrite;
      for (size_t i = 3; i < argv.size(); ++i) {
        if (EqualsIgnoreCase(argv[i], "get")) needed |= kRead;
      }
    }
    const long last = kl.last >= 0 ? kl.first + kl.last : argc + kl.last;
    for (long i = kl.first; i <= last && i < argc; i += kl.step) {
      if (!KeyAllowed(argv[static_cast<size_t>(i)], needed)) {
        *errpos = static_cast<size_t>(i);
        return AclDenial::kKey;
      }
    }
  } else if (!all_keys_ && index.has_keys(id)) {
    // Reused between calls: the check runs on every command.
    static std::vector<KeyRef> keys;
    keys.clear();
    if (FindCommandKeys(cmd.full_name, argv, &keys)) {
      for (const KeyRef& k : keys) {
        if (!KeyAllowed(argv[k.index], NeededPerms(k.flags, kRead, kWrite))) {
          *errpos = k.index;
          return AclDenial::kKey;
        }
      }
    }
  }
  if (!all_channels_) {
    const auto kind = index.channel_kind(id);
    if (kind != AclCommandIndex::kNoChannels) {
      const size_t end = kind == AclCommandIndex::kPublishFirst ? std::min<size_t>(2, argv.size()) : argv.size();
      for (size_t i = 1; i < end; ++i) {
        if (!ChannelAllowed(argv[i], kind == AclCommandIndex::kPatternSubscribeAll)) {
          *errpos = i;
          return AclDenial::kChannel;
        }
      }
    }
  }
  return AclDenial::kNone;
}

// --- users --------------------------------------------------------------

AclUser::AclUser(std::string name, size_t command_count, bool all_channels) : name_(std::move(name)) {
  selectors_.emplace_back(command_count, all_channels);
  Refresh();
}

std::string AclUser::Apply(std::string_view op, const AclCommandIndex& index, bool default_all_channels) {
  std::string error;
  if (EqualsIgnoreCase(op, "on")) {
    enabled_ = true;
  } else if (EqualsIgnoreCase(op, "off")) {
    enabled_ = false;
  } else if (EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    sanitize_ = 2;
  } else if (EqualsIgnoreCase(op, "sanitize-payload")) {
    sanitize_ = 1;
  } else if (EqualsIgnoreCase(op, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (EqualsIgnoreCase(op, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (!op.empty() && (op[0] == '>' || op[0] == '#')) {
    std::string hash;
    if (op[0] == '>') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!IsPasswordHash(op.substr(1))) return kBadHash;
      hash = std::string(op.substr(1));
    }
    if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end()) passwords_.push_back(hash);
    nopass_ = false;
  } else if (!op.empty() && (op[0] == '<' || op[0] == '!')) {
    std::string hash;
    if (op[0] == '<') {
      hash = Sha256Hex(op.substr(1));
    } else {
      if (!IsPasswordHash(op.substr(1))) return kBadHash;
      hash = std::string(op.substr(1));
    }
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) return kNoSuchPassword;
    passwords_.erase(it);
  } else if (op.size() >= 2 && op.front() == '(' && op.back() == ')') {
    AclSelector s(index.size(), default_all_channels);
    std::vector<std::string> ops;
    if (!SplitArgs(op.substr(1, op.size() - 2), &ops)) return kSyntaxError;
    for (const std::string& o : ops) {
      error = s.Apply(o, index);
      if (!error.empty()) return error;
    }
    selectors_.push_back(std::move(s));
  } else if (EqualsIgnoreCase(op, "clearselectors")) {
    selectors_.resize(1, AclSelector(index.size(), default_all_channels));
  } else if (EqualsIgnoreCase(op, "reset")) {
    passwords_.clear();
    nopass_ = false;
    selectors_.resize(1, AclSelector(index.size(), default_all_channels));
    AclSelector& root = selectors_[0];
    (void)root.Apply("resetkeys", index);
    (void)root.Apply(default_all_channels ? "allchannels" : "resetchannels", index);
    (void)root.Apply("-@all", index);
    enabled_ = false;
    sanitize_ = 1;
  } else {
    error = selectors_[0].Apply(op, index);
  }
  Refresh();
  return error;
}

bool AclUser::CheckPassword(std::string_view password) const {
  if (!enabled_) return false;
  if (nopass_) return true;
  const std::string hash = Sha256Hex(password);
  // Every stored hash is compared in full, so the time taken does not tell
  // which one (or how much of one) matched.
  bool match = false;
  for (const std::string& h : passwords_) {
    unsigned diff = 0;
    for (size_t i = 0; i < h.size() && i < hash.size(); ++i) diff |= static_cast<unsigned>(h[i] ^ hash[i]);
    match = match || (diff == 0 && h.size() == hash.size());
  }
  return match;
}

std::vector<std::string> AclUser::Flags() const {
  std::vector<std::string> out;
  out.push_back(enabled_ ? "on" : "off");
  if (nopass_) out.push_back("nopass");
  if (sanitize_ == 2) out.push_back("skip-sanitize-payload");
  if (sanitize_ == 1) out.push_back("sanitize-payload");
  return out;
}

std::string AclUser::Describe(const AclCommandIndex& index) const {
  std::string out;
  for (const std::string& f : Flags()) out += f + ' ';
  for (const std::string& h : passwords_) out += '#' + h + ' ';
  out += selectors_[0].Describe(index);
  for (size_t i = 1; i < selectors_.size(); ++i) out += " (" + selectors_[i].Describe(index) + ')';
  return out;
}

AclDenial AclUser::Check(const Command& cmd, ArgList argv, const AclCommandIndex& index, size_t* errpos) const {
  // One refusal is reported: a command error unless some selector got
  // further, then the later key or channel (Redis's "relevant error").
  AclDenial relevant = AclDenial::kCommand;
  size_t last = 0;
  for (const AclSelector& s : selectors_) {
    size_t pos = 0;
    const AclDenial d = s.Check(cmd, argv, index, &pos);
    if (d == AclDenial::kNone) return d;
    if (d > relevant || (d == relevant && pos > last)) {
      relevant = d;
      last = pos;
    }
  }
  *errpos = last;
  return relevant;
}

bool MergeSelectorArgs(const std::vector<std::string_view>& in, std::vector<std::string>* out, std::string* bad) {
  bool open = false;
  std::string selector;
  std::string_view opened_at;
  for (std::string_view op : in) {
    if (!op.empty() && op.front() == '(' && op.back() != ')') {
      selector = std::string(op);
      opened_at = op;
      open = true;
      continue;
    }
    if (open) {
      selector += ' ';
      selector += op;
      if (!op.empty() && op.back() == ')') {
        out->push_back(std::move(selector));
        open = false;
      }
      continue;
    }
    out->emplace_back(op);
  }
  if (open) {
    *bad = std::string(opened_at);
    return false;
  }
  return true;
}

}  // namespace replikv
