// Pieces shared by the stream command files (cmd_streams.cpp,
// cmd_stream_read.cpp, cmd_stream_groups.cpp, cmd_xinfo.cpp): id parsing
// with Redis 7.0's error texts, the range reply, and the propagated forms
// of group changes (XCLAIM ... FORCE JUSTID LASTID, XGROUP SETID ...).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "server/command_table.h"
#include "server/types/type_stream.h"

namespace replikv {

// Redis's streamGenericParseIDOrReply: "-" / "+" (not when strict), "<ms>",
// "<ms>-<seq>" (each as strtoull takes it), and "<ms>-*" when `seq_given` is
// non-null (then *seq_given is false). `missing_seq` fills a bare "<ms>".
// False with "ERR Invalid stream ID specified as stream command argument"
// replied (when ctx is non-null).
bool ParseStreamID(CommandContext* ctx, std::string_view s, StreamID* id, uint64_t missing_seq, bool strict,
                   bool* seq_given = nullptr);
// XRANGE-style bound: "(" makes it exclusive (*exclude set; the rest is
// parsed strictly).
bool ParseIntervalID(CommandContext& ctx, std::string_view s, StreamID* id, bool* exclude, uint64_t missing_seq);

void ReplyStreamID(ReplyBuffer& r, const StreamID& id);

// Who a range reply is for when it is a group read (streamPropInfo).
struct StreamGroupRead {
  StreamGroup* group = nullptr;
  StreamConsumer* consumer = nullptr;
  bool noack = false;
  bool history = false;  // an id other than ">": the consumer's own PEL
  std::string_view key, group_name;
  bool consumer_created = false;  // by this call (propagated with NOACK)
};

// Redis's streamReplyWithRange: entries in [start, end] (end null = open),
// at most `count` (0 = all). `raw` emits the entries without the outer
// array. With a group read, the group's last id and PEL move and the change
// is propagated. Returns the number of entries emitted.
size_t StreamReplyRange(CommandContext& ctx, Stream* s, const StreamID& start, const StreamID* end, size_t count,
                        bool rev, StreamGroupRead* gr, bool raw);

// XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <n> FORCE
// JUSTID LASTID <group last id>, the form replicas apply.
void PropagateXclaim(CommandContext& ctx, std::string_view key, std::string_view group_name, const StreamGroup& g,
                     const StreamID& id, const StreamNack& nack);
// XGROUP SETID <key> <group> <last id> ENTRIESREAD <n>.
void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group_name, const StreamGroup& g);

// An argument as Redis's "%s" prints it in an error: up to its first NUL.
inline std::string CStr(std::string_view s) { return std::string(s.substr(0, s.find('\0'))); }

// "ERR unknown subcommand or wrong number of arguments for '<sub>'. Try
// <CMD> HELP."
void ReplySubcommandSyntaxError(CommandContext& ctx);

// Registration of each file's commands (called by RegisterStreamCommands).
void RegisterStreamReadCommands(CommandTable& t);
void RegisterStreamGroupCommands(CommandTable& t);
void RegisterXinfoCommand(CommandTable& t);

}  // namespace replikv
