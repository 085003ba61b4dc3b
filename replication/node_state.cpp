#include "replication/node_state.h"

#include <unistd.h>

#include <cerrno>

#include <protozero/pbf_reader.hpp>
#include <protozero/pbf_writer.hpp>

#include <spdlog/fmt/fmt.h>

#include "persistence/format/crc64.h"
#include "persistence/format/file.h"
#include "server/base/little_endian.h"

namespace replikv::repl {
namespace {

constexpr std::string_view kMagic = "RKNSTATE";
constexpr size_t kCrcBytes = 8;
constexpr size_t kMaxHostLen = 255;

// Field numbers (node_state.h documents the messages).
namespace field {
enum : protozero::pbf_tag_type { kVersion = 1, kRunId, kRole, kPrimaryHost, kPrimaryPort, kReplid, kFirstOffset, kPast,
                                 kShutdown };
namespace past {
enum : protozero::pbf_tag_type { kReplid = 1, kFirstOffset, kValidUpTo, kBranchedFrom };
}
namespace shutdown {
enum : protozero::pbf_tag_type { kReplOffset = 1, kStreamDb, kAofMark, kUnixTime };
}
}  // namespace field

constexpr uint32_t kRolePrimary = 1;
constexpr uint32_t kRoleReplica = 2;

using protozero::pbf_wire_type;
constexpr uint32_t Varint(protozero::pbf_tag_type tag) { return protozero::tag_and_type(tag, pbf_wire_type::varint); }
constexpr uint32_t Bytes(protozero::pbf_tag_type tag) {
  return protozero::tag_and_type(tag, pbf_wire_type::length_delimited);
}

bool IsReplid(std::string_view id) {
  if (id.size() != kReplIdLen) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

Status Bad(std::string_view what) { return Status::Corruption("node state", what); }

Result<PastHistory> DecodePast(protozero::pbf_reader r) {
  PastHistory h;
  std::string branched_from;
  while (r.next()) {
    switch (r.tag_and_type()) {
      case Bytes(field::past::kReplid): h.replid = r.get_string(); break;
      case Varint(field::past::kFirstOffset): h.first_offset = r.get_int64(); break;
      case Varint(field::past::kValidUpTo): h.valid_up_to = r.get_int64(); break;
      case Bytes(field::past::kBranchedFrom): branched_from = r.get_string(); break;
      default: r.skip();
    }
  }
  if (!IsReplid(h.replid)) return Bad("a past history's id is not 40 hex chars");
  if (h.first_offset < 1 || h.valid_up_to < h.first_offset) return Bad("a past history's offsets are out of order");
  return h;
}

Result<NodeState::Shutdown> DecodeShutdown(protozero::pbf_reader r) {
  NodeState::Shutdown s;
  while (r.next()) {
    switch (r.tag_and_type()) {
      case Varint(field::shutdown::kReplOffset): s.repl_offset = r.get_int64(); break;
      case Varint(field::shutdown::kStreamDb): s.stream_db = static_cast<int>(r.get_uint32() & 0x7fffffff); break;
      case Bytes(field::shutdown::kAofMark): s.aof_mark = r.get_string(); break;
      case Varint(field::shutdown::kUnixTime): s.unix_time = r.get_int64(); break;
      default: r.skip();
    }
  }
  if (s.repl_offset < 0) return Bad("the shutdown offset is negative");
  return s;
}

Result<NodeState> DecodeMessage(std::string_view data) {
  NodeState st;
  st.version = 0;
  std::vector<std::string> branched_from;
  protozero::pbf_reader r(data.data(), data.size());
  while (r.next()) {
    switch (r.tag_and_type()) {
      case Varint(field::kVersion): st.version = r.get_uint32(); break;
      case Bytes(field::kRunId): st.run_id = r.get_string(); break;
      case Varint(field::kRole): {
        uint32_t role = r.get_uint32();
        if (role != kRolePrimary && role != kRoleReplica) return Bad("unknown role");
        st.replica = role == kRoleReplica;
        break;
      }
      case Bytes(field::kPrimaryHost): st.primary_host = r.get_string(); break;
      case Varint(field::kPrimaryPort): st.primary_port = static_cast<int>(r.get_uint32() & 0xffff); break;
      case Bytes(field::kReplid): st.replid = r.get_string(); break;
      case Varint(field::kFirstOffset): st.first_offset = r.get_int64(); break;
      case Bytes(field::kPast): {
        if (st.past.size() == kMaxPastHistories) return Bad("more past histories than kept");
        protozero::pbf_reader sub = r.get_message();
        // The claimed parent is checked against the next entry below.
        protozero::pbf_reader peek = sub;
        std::string parent;
        while (peek.next()) {
          if (peek.tag_and_type() == Bytes(field::past::kBranchedFrom)) {
            parent = peek.get_string();
          } else {
            peek.skip();
          }
        }
        auto h = DecodePast(sub);
        if (!h.ok()) return h.status();
        st.past.push_back(std::move(*h));
        branched_from.push_back(std::move(parent));
        break;
      }
      case Bytes(field::kShutdown): {
        auto s = DecodeShutdown(r.get_message());
        if (!s.ok()) return s.status();
        st.shutdown = std::move(*s);
        break;
      }
      default: r.skip();
    }
  }
  if (st.version != kNodeStateVersion) return Bad(fmt::format("unknown version {}", st.version));
  if (!st.replica) {  // a primary follows nobody, whatever the file says
    st.primary_host.clear();
    st.primary_port = 0;
  }
  if (!IsReplid(st.replid)) return Bad("the replication id is not 40 hex chars");
  if (st.first_offset < 1) return Bad("the first offset is out of range");
  if (st.primary_host.size() > kMaxHostLen || st.run_id.size() > kReplIdLen) return Bad("a name is too long");
  for (size_t i = 0; i < st.past.size(); ++i) {
    const std::string& want = i + 1 < st.past.size() ? st.past[i + 1].replid : std::string();
    if (branched_from[i] != want) return Bad("the timeline's entries do not chain");
    // Each history ends where the next (more recent) one begins.
    const int64_t next_first = i == 0 ? st.first_offset : st.past[i - 1].first_offset;
    if (st.past[i].valid_up_to != next_first) return Bad("the timeline's offsets do not chain");
  }
  return st;
}

}  // namespace

std::string EncodeNodeState(const NodeState& state) {
  std::string out(kMagic);
  {
    protozero::pbf_writer w(out);
    w.add_uint32(field::kVersion, state.version);
    w.add_string(field::kRunId, state.run_id);
    w.add_uint32(field::kRole, state.replica ? kRoleReplica : kRolePrimary);
    if (state.replica) {
      w.add_string(field::kPrimaryHost, state.primary_host);
      w.add_uint32(field::kPrimaryPort, static_cast<uint32_t>(state.primary_port));
    }
    w.add_string(field::kReplid, state.replid);
    w.add_int64(field::kFirstOffset, state.first_offset);
    for (size_t i = 0; i < state.past.size(); ++i) {
      const PastHistory& h = state.past[i];
      protozero::pbf_writer sub(w, field::kPast);
      sub.add_string(field::past::kReplid, h.replid);
      sub.add_int64(field::past::kFirstOffset, h.first_offset);
      sub.add_int64(field::past::kValidUpTo, h.valid_up_to);
      if (i + 1 < state.past.size()) sub.add_string(field::past::kBranchedFrom, state.past[i + 1].replid);
    }
    if (state.shutdown) {
      protozero::pbf_writer sub(w, field::kShutdown);
      sub.add_int64(field::shutdown::kReplOffset, state.shutdown->repl_offset);
      sub.add_uint32(field::shutdown::kStreamDb, static_cast<uint32_t>(state.shutdown->stream_db));
      sub.add_string(field::shutdown::kAofMark, state.shutdown->aof_mark);
      sub.add_int64(field::shutdown::kUnixTime, state.shutdown->unix_time);
    }
  }
  persistence::AppendLe(&out, persistence::Crc64(0, out.data(), out.size()), kCrcBytes);
  return out;
}

Result<NodeState> DecodeNodeState(std::string_view data) {
  if (data.size() > kMaxNodeStateBytes) return Bad("the file is larger than a node state can be");
  if (data.size() < kMagic.size() + kCrcBytes || data.substr(0, kMagic.size()) != kMagic) {
    return Bad("not a node-state file (bad magic)");
  }
  const size_t body_end = data.size() - kCrcBytes;
  const uint64_t want = persistence::GetLe(reinterpret_cast<const unsigned char*>(data.data() + body_end), kCrcBytes);
  if (persistence::Crc64(0, data.data(), body_end) != want) return Bad("checksum mismatch (damaged or truncated)");
  try {
    return DecodeMessage(data.substr(kMagic.size(), body_end - kMagic.size()));
  } catch (const protozero::exception& e) {
    return Bad(e.what());
  }
}

Result<NodeState> ReadNodeStateFile(const std::string& path) {
  if (access(path.c_str(), F_OK) != 0 && errno == ENOENT) return Status::NotFound(path, "no such file");
  auto size = persistence::GetFileSize(path);
  if (!size.ok()) return size.status();
  if (*size > kMaxNodeStateBytes) return Bad("the file is larger than a node state can be");
  std::string data;
  RETURN_IF_ERROR(persistence::ReadFileToString(path, &data));
  return DecodeNodeState(data);
}

Status WriteNodeStateFile(const std::string& path, const NodeState& state) {
  return persistence::WriteFileAtomically(path, "pb", EncodeNodeState(state));
}

}  // namespace replikv::repl
