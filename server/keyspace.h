// The keyspace: `databases` numbered Dbs of Entries, TTLs, lazy and active
// expiry.
//
// A Db owns its entries. Two tables point at the same Entry objects: `keys_`
// holds every key, `expires_` only the keys with a TTL (so the active expiry
// cycle samples keys that can expire instead of scanning everything). Any
// operation that reallocates an entry (adding a TTL slot, replacing a value)
// updates both.
//
// Keyspace adds the rules of Redis's lookupKey*: a logically expired key is
// deleted on access (and a DEL goes through the propagation funnel) on a
// primary; on a replica it only looks absent, since the primary's DEL will
// arrive in the stream. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "server/access_clock.h"
#include "server/ds/hash_table.h"
#include "server/types/entry.h"

namespace replikv {

class Propagator;
class Db;
class Keyspace;
class LazyFreer;

// How implicit deletions free their values (lazyfree-lazy-server-del and
// lazyfree-lazy-expire); commands pass their own choice for the rest.
struct LazyFreePolicy {
  bool server_del = false;  // overwritten values, RENAME's destination...
  bool expire = false;      // expired keys (and the DEL/UNLINK they propagate)
};

// Observes key changes for WATCH and for clients blocked on keys.
//
// A Db calls its listeners only while it has interest (Db::AddInterest: some
// client watches or waits on a key in it), so a keyspace nobody watches pays
// one branch per change. Every call comes after the change, except
// BeforeClear and BeforeSwap. Listeners must not change the keyspace from a
// callback. Loop thread only.
class KeyspaceListener {
 public:
  virtual ~KeyspaceListener() = default;
  // `key` was added, replaced, deleted, or its TTL changed. `stored` is the
  // entry now under `key` when it was added or replaced, else nullptr.
  virtual void KeyChanged(Db& db, std::string_view key, const Entry* stored) = 0;
  // A lookup for writing found `key`: the command may change its value in
  // place (INCR, APPEND, LPUSH on an existing list) without any Db call.
  virtual void KeyFoundForWrite(Db& db, std::string_view key) = 0;
  // Every key of `db` is about to be dropped (FLUSHDB, FLUSHALL, a reload).
  virtual void BeforeClear(Db& db) = 0;
  // The contents of `a` and `b` are about to be exchanged (SWAPDB), and have
  // just been.
  virtual void BeforeSwap(Db& a, Db& b) = 0;
  virtual void AfterSwap(Db& a, Db& b) = 0;
};

// Receives the events the keyspace fires itself for notify-keyspace-events:
// "new" (Db::Add), "expired" (a key deleted by expiry) and "keymiss" (a read
// lookup that found nothing). `type` is the event's kNotify* class
// (server/config/config.h). Implemented by the server (server/notify.cpp).
class KeyEventSink {
 public:
  virtual ~KeyEventSink() = default;
  virtual void KeyEvent(int type, std::string_view event, std::string_view key, int db) = 0;
};

struct EntryTraits {
  static std::string_view Key(const Entry* e) { return e->key(); }
  static uint64_t Hash(std::string_view key);
  // Seeds the hash once at start-up so clients can't aim collisions at us.
  static void SetSeed(uint64_t seed);
};

using KeyTable = HashTable<Entry, EntryTraits>;

class Db {
 public:
  // `listeners` (owned by the Keyspace) are told of changes while this db
  // has interest; `keyspace` frees big values lazily when asked.
  Db(int id, const std::vector<KeyspaceListener*>* listeners, Keyspace* keyspace)
      : id_(id), listeners_(listeners), keyspace_(keyspace) {}
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  int id() const { return id_; }
  size_t size() const { return keys_.size(); }
  size_t expires_size() const { return expires_.size(); }

