#include "persistence/format/rdb_decoder.h"

#include <algorithm>

#include <cstring>
#include <random>

#include "persistence/format/file.h"
#include "persistence/format/rdb_format.h"
#include "persistence/format/rdb_input.h"

namespace replikv::persistence {
Status RdbHandler::OnAux(std::string_view, std::string_view) { return Status::OK(); }
Status RdbHandler::OnSelectDb(uint64_t) { return Status::OK(); }
Status RdbHandler::OnResizeDb(uint64_t, uint64_t) { return Status::OK(); }
Status RdbHandler::OnFunction(std::string_view) {
  OnNote("skipping a function library (this reader does not keep them)");
  return Status::OK();
}
Status RdbHandler::OnProgress(uint64_t) { return Status::OK(); }
void RdbHandler::OnNote(std::string_view) {}
Status RdbHandler::OnEnd(const RdbLoadStats&) { return Status::OK(); }

RdbDecoder::RdbDecoder(SequentialFile* source, RdbHandler* handler, RdbDecoderOptions options)
    : handler_(handler),
      options_(options),
      in_(std::make_unique<RdbInput>(source, options.source_size, options.max_string_bytes)),
      hash_seed_(std::random_device{}()) {}

RdbDecoder::~RdbDecoder() = default;

uint64_t RdbDecoder::offset() const { return in_->offset(); }
std::string_view RdbDecoder::Unconsumed() const { return in_->Unconsumed(); }

// | "REDIS" | 4 ASCII digits |
Status RdbDecoder::ReadHeader() {
  char header[9];
  RETURN_IF_ERROR(in_->Read(header, sizeof(header), "the 9-byte RDB header"));
  if (std::memcmp(header, kRdbMagic.data(), kRdbMagic.size()) != 0) {
    // Redis 7.0's words first (operators grep for them), then ours.
    return RdbInput::Corrupt(0, "Wrong signature trying to load DB from file: expected \"REDIS\", not an RDB file");
  }
  int version = 0;
  for (int i = 5; i < 9; ++i) {
    if (header[i] < '0' || header[i] > '9') {
      return RdbInput::Corrupt(static_cast<uint64_t>(i), "RDB version is not 4 decimal digits");
    }
    version = version * 10 + (header[i] - '0');
  }
  if (version < 1 || version > kRdbMaxReadableVersion) {
    return RdbInput::Corrupt(5, "Can't handle RDB format version " + std::to_string(version) +
                                    " (readable: 1 to " +
                                    std::to_string(kRdbMaxReadableVersion) + ")");
  }
  stats_.version = version;
  return Status::OK();
}

Status RdbDecoder::Run() {
  RETURN_IF_ERROR(ReadHeader());
  int64_t expire_ms = -1;
  // A LRU/LFU/expire prefix seen, so the next item must be a key.
  bool key_prefix = false;
  uint64_t prefix_offset = 0;
  // Each pass consumes at least one byte, so the loop is bounded by the
  // source; it ends at the EOF opcode or on the first error.
  for (;;) {
    const uint64_t item_offset = in_->offset();
    uint8_t type;
    RETURN_IF_ERROR(in_->ReadByte(&type, "an opcode or key type"));
    if (key_prefix && type >= kRdbOpFunction2 && type != kRdbOpIdle && type != kRdbOpFreq &&
        type != kRdbOpExpireTimeMs && type != kRdbOpExpireTime) {
      return RdbInput::Corrupt(item_offset, "expected the key that the expire/LRU/LFU at offset " +
                                                std::to_string(prefix_offset) +
                                                " applies to, got opcode " + std::to_string(type));
    }
    switch (type) {
      case kRdbOpExpireTimeMs: {
        uint64_t ms;
        RETURN_IF_ERROR(in_->ReadLe(&ms, 8, "an 8-byte expire time"));
        expire_ms = static_cast<int64_t>(ms);
        // Real files never hold negative times; keep -1 meaning "none".
        if (expire_ms < 0) expire_ms = 0;
        break;
      }
      case kRdbOpExpireTime: {
        uint64_t s;
        RETURN_IF_ERROR(in_->ReadLe(&s, 4, "a 4-byte expire time"));
        expire_ms = static_cast<int64_t>(static_cast<int32_t>(s)) * 1000;
        if (expire_ms < 0) expire_ms = 0;
        break;
      }
      case kRdbOpFreq: {
        uint8_t lfu;
        RETURN_IF_ERROR(in_->ReadByte(&lfu, "the LFU counter"));
        lfu_freq_ = lfu;
        break;
      }
      case kRdbOpIdle: {
        uint64_t idle;
        RETURN_IF_ERROR(in_->ReadLength(&idle, "the LRU idle time"));
        // Any idle time past a century means "very old"; keep it in range.
        lru_idle_ = static_cast<int64_t>(std::min<uint64_t>(idle, uint64_t{1} << 40));
        break;
      }
      case kRdbOpEof:
        RETURN_IF_ERROR(ReadFooter());
        return handler_->OnEnd(stats_);
      case kRdbOpSelectDb: {
        RETURN_IF_ERROR(in_->ReadLength(&current_db_, "the SELECTDB number"));
        RETURN_IF_ERROR(handler_->OnSelectDb(current_db_));
        continue;
      }
      case kRdbOpResizeDb: {
        uint64_t db_size, expires_size;
        RETURN_IF_ERROR(in_->ReadLength(&db_size, "the RESIZEDB key count"));
        RETURN_IF_ERROR(in_->ReadLength(&expires_size, "the RESIZEDB expire count"));
        RETURN_IF_ERROR(handler_->OnResizeDb(db_size, expires_size));
        continue;
      }
      case kRdbOpAux: {
        std::string key, value;
        RETURN_IF_ERROR(in_->ReadString(&key, "an AUX field name"));
        RETURN_IF_ERROR(in_->ReadString(&value, "an AUX field value"));
        RETURN_IF_ERROR(handler_->OnAux(key, value));
        continue;
      }
      case kRdbOpFunction2: {
        std::string code;
        RETURN_IF_ERROR(in_->ReadString(&code, "a function library"));
        ++stats_.functions;
        RETURN_IF_ERROR(handler_->OnFunction(code));
        continue;
      }
      case kRdbOpSlotInfo: {
        if (stats_.version < 12 || key_prefix) {
          return RdbInput::Corrupt(item_offset, "unknown opcode or object type 244");
        }
        uint64_t slot, slot_size, expires_size;
        RETURN_IF_ERROR(in_->ReadLength(&slot, "the SLOT_INFO slot"));
        RETURN_IF_ERROR(in_->ReadLength(&slot_size, "the SLOT_INFO key count"));
        RETURN_IF_ERROR(in_->ReadLength(&expires_size, "the SLOT_INFO expire count"));
        continue;
      }
      case kRdbOpFunctionPreGa:
        // Redis 7.0 GA refuses this release-candidate format too.
        return Status::InvalidArgument(
            "rdb offset " + std::to_string(item_offset),
            "pre-GA function format (opcode 246, Redis 7.0 release candidates) is not supported");
      case kRdbOpModuleAux: {
        uint64_t id = 0;
        RETURN_IF_ERROR(in_->ReadLength(&id, "the module id"));
        return Status::InvalidArgument(
            "rdb offset " + std::to_string(item_offset),
            "module aux data of module '" + RdbModuleName(id) + "' cannot be loaded: "
            "modules are not supported");
      }
      default:
        RETURN_IF_ERROR(ReadEntry(type, expire_ms));
        expire_ms = -1;
        lru_idle_ = -1;
        lfu_freq_ = -1;
        key_prefix = false;
        RETURN_IF_ERROR(MaybeReportProgress());
        continue;
    }
    if (!key_prefix) prefix_offset = item_offset;
    key_prefix = true;
  }
}

namespace {

// Whether `type` is an object type some RDB version defines.
bool IsObjectType(uint8_t type) {
  return type <= kRdbTypeModule2 || (type >= kRdbTypeHashZipmap && type <= kRdbTypeHashListpackEx);
}

}  // namespace

Status RdbDecoder::ReadObject(RdbValue* value) {
  uint8_t type;
  RETURN_IF_ERROR(in_->ReadByte(&type, "an object type"));
  entry_offset_ = 0;
  if (!IsObjectType(type)) return RdbInput::Corrupt(0, "unknown object type " + std::to_string(type));
  RETURN_IF_ERROR(ReadValue(type, value));
  if (value->type != RdbValue::Type::kString && value->size() == 0) {
    return RdbInput::Corrupt(1, "empty " + std::string(RdbTypeName(type)));
  }
  return Status::OK();
}

Status RdbDecoder::ReadEntry(uint8_t type, int64_t expire_ms) {
  const uint64_t type_offset = entry_offset_ = in_->offset() - 1;
  if (!IsObjectType(type)) {
    return RdbInput::Corrupt(type_offset, "unknown opcode or object type " + std::to_string(type));
  }
  entry_.db = current_db_;
  entry_.expire_ms = expire_ms;
  entry_.lru_idle = lru_idle_;
  entry_.lfu_freq = lfu_freq_;
  RETURN_IF_ERROR(in_->ReadString(&entry_.key, "a key"));
  Status s = ReadValue(type, &entry_.value);
  if (!s.ok()) {
    // Name the key: operators look it up in the source dataset.
    std::string key = entry_.key.substr(0, 64);
    for (char& c : key) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
    }
    std::string msg = s.message() + " (key \"" + key + "\", " + std::string(RdbTypeName(type)) + ")";
    return s.IsInvalidArgument() ? Status::InvalidArgument(msg)
           : s.IsCorruption()    ? Status::Corruption(msg)
                                 : s;
  }
  if (entry_.value.type != RdbValue::Type::kString && entry_.value.type != RdbValue::Type::kStream &&
      entry_.value.size() == 0) {
    ++stats_.empty_keys_skipped;
    return Status::OK();
  }
  ++stats_.keys;
  return handler_->OnKey(entry_);
}

