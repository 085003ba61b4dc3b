#include "server/notify.h"

#include <string>

#include "server/commands/pubsub.h"

namespace replikv {

void PublishKeyspaceEvent(Server& s, int type, std::string_view event, std::string_view key, int db) {
  const int flags = s.config().notify_keyspace_events;
  std::string channel;
  channel.reserve(24 + key.size() + event.size());
  if (flags & kNotifyKeyspace) {
    channel = "__keyspace@";
    channel += std::to_string(db);
    channel += "__:";
    channel.append(key);
    s.pubsub().Publish(channel, event, nullptr);
  }
  if (flags & kNotifyKeyevent) {
    channel = "__keyevent@";
    channel += std::to_string(db);
    channel += "__:";
    channel.append(event);
    s.pubsub().Publish(channel, key, nullptr);
  }
  (void)type;
}

}  // namespace replikv

namespace replikv {
namespace {
class KeyEventPublisher : public KeyEventSink {
 public:
  explicit KeyEventPublisher(Server& s) : server_(s) {}
  void KeyEvent(int type, std::string_view event, std::string_view key, int db) override {
    if (type == kNotifyNew && server_.loading) return;
    PublishKeyspaceEvent(server_, type, event, key, db);
  }

 private:
  Server& server_;
};
}  // namespace

std::unique_ptr<KeyEventSink> MakeKeyEventPublisher(Server& s) { return std::make_unique<KeyEventPublisher>(s); }

}  // namespace replikv