  // The entry, expired or not; nullptr if absent.
  Entry* Find(std::string_view key) { return keys_.Find(key); }
  // Adds a new key. Precondition: absent.
  void Add(Entry* e);
  // Stores `e` in place of the existing entry with the same key and frees
  // the old one (off the loop when big and lazyfree-lazy-server-del is set).
  // The new entry's TTL is whatever it carries.
  void Overwrite(Entry* old_entry, Entry* e);
  // Removes and frees. Returns false if absent. The first form is an
  // implicit deletion (lazyfree-lazy-server-del decides); `lazy` frees a
  // big value on the job thread (UNLINK, lazyfree-lazy-user-del...).
  bool Delete(std::string_view key);
  bool Delete(std::string_view key, bool lazy);
  // Removes without freeing; the caller owns the result.
  Entry* Unlink(std::string_view key);
  // Tells listeners (WATCH) that `key`'s value changed in place, for a
  // command that found it with Keyspace::LookupWriteSource because it may
  // leave it unchanged (SMOVE's destination when it holds the member).
  void SignalModified(std::string_view key) {
    if (interest_ != 0) NotifyChanged(key, nullptr);
  }
  // Sets or clears (Entry::kNoExpire) the TTL. May reallocate the entry to
  // make room for it; returns the entry now stored.
  Entry* SetExpire(Entry* e, int64_t when_ms);
  // Frees everything; `lazy` hands the tables to the job thread
  // (FLUSHALL ASYNC), leaving this db empty at once.
  void Clear(bool lazy = false);
  // Exchanges contents with another Db (SWAPDB); ids stay.
  void Swap(Db& other);

  KeyTable& keys() { return keys_; }
  KeyTable& expires() { return expires_; }
  uint64_t& expire_cursor() { return expire_cursor_; }
  // Estimated average TTL of keys with one, for INFO keyspace avg_ttl.
  int64_t avg_ttl_ms = 0;

  // While a fork()ed child exists, tables hold off resizing.
  void SetResizeAllowed(bool allowed);
  // Cron: bounded rehash work and shrinking of sparse tables.
  void Maintain();

  // Listener interest: counted up by each (listener, reason) that needs to
  // hear about this db's changes, down when it no longer does. Interest
  // belongs to the db number, so SWAPDB does not move it.
  void AddInterest() { ++interest_; }
  void RemoveInterest() { --interest_; }
  bool has_interest() const { return interest_ != 0; }
  const std::vector<KeyspaceListener*>& listeners() const { return *listeners_; }

 private:
  void NotifyChanged(std::string_view key, const Entry* stored);
  void FreeAll();
  void FreeEntry(Entry* e, bool lazy);

  int id_;
  const std::vector<KeyspaceListener*>* listeners_;
  Keyspace* keyspace_;
  uint32_t interest_ = 0;
  KeyTable keys_;
  KeyTable expires_;
  uint64_t expire_cursor_ = 0;
};

struct KeyspaceStats {
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expired_keys = 0;
  uint64_t expired_stale_perc = 0;
  uint64_t expired_time_cap_reached_count = 0;
};

class Keyspace {
 public:
  Keyspace(int databases, Propagator* propagator);
  ~Keyspace();

  int databases() const { return static_cast<int>(dbs_.size()); }
  Db& db(int i) { return *dbs_[i]; }
  // Keys in every db.
  uint64_t KeyCount() {
    uint64_t n = 0;
    for (auto& d : dbs_) n += d->size();
    return n;
  }
  // Empties every db (Db::Clear; `lazy` frees the values on the job thread).
  void ClearAll(bool lazy = false) {
    for (auto& d : dbs_) d->Clear(lazy);
  }

  // The time commands see: refreshed once per command, as Redis's
  // server.mstime, so one command sees one "now".
  int64_t now_ms() const { return now_ms_; }
  void RefreshTime();
  void SetNowMs(int64_t ms) {
    now_ms_ = ms;
    access_clock::SetNowMs(ms);
  }
  void SetTimeForTest(int64_t ms) { SetNowMs(ms); }

  // Replicas never expire keys themselves (the primary's DEL arrives in
  // the stream); they only hide logically expired keys from reads.
  void set_is_replica(bool v) { is_replica_ = v; }

  // Lookups applying lazy expiry; `for_write` skips hit/miss stats and
  // LRU updates as Redis's lookupKeyWrite does. nullptr when absent or expired.
  Entry* LookupRead(int db, std::string_view key);
  // A found key is reported to listeners as possibly changing in place
  // (WATCH counts it as modified if the command then changes the dataset).
  Entry* LookupWrite(int db, std::string_view key);
  // For a key a write command only reads (the sources of SINTERSTORE,
  // ZUNIONSTORE...: Redis looks them up for writing but never marks them
  // modified): LookupWrite without that report.
  Entry* LookupWriteSource(int db, std::string_view key);
  // Lookup without any side effect except deleting an expired key (EXISTS
  // style checks use LookupRead; TYPE/OBJECT use this to not touch LRU).
  Entry* LookupNoTouch(int db, std::string_view key);

