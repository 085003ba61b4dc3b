// Writes the RESP commands that load one row of bench/memory.sh to stdout,
// for `redis-cli --pipe`. Not a test. bench/memory.sh builds it with
//
//   g++ -std=c++20 -O2 bench/gen_memory_data.cpp -o gen_memory_data
//   gen_memory_data KIND KEYS ELEMENTS ELEMENT_BYTES SEED
//
// KIND is string, list, hash, set, intset or zset; one command per key
// ("key:<i>" for i in [0, KEYS)):
//
//   string  SET key v                     v of about ELEMENT_BYTES
//   list    RPUSH key e1..eN              N = ELEMENTS
//   hash    HSET key f0 v0 .. f<N-1> v<N-1>
//   set     SADD key m1..mN               "<j>:" + letters, distinct
//   intset  SADD key i1..iN               j*1000000 + r: distinct, < 2^31
//   zset    ZADD key s1 m1 .. sN mN       integral scores in [0, 10^6)
//
// Lengths are drawn uniformly from [ELEMENT_BYTES * 3/4, ELEMENT_BYTES * 5/4]
// so that no server gains or loses by where one fixed length falls among the
// allocator's size classes. The output depends only on the arguments (each
// key's bytes come from a generator seeded by SEED and the key's index), so
// running it twice feeds both servers the same data.
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

// Bounds on the arguments: a mistyped argument must not make the generator
// write terabytes.
constexpr uint64_t kMaxKeys = 100'000'000;
constexpr uint64_t kMaxElements = 10'000'000;
constexpr uint64_t kMaxElementBytes = 1'000'000;
constexpr size_t kFlushBytes = 1 << 20;

// splitmix64: small, fast, and good enough for filler bytes.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for n far below 2^64.
  uint64_t Below(uint64_t n) { return Next() % n; }

 private:
  uint64_t state_;
};

class RespWriter {
 public:
  ~RespWriter() { Flush(); }
  void ArrayHeader(size_t n) { Header('*', n); }
  void Bulk(std::string_view s) {
    Header('$', s.size());
    buf_.append(s);
    buf_.append("\r\n");
  }
  void BulkNumber(uint64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
    Bulk(std::string_view(tmp, static_cast<size_t>(r.ptr - tmp)));
  }
  // Ends one command: writes out the buffer once it is big enough.
  void EndCommand() {
    if (buf_.size() >= kFlushBytes) Flush();
  }
  void Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) {
      std::perror("gen_memory_data: write");
      std::exit(1);
    }
    buf_.clear();
  }

 private:
  // "*3\r\n" or "$10\r\n"; snprintf here cost most of the run time.
  void Header(char c, size_t n) {
    char tmp[24];
    tmp[0] = c;
    auto r = std::to_chars(tmp + 1, tmp + sizeof(tmp) - 2, n);
    r.ptr[0] = '\r';
    r.ptr[1] = '\n';
    buf_.append(tmp, static_cast<size_t>(r.ptr + 2 - tmp));
  }
  std::string buf_;
};

// Appends `len` lowercase letters to *out: twelve letters from each 64-bit
// draw (5 bits each, folded onto 26 letters; the skew does not matter here).
void AppendLetters(Rng* rng, size_t len, std::string* out) {
  uint64_t bits = 0;
  int left = 0;
  for (size_t i = 0; i < len; i++) {
    if (left == 0) {
      bits = rng->Next();
      left = 12;
    }
    out->push_back(static_cast<char>('a' + (bits & 31) % 26));
    bits >>= 5;
    left--;
  }
}

// A length around `bytes` (see the file comment), at least 1.
size_t DrawLength(Rng* rng, uint64_t bytes) {
  uint64_t lo = bytes * 3 / 4;
  uint64_t hi = bytes * 5 / 4;
  uint64_t len = lo + rng->Below(hi - lo + 1);
  return len == 0 ? 1 : static_cast<size_t>(len);
}

bool ParseBounded(const char* s, uint64_t max, uint64_t* out) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || *end != '\0' || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t keys, elements, bytes, seed;
  if (argc != 6 || !ParseBounded(argv[2], kMaxKeys, &keys) ||
      !ParseBounded(argv[3], kMaxElements, &elements) ||
      !ParseBounded(argv[4], kMaxElementBytes, &bytes) || !ParseBounded(argv[5], UINT64_MAX, &seed)) {
    std::fprintf(stderr, "usage: %s string|list|hash|set|intset|zset|stream KEYS ELEMENTS ELEMENT_BYTES SEED\n",
                 argv[0]);
    return 2;
  }
  std::string_view kind = argv[1];
  const char* verb = kind == "string"   ? "SET"
                     : kind == "list"   ? "RPUSH"
                     : kind == "hash"   ? "HSET"
                     : kind == "set"    ? "SADD"
                     : kind == "intset" ? "SADD"
                     : kind == "zset"   ? "ZADD"
                     : kind == "stream" ? "XADD"
                                        : nullptr;
  if (verb == nullptr) {
    std::fprintf(stderr, "gen_memory_data: unknown kind %s\n", argv[1]);
    return 2;
  }
  // intset members are j*10^6 + r: past 2147 elements they would leave the
  // int32 range the row is meant to measure.
  if (kind == "intset" && elements > 2000) {
    std::fprintf(stderr, "gen_memory_data: intset rows take at most 2000 elements\n");
    return 2;
  }
  bool is_string = kind == "string";
  if (is_string) elements = 1;
  if (elements == 0) elements = 1;
  bool pairs = kind == "hash" || kind == "zset";

  RespWriter out;
  std::string key, field, elem;
  if (kind == "stream") {
    // One XADD per entry, explicit ids (1-0, 2-0...) so both servers hold
    // the same stream: fields "sensor" and "value", values around `bytes`.
    for (uint64_t i = 0; i < keys; i++) {
      Rng rng(seed * 0x100000001B3ull + i);
      key = "key:" + std::to_string(i);
      for (uint64_t j = 0; j < elements; j++) {
        out.ArrayHeader(7);
        out.Bulk(verb);
        out.Bulk(key);
        out.Bulk(std::to_string(j + 1) + "-0");
        out.Bulk("sensor");
        elem.clear();
        AppendLetters(&rng, DrawLength(&rng, bytes), &elem);
        out.Bulk(elem);
        out.Bulk("value");
        out.BulkNumber(rng.Below(1'000'000));
        out.EndCommand();
      }
    }
    out.Flush();
    return 0;
  }
  for (uint64_t i = 0; i < keys; i++) {
    Rng rng(seed * 0x100000001B3ull + i);
    key = "key:" + std::to_string(i);
    out.ArrayHeader(2 + (is_string ? 1 : elements * (pairs ? 2 : 1)));
    out.Bulk(verb);
    out.Bulk(key);
    for (uint64_t j = 0; j < elements; j++) {
      elem.clear();
      if (kind == "intset") {
        out.BulkNumber(j * 1'000'000 + rng.Below(1'000'000));
        continue;
      }
      if (kind == "hash") {
        field = "f" + std::to_string(j);
        out.Bulk(field);
      } else if (kind == "zset") {
        out.BulkNumber(rng.Below(1'000'000));
      }
      size_t len = DrawLength(&rng, bytes);
      if (kind == "set" || kind == "zset") {
        // "<j>:" makes members distinct, so each key holds exactly N.
        elem = std::to_string(j) + ":";
        if (elem.size() < len) AppendLetters(&rng, len - elem.size(), &elem);
      } else {
        AppendLetters(&rng, len, &elem);
      }
      out.Bulk(elem);
    }
    out.EndCommand();
  }
  out.Flush();
  return 0;
}
