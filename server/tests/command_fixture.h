// A server without sockets for command-level tests: commands run through
// Server::ExecuteCommand exactly as from the network, replies are read back
// as RESP text, and a recording sink captures what the propagation funnel
// emits.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/net/client.h"
#include "server/config/config.h"
#include "server/propagate.h"
#include "server/server.h"

namespace replikv {

class RecordingSink : public PropagationSink {
 public:
  void Feed(std::string_view resp) override { bytes += resp; }
  std::string bytes;
};

class CommandTest : public ::testing::Test {
 protected:
  CommandTest() {
    registry_.mutable_config()->enable_debug_command = EnableFlag::kYes;
    server_ = std::make_unique<Server>(registry_);
    auto c = std::make_unique<Client>(*server_, server_->NextClientId());
    client_ = c.get();
    client_->authenticated = true;
    server_->AddClient(std::move(c));
    server_->propagator().AddSink(&sink_);
  }
  ~CommandTest() override {
    server_->propagator().RemoveSink(&sink_);
    client_->Close();
    uv_run(server_->loop(), UV_RUN_NOWAIT);
  }

  // Runs one command; returns its reply as raw RESP.
  std::string Exec(std::vector<std::string> args) {
    std::vector<std::string_view> argv(args.begin(), args.end());
    server_->ExecuteCommand(*client_, argv);
    return Drain();
  }
  std::string Drain() {
    std::string out;
    std::string_view pieces[64];
    size_t n = client_->reply().Pieces(pieces, 64);
    for (size_t i = 0; i < n; ++i) out += pieces[i];
    client_->reply().Consume(out.size());
    return out;
  }
  // The propagated stream so far, then forgotten.
  std::string Propagated() {
    std::string out = std::move(sink_.bytes);
    sink_.bytes.clear();
    return out;
  }
  static std::string Resp(std::vector<std::string> argv) {
    std::vector<std::string_view> v(argv.begin(), argv.end());
    std::string out;
    Propagator::EncodeCommand(v, &out);
    return out;
  }

  ConfigRegistry registry_;
  std::unique_ptr<Server> server_;
  Client* client_ = nullptr;
  RecordingSink sink_;
};

}  // namespace replikv
