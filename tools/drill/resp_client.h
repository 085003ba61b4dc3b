// A small blocking RESP2 client for replikv-drill: one TCP connection, one
// command at a time, every call bounded by a timeout. The drill is a client
// tool, so plain sockets and poll() are enough; no event loop.
//
// Thread: a Connection is used by one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/base/status.h"

namespace replikv::drill {

// "host:port"; host is a name or an IPv4/IPv6 literal ("[::1]:6379").
struct Endpoint {
  std::string host;
  int port = 0;

  std::string ToString() const;
  bool operator==(const Endpoint& o) const { return host == o.host && port == o.port; }
  bool operator<(const Endpoint& o) const {
    return host != o.host ? host < o.host : port < o.port;
  }
};

Result<Endpoint> ParseEndpoint(std::string_view text);

// One RESP2 reply.
struct Reply {
  enum class Type { kStatus, kError, kInteger, kBulk, kNil, kArray };
  Type type = Type::kNil;
  std::string str;        // status, error and bulk text
  int64_t integer = 0;
  std::vector<Reply> elements;

  bool IsError() const { return type == Type::kError; }
  bool IsStatus(std::string_view s) const { return type == Type::kStatus && str == s; }
  // What redis-cli would print for it, on one or more lines.
  std::string ToDisplay() const;
};

// Parses one reply from the front of buf. Returns the reply and sets
// *consumed when a whole reply is there; std::nullopt when more bytes are
// needed; a Corruption status for bytes that are not RESP.
Result<std::optional<Reply>> ParseReply(std::string_view buf, size_t* consumed);

// The multibulk encoding of a command.
std::string EncodeCommand(const std::vector<std::string>& args);

// "field:value" lines of an INFO reply; section headers and blank lines dropped.
std::map<std::string, std::string> ParseInfo(std::string_view text);

class Connection {
 public:
  // Connects within timeout_ms (name resolution included) and, when password
  // is not empty, authenticates (AUTH password).
  static Result<std::unique_ptr<Connection>> Open(const Endpoint& ep,
                                                  const std::string& password,
                                                  int timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends args and waits up to timeout_ms for the reply. An IOError means
  // the connection is unusable (closed, timed out, reset): drop it.
  Result<Reply> Call(const std::vector<std::string>& args, int timeout_ms);

  const Endpoint& endpoint() const { return ep_; }

 private:
  Connection(int fd, Endpoint ep) : fd_(fd), ep_(std::move(ep)) {}
  int fd_;
  Endpoint ep_;
  std::string in_;
};

// Opens a connection, runs one command, closes it.
Result<Reply> CallOnce(const Endpoint& ep, const std::string& password,
                       const std::vector<std::string>& args, int timeout_ms);

}  // namespace replikv::drill
