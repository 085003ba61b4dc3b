// replikv-check-rdb FILE: reads an RDB file without loading it into a server
// and reports what it holds (version, aux fields, keys per db and per type,
// expires) or, on damage, the byte offset, the last key read and what was
// expected. Exit status 0 when the file is whole, 1 when it is damaged, 2 on
// usage or I/O errors.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "persistence/format/file.h"
#include "persistence/format/rdb_decoder.h"
#include "server/base/version.h"

namespace {

using replikv::Status;
using namespace replikv::persistence;

const char* TypeName(RdbValue::Type t) {
  switch (t) {
    case RdbValue::Type::kString: return "string";
    case RdbValue::Type::kList: return "list";
    case RdbValue::Type::kSet: return "set";
    case RdbValue::Type::kHash: return "hash";
    case RdbValue::Type::kZset: return "zset";
    case RdbValue::Type::kStream: return "stream";
  }
  return "?";
}

std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 128)) {
    if (c >= 32 && c < 127) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

class Reporter final : public RdbHandler {
 public:
  Status OnAux(std::string_view key, std::string_view value) override {
    std::printf("[info] aux %.*s = '%.*s'\n", static_cast<int>(key.size()), key.data(),
                static_cast<int>(value.size()), value.data());
    return Status::OK();
  }
  Status OnSelectDb(uint64_t db) override {
    std::printf("[info] selecting db %llu\n", static_cast<unsigned long long>(db));
    return Status::OK();
  }
  Status OnKey(RdbEntry& e) override {
    ++keys_per_db[e.db];
    ++keys_per_type[TypeName(e.value.type)];
    if (e.expire_ms != -1) ++expires;
    last_key = e.key;
    ++keys;
    return Status::OK();
  }
  // A FUNCTION2 item: its library's first line ("#!lua name=mylib") names it.
  Status OnFunction(std::string_view code) override {
    std::string_view head = code.substr(0, std::min(code.find('\n'), code.size()));
    std::printf("[info] function library '%s' (%zu bytes)\n", Printable(std::string(head)).c_str(), code.size());
    ++libraries;
    return Status::OK();
  }
  void OnNote(std::string_view note) override {
    std::printf("[note] %.*s\n", static_cast<int>(note.size()), note.data());
  }

  std::map<uint64_t, uint64_t> keys_per_db;
  std::map<std::string, uint64_t> keys_per_type;
  uint64_t keys = 0, expires = 0, libraries = 0;
  std::string last_key;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::strcmp(argv[1], "-v") == 0 || std::strcmp(argv[1], "--version") == 0)) {
    std::printf("replikv-check-rdb %s\n", replikv::kReplikvVersion);
    return 0;
  }
  if (argc != 2 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0) {
    std::fprintf(stderr, "Usage: %s <rdb-file>\n  Checks an RDB file (Redis 7.0 and older formats) and reports what it "
                         "holds, or where it is damaged.\n", argv[0]);
    return argc == 2 ? 0 : 2;
  }
  std::string path = argv[1];
  auto size = GetFileSize(path);
  auto file = NewSequentialFile(path);
  if (!size.ok() || !file.ok()) {
    std::fprintf(stderr, "Cannot open '%s': %s\n", path.c_str(),
                 (!size.ok() ? size.status() : file.status()).message().c_str());
    return 2;
  }
  std::printf("[offset 0] Checking RDB file %s (%llu bytes)\n", path.c_str(), static_cast<unsigned long long>(*size));
  Reporter reporter;
  RdbDecoderOptions options;
  options.source_size = *size;
  RdbDecoder decoder(file->get(), &reporter, options);
  Status st = decoder.Run();
  if (!st.ok()) {
    std::printf("--- RDB ERROR DETECTED ---\n");
    std::printf("[offset %llu] %s\n", static_cast<unsigned long long>(decoder.offset()), st.message().c_str());
    std::printf("[additional info] keys read before the error: %llu\n",
                static_cast<unsigned long long>(reporter.keys));
    if (!reporter.last_key.empty()) {
      std::printf("[additional info] last key read: '%s'\n", Printable(reporter.last_key).c_str());
    }
    return 1;
  }
  const RdbLoadStats& stats = decoder.stats();
  std::printf("[info] RDB version %d\n", stats.version);
  std::printf("[offset %llu] %s\n", static_cast<unsigned long long>(stats.bytes),
              stats.checksum_verified ? "Checksum OK" : "Checksum not stored (rdbchecksum no), not verified");
  for (auto& [db, n] : reporter.keys_per_db) {
    std::printf("[info] db %llu: %llu keys\n", static_cast<unsigned long long>(db), static_cast<unsigned long long>(n));
  }
  for (auto& [type, n] : reporter.keys_per_type) {
    std::printf("[info] %llu keys of type %s\n", static_cast<unsigned long long>(n), type.c_str());
  }
  std::printf("[info] %llu keys read\n[info] %llu expires\n", static_cast<unsigned long long>(reporter.keys),
              static_cast<unsigned long long>(reporter.expires));
  if (reporter.libraries > 0) {
    std::printf("[info] %llu function libraries\n", static_cast<unsigned long long>(reporter.libraries));
  }
  if (stats.empty_keys_skipped > 0) {
    std::printf("[info] %llu empty collections skipped\n", static_cast<unsigned long long>(stats.empty_keys_skipped));
  }
  std::printf("RDB looks OK\n");
  return 0;
}
