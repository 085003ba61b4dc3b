#include "server/monitor.h"

#include <algorithm>
#include <cstdio>

#include "server/keyspace.h"
#include "server/net/client.h"
#include "server/server.h"

namespace replikv {

bool IsRedactedCommand(std::string_view name) {
  return EqualsIgnoreCase(name, "auth") || EqualsIgnoreCase(name, "hello") || EqualsIgnoreCase(name, "migrate");
}

void AppendQuoted(std::string* out, std::string_view arg) {
  out->push_back('"');
  for (char ch : arg) {
    const auto b = static_cast<unsigned char>(ch);
    switch (ch) {
      case '\\': out->append("\\\\"); break;
      case '"': out->append("\\\""); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\a': out->append("\\a"); break;
      case '\b': out->append("\\b"); break;
      default:
        if (b >= 0x20 && b <= 0x7e) {
          out->push_back(ch);
        } else {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", b);
          out->append(hex);
        }
    }
  }
  out->push_back('"');
}

void Monitors::Remove(Client* c) { clients_.erase(std::remove(clients_.begin(), clients_.end(), c), clients_.end()); }

void Monitors::Feed(const Client& from, int db, ArgList argv) {
  const int64_t now_us = WallClockUs();
  char head[64];
  std::snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(now_us / 1000000),
                static_cast<long long>(now_us % 1000000), db);
  line_ = head;
  line_ += from.addr;
  line_ += ']';
  std::vector<bool> redacted(argv.size(), false);
  ForEachRedactedArg(argv, [&](size_t i) { redacted[i] = true; });
  for (size_t i = 0; i < argv.size(); ++i) {
    line_ += ' ';
    AppendQuoted(&line_, redacted[i] ? std::string_view("(redacted)") : argv[i]);
  }
  line_ += "\r\n";
  receivers_.clear();
  for (Client* m : clients_) {
    if (m->closing()) continue;
    m->BeginPush();
    m->reply().Append(line_);
    m->EndPush();
    server_.QueuePendingWrite(m);
    receivers_.push_back(m);
  }
  // After the loop: closing a monitor removes it from clients_.
  for (Client* m : receivers_) {
    if (m != &from) m->CheckOutputLimits();
  }
}

}  // namespace replikv