Status RdbDecoder::MaybeReportProgress() {
  if (in_->offset() - last_progress_ < options_.progress_interval_bytes) return Status::OK();
  last_progress_ = in_->offset();
  return handler_->OnProgress(last_progress_);
}

// | 0xFF | CRC64 of everything before, 8 bytes little-endian | (version >= 5)
Status RdbDecoder::ReadFooter() {
  stats_.computed_checksum = in_->Crc();
  if (stats_.version >= kRdbFirstChecksumVersion) {
    const uint64_t at = in_->offset();
    RETURN_IF_ERROR(in_->ReadLe(&stats_.stored_checksum, 8, "the 8-byte CRC64 footer"));
    if (stats_.stored_checksum == 0) {
      handler_->OnNote("RDB file was saved with checksum disabled: no check performed.");
    } else if (options_.verify_checksum) {
      if (stats_.stored_checksum != stats_.computed_checksum) {
        // Redis 7.0 logs "Wrong RDB checksum expected: (<computed>) got
        // (<stored>)" and reports "RDB CRC error"; tooling greps for both.
        char buf[128];
        std::snprintf(buf, sizeof(buf), "RDB CRC error: Wrong RDB checksum expected: (%llx) but got (%llx)",
                      static_cast<unsigned long long>(stats_.computed_checksum),
                      static_cast<unsigned long long>(stats_.stored_checksum));
        return RdbInput::Corrupt(at, buf);
      }
      stats_.checksum_verified = true;
    }
  }
  stats_.bytes = in_->offset();
  return Status::OK();
}

Status DecodeRdb(std::string_view data, RdbHandler* handler, RdbDecoderOptions options,
                 RdbLoadStats* stats) {
  auto file = NewMemorySequentialFile(data);
  options.source_size = data.size();
  RdbDecoder decoder(file.get(), handler, options);
  Status s = decoder.Run();
  if (stats != nullptr) *stats = decoder.stats();
  return s;
}

}  // namespace replikv::persistence
