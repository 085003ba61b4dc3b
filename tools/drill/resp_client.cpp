#include "tools/drill/resp_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

namespace replikv::drill {
namespace {

// Replies nested deeper than this are refused (the drill reads flat replies
// and SENTINEL REPLICAS' two levels).
constexpr int kMaxDepth = 8;
constexpr int64_t kMaxBulk = 512LL << 20;

using Clock = std::chrono::steady_clock;

int MsLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Parses one reply at buf[*pos]; advances *pos past it when complete.
Result<std::optional<Reply>> ParseAt(std::string_view buf, size_t* pos, int depth) {
  if (depth > kMaxDepth) return Status::Corruption("reply", "nested too deeply");
  size_t eol = buf.find("\r\n", *pos);
  if (eol == std::string_view::npos) return std::optional<Reply>();
  if (eol == *pos) return Status::Corruption("reply", "empty line");
  char type = buf[*pos];
  std::string_view rest = buf.substr(*pos + 1, eol - *pos - 1);
  size_t after = eol + 2;
  Reply r;
  switch (type) {
    case '+':
    case '-':
      r.type = type == '+' ? Reply::Type::kStatus : Reply::Type::kError;
      r.str.assign(rest);
      *pos = after;
      return std::optional<Reply>(std::move(r));
    case ':':
      r.type = Reply::Type::kInteger;
      if (!ParseInt(rest, &r.integer)) return Status::Corruption("reply", "bad integer");
      *pos = after;
      return std::optional<Reply>(std::move(r));
    case '$': {
      int64_t n;
      if (!ParseInt(rest, &n) || n < -1 || n > kMaxBulk) {
        return Status::Corruption("reply", "bad bulk length");
      }
      if (n == -1) {
        *pos = after;
        return std::optional<Reply>(Reply{});
      }
      if (buf.size() < after + n + 2) return std::optional<Reply>();
      if (buf.substr(after + n, 2) != "\r\n") {
        return Status::Corruption("reply", "bulk not followed by CRLF");
      }
      r.type = Reply::Type::kBulk;
      r.str.assign(buf.substr(after, n));
      *pos = after + n + 2;
      return std::optional<Reply>(std::move(r));
    }
    case '*': {
      int64_t n;
      if (!ParseInt(rest, &n) || n < -1 || n > (1 << 24)) {
        return Status::Corruption("reply", "bad array length");
      }
      if (n == -1) {
        *pos = after;
        return std::optional<Reply>(Reply{});
      }
      r.type = Reply::Type::kArray;
      size_t p = after;
      for (int64_t i = 0; i < n; i++) {
        auto child = ParseAt(buf, &p, depth + 1);
        if (!child.ok()) return child.status();
        if (!child->has_value()) return std::optional<Reply>();
        r.elements.push_back(std::move(**child));
      }
      *pos = p;
      return std::optional<Reply>(std::move(r));
    }
    default:
      return Status::Corruption("reply", "unknown type byte");
  }
}

void AppendDisplay(const Reply& r, int indent, std::string* out) {
  switch (r.type) {
    case Reply::Type::kStatus: *out += r.str; break;
    case Reply::Type::kError: *out += "(error) " + r.str; break;
    case Reply::Type::kInteger: *out += "(integer) " + std::to_string(r.integer); break;
    case Reply::Type::kBulk: *out += r.str; break;
    case Reply::Type::kNil: *out += "(nil)"; break;
    case Reply::Type::kArray:
      if (r.elements.empty()) *out += "(empty array)";
      for (size_t i = 0; i < r.elements.size(); i++) {
        if (i > 0) *out += "\n" + std::string(indent, ' ');
        std::string prefix = std::to_string(i + 1) + ") ";
        *out += prefix;
        AppendDisplay(r.elements[i], indent + static_cast<int>(prefix.size()), out);
      }
      break;
  }
}

Status WaitFd(int fd, short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    pollfd p{fd, events, 0};
    int rc = poll(&p, 1, MsLeft(deadline));
    if (rc > 0) return Status::OK();
    if (rc == 0) return Status::IOError(what, "timed out");
    if (errno != EINTR) return Status::IOError(what, std::strerror(errno));
  }
}

// Connects a non-blocking socket to one resolved address before deadline.
Result<int> ConnectAddr(const addrinfo* ai, Clock::time_point deadline) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) return Status::IOError("socket", std::strerror(errno));
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      Status s = Status::IOError("connect", std::strerror(errno));
      close(fd);
      return s;
    }
    Status s = WaitFd(fd, POLLOUT, deadline, "connect");
    int err = 0;
    socklen_t len = sizeof(err);
    if (s.ok() && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
      s = Status::IOError("connect", std::strerror(err));
    }
    if (!s.ok()) {
      close(fd);
      return s;
    }
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

