// CommandTest with more than one client: transactions, pub/sub and blocking
// commands are about what one connection sees of another's commands.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/commands/blocking.h"
#include "server/tests/command_fixture.h"

namespace replikv {

class ClientsTest : public CommandTest {
 protected:
  ~ClientsTest() override {
    for (Client* c : extra_) c->Close();
    uv_run(server_->loop(), UV_RUN_NOWAIT);
  }

  // A new authenticated connection (no socket) on the server.
  Client* NewClient() {
    auto c = std::make_unique<Client>(*server_, server_->NextClientId());
    Client* raw = c.get();
    raw->authenticated = true;
    server_->AddClient(std::move(c));
    extra_.push_back(raw);
    return raw;
  }

  // Runs one command as `c`; returns what `c` received (its reply and
  // anything else delivered meanwhile).
  std::string ExecOn(Client* c, std::vector<std::string> args) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    server_->ExecuteCommand(*c, argv);
    return DrainOf(c);
  }

  // Everything pending for `c`, then forgotten.
  static std::string DrainOf(Client* c) {
    std::string out;
    std::string_view pieces[64];
    // Bounded: each pass consumes what it read.
    while (!c->reply().empty()) {
      size_t n = c->reply().Pieces(pieces, 64);
      size_t total = 0;
      for (size_t i = 0; i < n; ++i) {
        out += pieces[i];
        total += pieces[i].size();
      }
      c->reply().Consume(total);
    }
    return out;
  }

  // Closes `c` and lets the loop finish the close (the client is deleted).
  void Disconnect(Client* c) {
    c->Close();
    uv_run(server_->loop(), UV_RUN_NOWAIT);
    for (auto& p : extra_) {
      if (p == c) p = nullptr;
    }
    std::erase(extra_, nullptr);
  }

  std::vector<Client*> extra_;
};

// Clients plus the blocking machinery (BLPOP..., BZPOPMIN...): the stream's
// first SELECT is already out of the way, so tests see only their own ops.
class BlockingClientsTest : public ClientsTest {
 protected:
  BlockingClientsTest() {
    Exec({"SET", "init", "1"});
    Exec({"DEL", "init"});
    Propagated();
  }
  size_t Blocked() { return server_->blocked_clients().blocked_count(); }
  // Runs what the loop runs before each poll.
  void BeforePoll() { server_->blocked_clients().BeforeSleep(); }
};

}  // namespace replikv
