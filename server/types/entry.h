// Entry: one key and its value in ONE heap allocation.
//
//   | header (16B) | expire ms (8B, only if kHasExpireSlot) | key bytes | value area |
//
//   header: type:4 enc:4 | flags | pad(2) | lru (4B) | key_len (4B) | val_len (4B)
//
// The value area holds, by encoding: kInt the int64 itself; kEmbedded the
// string bytes (at least 8 bytes are reserved so the area can later hold a
// pointer); kHeap a pointer to a HeapString (strings that were modified in
// place: APPEND, SETRANGE); kPtr a pointer to a type object (lists, sets...).
// Multi-byte fields in the value area are unaligned: read them with memcpy.
//
// Redis 7.0 spends a dictEntry (24B), a robj (16B) and a separate key sds per
// key, plus an entry in the expires dict for keys with a TTL; this layout
// spends 16 bytes of header (+8 with a TTL). Entries are owned by the Db that
// holds them; whoever unlinks one frees it with Entry::Free.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace replikv {

// The numbers are Redis's OBJ_* values: DEBUG DIGEST mixes them in.
enum class ObjType : uint8_t { kString = 0, kList = 1, kSet = 2, kZset = 3, kHash = 4, kStream = 6 };

enum class Encoding : uint8_t { kInt, kEmbedded, kHeap, kPtr };

// A growable string for values modified in place (greedy growth as sds).
struct HeapString {
  size_t len;
  size_t cap;
  char data[];
  static HeapString* New(std::string_view init, size_t cap);
  std::string_view view() const { return {data, len}; }
};

class Entry {
 public:
  static constexpr int64_t kNoExpire = -1;
  // Redis stores up to 44 bytes as "embstr"; OBJECT ENCODING reports by
  // this threshold even though replikv embeds longer values too.
  static constexpr size_t kEmbstrReportLimit = 44;

  // A string value; canonical decimal integers are stored as integers (as
  // Redis's int encoding) unless `allow_int` is false (Redis keeps e.g.
  // INCRBYFLOAT results as strings). `expire_slot` reserves room for a TTL.
  static Entry* NewString(std::string_view key, std::string_view value, bool expire_slot,
                          bool allow_int = true);
  static Entry* NewInt(std::string_view key, int64_t value, bool expire_slot);
  // A non-string value: the entry takes ownership of `object`.
  static Entry* NewObject(std::string_view key, ObjType type, void* object, bool expire_slot);
  // Frees the entry and its value.
  static void Free(Entry* e);
  // A copy of `e` under another key, or with an expire slot; `e` is untouched.
  static Entry* Clone(const Entry* e, std::string_view new_key, bool expire_slot);

  std::string_view key() const { return {key_ptr(), key_len_}; }
  ObjType type() const { return static_cast<ObjType>(type_); }
  Encoding encoding() const { return static_cast<Encoding>(enc_); }

  bool has_expire_slot() const { return flags_ & kHasExpireSlot; }
  int64_t expire_ms() const {
    if (!has_expire_slot()) return kNoExpire;
    int64_t v;
    std::memcpy(&v, base() + sizeof(Entry), 8);
    return v;
  }
  // Precondition: has_expire_slot().
  void set_expire_ms(int64_t when) { std::memcpy(base() + sizeof(Entry), &when, 8); }
  bool has_expire() const { return expire_ms() != kNoExpire; }

  uint32_t lru() const { return lru_; }
  void set_lru(uint32_t v) { lru_ = v; }

  // Strings.
  bool is_int() const { return encoding() == Encoding::kInt; }
  int64_t int_value() const {
    int64_t v;
    std::memcpy(&v, value_ptr(), 8);
    return v;
  }
  void set_int_value(int64_t v) { std::memcpy(value_ptr(), &v, 8); }
  // The string value; an int is formatted into `scratch` (at least 21 bytes).
  std::string_view StringValue(char* scratch) const;
  // Converts to the kHeap encoding (if needed) with room for `min_cap` bytes
  // and returns the HeapString to modify in place.
  HeapString* MutableString(size_t min_cap);
  // Redis's OBJECT ENCODING name.
  const char* EncodingName() const;

  // Non-string types.
  void* object() const {
    void* p;
    std::memcpy(&p, value_ptr(), sizeof(p));
    return p;
  }
  // Stores a new object pointer (a type moved or converted its value).
  // Precondition: encoding() == kPtr.
  void set_object(void* object) { std::memcpy(value_ptr(), &object, sizeof(object)); }

  // Bytes held by this entry and its value (for MEMORY USAGE and stats).
  size_t AllocatedBytes() const;

 private:
  enum : uint8_t { kHasExpireSlot = 1 };
  Entry() = default;
  static Entry* Allocate(std::string_view key, size_t value_area, bool expire_slot);
  char* base() { return reinterpret_cast<char*>(this); }
  const char* base() const { return reinterpret_cast<const char*>(this); }
  size_t expire_area() const { return has_expire_slot() ? 8 : 0; }
  const char* key_ptr() const { return base() + sizeof(Entry) + expire_area(); }
  char* value_ptr() { return base() + sizeof(Entry) + expire_area() + key_len_; }
  const char* value_ptr() const { return base() + sizeof(Entry) + expire_area() + key_len_; }
  HeapString* heap() const {
    HeapString* p;
    std::memcpy(&p, value_ptr(), sizeof(p));
    return p;
  }

  uint8_t type_ : 4;
  uint8_t enc_ : 4;
  uint8_t flags_;
  uint16_t pad_;
  uint32_t lru_;
  uint32_t key_len_;
  uint32_t val_len_;  // kEmbedded: string length
};
static_assert(sizeof(Entry) == 16);

// Parses a canonical decimal int64 ("-12", not "012", "+1", " 1" or "-0"),
// the test Redis uses to decide whether a string is stored as an integer.
bool ParseCanonicalInt64(std::string_view s, int64_t* out);

// Redis's OBJECT ENCODING name for the value.
const char* ObjectEncodingName(const Entry* e);

// Frees a non-string value object; each type family provides its part.
void FreeTypeObject(ObjType type, void* object);
// Deep-copies a non-string value (COPY, RENAME across a clone).
void* CloneTypeObject(ObjType type, const void* object);

}  // namespace replikv