  bool IsExpired(const Entry* e) const {
    int64_t when = e->expire_ms();
    return !expiry_paused_ && when != Entry::kNoExpire && when <= now_ms_;
  }
  // While a stream of writes is replayed (an AOF loading at start-up; later
  // a replica applying its primary's stream) nothing expires: lookups see
  // every key as live, an expire time in the past is stored rather than
  // deleting the key, and eviction holds off, so the commands find the data
  // they found the first time (Redis: expireIfNeeded and checkAlreadyExpired
  // are off while loading). Keys whose time passed expire once it ends.
  void set_expiry_paused(bool v) { expiry_paused_ = v; }
  bool expiry_paused() const { return expiry_paused_; }
  // Whether a command setting the expire time `when_ms` must delete the key
  // at once instead (Redis's checkAlreadyExpired): never while paused, nor
  // on a replica, which waits for its primary's DEL.
  bool AlreadyExpired(int64_t when_ms) const { return when_ms <= now_ms_ && !expiry_paused_ && !is_replica_; }

  // While clients are paused (CLIENT PAUSE, FAILOVER) the dataset stays
  // static, as in Redis 7.0: an expired key reads as absent but is not
  // deleted (no DEL propagates) and active expiry does nothing, until
  // `until_ms` (absolute, inclusive) passes; -1 ends it at once. A write
  // lookup still deletes (the command is about to store the key; only an
  // EXEC that ran CLIENT PAUSE writes during a pause).
  void FreezeDeletesUntil(int64_t until_ms) { frozen_until_ms_ = until_ms; }
  bool deletes_frozen() const { return now_ms_ <= frozen_until_ms_; }

  // Deletes an expired key and propagates a DEL, counting it. Returns true
  // if it was deleted, and also while deletes are frozen (the key is
  // expired but stays; callers look elsewhere as if it had gone).
  bool ExpireIfNeeded(Db& db, Entry* e);

  // One active-expiry pass over every db, spending at most `budget_us`;
  // returns the number of keys expired. A primary only.
  size_t ActiveExpireCycle(int64_t budget_us);
  bool active_expire_enabled = true;

  // While a fork()ed child exists, tables hold off resizing and lookups
  // leave access clocks alone (as Redis): both would copy pages.
  void SetChildActive(bool active);
  KeyspaceStats& stats() { return stats_; }
  // Lazy freeing: the job thread (started on first use) and the directives
  // that govern implicit deletions (set from the configuration).
  LazyFreer& lazy_freer();
  // nullptr until the first lazy free.
  const LazyFreer* lazy_freer_if_started() const { return lazy_freer_.get(); }
  LazyFreePolicy& lazy_free_policy() { return lazy_free_policy_; }
  // Adds an observer of every db (see KeyspaceListener). Not owned; it must
  // outlive its registration.
  void AddListener(KeyspaceListener* l) { listeners_.push_back(l); }
  // Where "new", "expired" and "keymiss" go; `flags` (the live
  // notify-keyspace-events bits) decides whether an event is fired at all,
  // so a keyspace without notifications pays one test per event.
  void SetKeyEventSink(KeyEventSink* sink, const int* flags) {
    event_sink_ = sink;
    event_flags_ = flags;
  }
  void FireKeyEvent(int type, std::string_view event, std::string_view key, int db) {
    if (event_flags_ != nullptr && (*event_flags_ & type) != 0) event_sink_->KeyEvent(type, event, key, db);
  }
  uint32_t LruClock() const { return static_cast<uint32_t>(now_ms_ / 1000); }

 private:
  Entry* Lookup(int db, std::string_view key, bool touch, bool count_stats, bool for_write);
  // Deletes expired `e`, propagates the DEL, counts it.
  void DeleteExpired(Db& db, Entry* e);

  std::vector<KeyspaceListener*> listeners_;
  KeyEventSink* event_sink_ = nullptr;
  const int* event_flags_ = nullptr;
  // Declared before the dbs so that it outlives them (~Db frees entries).
  std::unique_ptr<LazyFreer> lazy_freer_;
  LazyFreePolicy lazy_free_policy_;
  std::vector<std::unique_ptr<Db>> dbs_;
  Propagator* propagator_;
  int64_t now_ms_ = 0;
  bool is_replica_ = false;
  bool expiry_paused_ = false;
  int64_t frozen_until_ms_ = -1;
  bool access_clock_updates_ = true;
  KeyspaceStats stats_;
};

// Milliseconds / microseconds since the epoch, from the real clock.
int64_t WallClockMs();
int64_t WallClockUs();
// Microseconds of a monotonic clock.
int64_t MonotonicUs();

}  // namespace replikv
