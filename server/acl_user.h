// ACL users and selectors: the rule language of ACL SETUSER and the
// permission check every command passes, as Redis 7.0.
//
// A user has flags (on/off, nopass, sanitize-payload), SHA-256 password
// hashes and one or more selectors. The root selector is the user's own
// rules; "(...)" adds another selector. A command is allowed when any
// selector allows it: its command bit (or an allowed first argument),
// every key it touches against the key patterns with the access it needs
// (%R~ read, %W~ write, ~ both), every channel against the channel
// patterns.
//
// Commands are numbered by AclCommandIndex (every command and subcommand of
// the table); a selector keeps one bit per number. Plain values; the ACL
// registry (server/acl.h) owns users, clients share them. Loop thread only.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_table.h"

namespace replikv {

// Every command and subcommand of the table, numbered for the selectors'
// bitmaps; it sets Command::acl_id and Command::acl_categories. Built once
// the table is complete (after modules and rename-command).
class AclCommandIndex {
 public:
  AclCommandIndex() = default;
  explicit AclCommandIndex(CommandTable& table);

  size_t size() const { return by_id_.size(); }
  // Commands by id; top-level commands sorted by name, each followed by
  // its subcommands (the order rules are described in).
  const std::vector<Command*>& commands() const { return by_id_; }
  // "get" or "config|get", any case; nullptr if unknown.
  Command* Lookup(std::string_view name) const;
  // Whether the command has a parent (is a subcommand).
  bool IsSubcommand(const Command& c) const { return c.full_name.find('|') != std::string::npos; }
  const Command* Parent(const Command& c) const;

  // Where the channels of a command are (PUBLISH, SUBSCRIBE...).
  enum ChannelKind : uint8_t { kNoChannels, kPublishFirst, kSubscribeAll, kPatternSubscribeAll };
  ChannelKind channel_kind(uint32_t id) const { return channel_kind_[id]; }
  // Whether the command has key specs (the key check applies).
  bool has_keys(uint32_t id) const { return has_keys_[id]; }

  // The common key layout, precomputed so the per-command check need not
  // walk the key specs: one spec, keys from a fixed index to a fixed
  // offset (lastkey >= 0) or to the end (lastkey < 0), every `step`.
  // `perms` is what the keys need (kRead/kWrite bits of AclSelector);
  // SET's depend on its GET option (set_like).
  struct KeyLayout {
    bool simple = false;
    bool set_like = false;
    int first = 0, last = 0, step = 1;
    uint8_t perms = 0;
  };
  const KeyLayout& key_layout(uint32_t id) const { return key_layout_[id]; }

 private:
  CommandTable* table_ = nullptr;
  std::vector<Command*> by_id_;
  std::vector<ChannelKind> channel_kind_;
  std::vector<bool> has_keys_;
  std::vector<KeyLayout> key_layout_;
};

// Why a command was refused, in Redis's order of relevance (a key error is
// reported over a command error when selectors disagree).
enum class AclDenial { kNone = 0, kCommand = 1, kKey = 2, kAuth = 3, kChannel = 4 };

class AclSelector {
 public:
  // Nothing allowed: no commands, no keys; channels per acl-pubsub-default.
  AclSelector(size_t command_count, bool all_channels);

  // Applies one selector rule (~pat %R~pat allkeys resetkeys &pat
  // allchannels resetchannels +cmd -cmd +@cat -@cat +cmd|sub allcommands
  // nocommands). Returns "" or the reason ("Syntax error", ...).
  std::string Apply(std::string_view op, const AclCommandIndex& index);

  // ACL LIST's form: "~a %R~b resetchannels &c -@all +get".
  std::string Describe(const AclCommandIndex& index) const;
  // ACL GETUSER's fields.
  std::string KeysText() const;
  std::string ChannelsText() const;
  std::string CommandsText(const AclCommandIndex& index) const;

  // Checks `cmd` with `argv` (argv[0] the command name). On refusal sets
  // *errpos to the offending argument (0 for the command).
  AclDenial Check(const Command& cmd, ArgList argv, const AclCommandIndex& index, size_t* errpos) const;
  // Checks one channel (PUBLISH-like when !pattern).
  bool ChannelAllowed(std::string_view channel, bool pattern) const;

  bool unrestricted() const { return all_commands_ && all_keys_ && all_channels_; }

 private:
  struct KeyPattern {
    std::string pattern;
    uint8_t perms;  // kRead | kWrite
  };
  static constexpr uint8_t kRead = 1, kWrite = 2;

  bool Bit(uint32_t id) const { return (bits_[id / 64] >> (id % 64)) & 1; }
  void SetBit(uint32_t id, bool on);
  // ACLChangeSelectorPerm: the command, its first-args, its subcommands.
  void ChangePerm(const Command& cmd, const AclCommandIndex& index, bool allow);
  void SetCategory(int bit, const AclCommandIndex& index, bool allow);
  void CountCategory(int bit, const AclCommandIndex& index, size_t* on, size_t* off) const;
  bool KeyAllowed(std::string_view key, uint8_t needed) const;

  bool all_keys_ = false;
  bool all_channels_ = false;
  bool all_commands_ = false;  // +@all and nothing removed since
  bool future_ = false;        // +@all (reserved bit): commands added later are allowed
  std::vector<uint64_t> bits_;
  // +select|0: first arguments allowed for a command whose bit is off.
  std::map<uint32_t, std::vector<std::string>> first_args_;
  std::vector<KeyPattern> keys_;
  std::vector<std::string> channels_;
};

class AclUser {
 public:
  // A new user: off, no passwords, a root selector that allows nothing.
  AclUser(std::string name, size_t command_count, bool all_channels);

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  const std::vector<std::string>& password_hashes() const { return passwords_; }

  // Applies one ACL SETUSER argument (after selector arguments were merged
  // by MergeSelectorArgs). Returns "" or the reason.
  std::string Apply(std::string_view op, const AclCommandIndex& index, bool default_all_channels);
  // Whether `password` opens this user (an enabled user; nopass opens with
  // anything).
  bool CheckPassword(std::string_view password) const;

  // ACL LIST's line without "user <name> ".
  std::string Describe(const AclCommandIndex& index) const;
  // ACL GETUSER's flags.
  std::vector<std::string> Flags() const;
  const std::vector<AclSelector>& selectors() const { return selectors_; }

  // The check of every command; kNone when some selector allows it.
  AclDenial Check(const Command& cmd, ArgList argv, const AclCommandIndex& index, size_t* errpos) const;
  // No restriction at all (the default user out of the box): the hot path
  // skips the check.
  bool unrestricted() const { return unrestricted_; }

 private:
  void Refresh() { unrestricted_ = selectors_.size() == 1 && selectors_[0].unrestricted(); }

  std::string name_;
  bool enabled_ = false;
  bool nopass_ = false;
  int sanitize_ = 0;  // 0 unset, 1 sanitize-payload, 2 skip-sanitize-payload
  std::vector<std::string> passwords_;  // SHA-256 hex
  std::vector<AclSelector> selectors_;  // [0] is the root
  bool unrestricted_ = false;
};

// ACL SETUSER's argument merge: "(+get" "~x)" becomes "(+get ~x)". Returns
// false with *bad set to the argument that opens an unclosed selector.
bool MergeSelectorArgs(const std::vector<std::string_view>& in, std::vector<std::string>* out, std::string* bad);

}  // namespace replikv
