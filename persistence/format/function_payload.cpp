#include "persistence/format/function_payload.h"

#include "persistence/format/dump_payload.h"
#include "persistence/format/file.h"
#include "persistence/format/rdb_encoder.h"
#include "persistence/format/rdb_format.h"
#include "persistence/format/rdb_input.h"

namespace replikv::persistence {

std::string EncodeFunctionPayload(const std::vector<std::string>& codes, bool compression) {
  std::string payload;
  StringSink sink(&payload);
  RdbEncoderOptions options;
  options.compression = compression;
  RdbEncoder enc(&sink, options);
  Status st;
  for (const std::string& code : codes) {
    if (st.ok()) st = enc.WriteFunction(code);
  }
  if (st.ok()) st = enc.Flush();
  st.IgnoreError();  // a string sink does not fail
  SealDumpPayload(&payload);
  return payload;
}

bool DecodeFunctionPayload(std::string_view payload, std::vector<std::string>* codes, std::string* err) {
  std::string_view object;
  if (!OpenDumpPayload(payload, &object)) {
    *err = "DUMP payload version or checksum are wrong";
    return false;
  }
  // Redis reads items until only the footer's 10 bytes are left.
  auto file = NewMemorySequentialFile(object);
  // An LZF string expands at most ~100 times (a 3-byte back-reference
  // copies up to 264 bytes): a larger claimed length is damage, refused
  // before anything is allocated.
  RdbInput in(file.get(), object.size(), object.size() * 128 + 64);
  while (in.offset() < object.size()) {
    uint8_t type = 0;
    if (!in.ReadByte(&type, "a function item type").ok()) {
      *err = "can not read data type";
      return false;
    }
    if (type == kRdbOpFunctionPreGa) {
      *err = "Pre-GA function format not supported";
      return false;
    }
    if (type != kRdbOpFunction2) {
      *err = "given type is not a function";
      return false;
    }
    std::string code;
    if (!in.ReadString(&code, "a function library").ok()) {
      *err = "Failed loading library payload";
      return false;
    }
    codes->push_back(std::move(code));
  }
  return true;
}

}  // namespace replikv::persistence