std::string Endpoint::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<Endpoint> ParseEndpoint(std::string_view text) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("address must be HOST:PORT", text);
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int64_t port;
  if (!ParseInt(text.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return Status::InvalidArgument("bad port in address", text);
  }
  return Endpoint{std::string(host), static_cast<int>(port)};
}

std::string Reply::ToDisplay() const {
  std::string out;
  AppendDisplay(*this, 0, &out);
  return out;
}

Result<std::optional<Reply>> ParseReply(std::string_view buf, size_t* consumed) {
  size_t pos = 0;
  auto r = ParseAt(buf, &pos, 0);
  if (r.ok() && r->has_value()) *consumed = pos;
  return r;
}

std::string EncodeCommand(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

std::map<std::string, std::string> ParseInfo(std::string_view text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (!line.empty() && line[0] != '#' && colon != std::string_view::npos) {
      out[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 1));
    }
    start = end + 1;
  }
  return out;
}

Result<std::unique_ptr<Connection>> Connection::Open(const Endpoint& ep,
                                                     const std::string& password,
                                                     int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port = std::to_string(ep.port);
  int rc = getaddrinfo(ep.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) return Status::IOError("resolve " + ep.host, gai_strerror(rc));
  Status last = Status::IOError("connect " + ep.ToString(), "no address");
  int fd = -1;
  for (addrinfo* ai = res; ai != nullptr && fd < 0; ai = ai->ai_next) {
    auto c = ConnectAddr(ai, deadline);
    if (c.ok()) {
      fd = *c;
    } else {
      last = Status::IOError("connect " + ep.ToString(), c.status().message());
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return last;
  std::unique_ptr<Connection> conn(new Connection(fd, ep));
  if (!password.empty()) {
    auto r = conn->Call({"AUTH", password}, MsLeft(deadline) + 1);
    if (!r.ok()) return r.status();
    if (r->IsError()) return Status::IOError("AUTH at " + ep.ToString(), r->str);
  }
  return conn;
}

Connection::~Connection() { close(fd_); }

Result<Reply> Connection::Call(const std::vector<std::string>& args, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string out = EncodeCommand(args);
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Status s = WaitFd(fd_, POLLOUT, deadline, "send");
      if (!s.ok()) return s;
      continue;
    }
    return Status::IOError("send to " + ep_.ToString(), std::strerror(errno));
  }
  for (;;) {
    size_t consumed = 0;
    auto r = ParseReply(in_, &consumed);
    if (!r.ok()) return r.status();
    if (r->has_value()) {
      in_.erase(0, consumed);
      return std::move(**r);
    }
    Status s = WaitFd(fd_, POLLIN, deadline, ("reply from " + ep_.ToString()).c_str());
    if (!s.ok()) return s;
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      in_.append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return Status::IOError("reply from " + ep_.ToString(), "connection closed");
    } else if (errno != EINTR && errno != EAGAIN) {
      return Status::IOError("recv from " + ep_.ToString(), std::strerror(errno));
    }
  }
}

Result<Reply> CallOnce(const Endpoint& ep, const std::string& password,
                       const std::vector<std::string>& args, int timeout_ms) {
  auto conn = Connection::Open(ep, password, timeout_ms);
  if (!conn.ok()) return conn.status();
  return (*conn)->Call(args, timeout_ms);
}

}  // namespace replikv::drill
