#include "server/keyspace.h"

#include <chrono>
#include <functional>
#include <utility>

#include "server/config/config.h"
#include "server/lazy_free.h"
#include "server/propagate.h"

namespace replikv {
namespace {
uint64_t g_hash_seed = 0x9e3779b97f4a7c15ULL;
}  // namespace

uint64_t EntryTraits::Hash(std::string_view key) {
  return std::_Hash_bytes(key.data(), key.size(), static_cast<size_t>(g_hash_seed));
}

void EntryTraits::SetSeed(uint64_t seed) { g_hash_seed = seed; }

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t WallClockUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

Db::~Db() { FreeAll(); }

void Db::NotifyChanged(std::string_view key, const Entry* stored) {
  for (KeyspaceListener* l : *listeners_) l->KeyChanged(*this, key, stored);
}

void Db::Add(Entry* e) {
  keys_.Insert(e);
  if (e->has_expire()) expires_.Insert(e);
  if (interest_ != 0) NotifyChanged(e->key(), e);
  keyspace_->FireKeyEvent(kNotifyNew, "new", e->key(), id_);
}

void Db::Overwrite(Entry* old_entry, Entry* e) {
  // Redis 7.0 (dbSetValue): under LFU a new value inherits the key's access
  // counter; under LRU it is as fresh as its creation.
  if (access_clock::lfu()) e->set_lru(old_entry->lru());
  if (old_entry->has_expire()) expires_.Erase(old_entry->key());
  keys_.Replace(old_entry, e);
  if (e->has_expire()) expires_.Insert(e);
  FreeEntry(old_entry, keyspace_->lazy_free_policy().server_del);
  if (interest_ != 0) NotifyChanged(e->key(), e);
}

bool Db::Delete(std::string_view key) { return Delete(key, keyspace_->lazy_free_policy().server_del); }

bool Db::Delete(std::string_view key, bool lazy) {
  Entry* e = Unlink(key);
  if (e == nullptr) return false;
  FreeEntry(e, lazy);
  return true;
}

void Db::FreeEntry(Entry* e, bool lazy) {
  if (lazy) {
    keyspace_->lazy_freer().Free(e);
  } else {
    Entry::Free(e);
  }
}

Entry* Db::Unlink(std::string_view key) {
  Entry* e = keys_.Erase(key);
  if (e != nullptr && e->has_expire()) expires_.Erase(key);
  // `key` may point into `e`, which the caller frees only after this returns.
  if (e != nullptr && interest_ != 0) NotifyChanged(key, nullptr);
  return e;
}

Entry* Db::SetExpire(Entry* e, int64_t when_ms) {
  bool had = e->has_expire();
  if (when_ms == Entry::kNoExpire) {
    if (had) {
      expires_.Erase(e->key());
      e->set_expire_ms(Entry::kNoExpire);
      if (interest_ != 0) NotifyChanged(e->key(), nullptr);
    }
    return e;
  }
  if (!e->has_expire_slot()) {
    Entry* grown = Entry::Clone(e, e->key(), /*expire_slot=*/true);
    keys_.Replace(e, grown);
    Entry::Free(e);
    e = grown;
  }
  e->set_expire_ms(when_ms);
  if (!had) expires_.Insert(e);
  if (interest_ != 0) NotifyChanged(e->key(), nullptr);
  return e;
}

void Db::Clear(bool lazy) {
  if (interest_ != 0) {
    for (KeyspaceListener* l : *listeners_) l->BeforeClear(*this);
  }
  if (lazy && keys_.size() != 0) {
    keyspace_->lazy_freer().FreeTable(keys_, expires_);
    expire_cursor_ = 0;
    avg_ttl_ms = 0;
    return;
  }
  FreeAll();
}

void Db::FreeAll() {
  expires_.Clear([](Entry*) {});
  keys_.Clear([](Entry* e) { Entry::Free(e); });
  expire_cursor_ = 0;
  avg_ttl_ms = 0;
}

void Db::Swap(Db& other) {
  const bool notify = interest_ != 0 || other.interest_ != 0;
  if (notify) {
    for (KeyspaceListener* l : *listeners_) l->BeforeSwap(*this, other);
  }
  std::swap(keys_, other.keys_);
  std::swap(expires_, other.expires_);
  std::swap(expire_cursor_, other.expire_cursor_);
  std::swap(avg_ttl_ms, other.avg_ttl_ms);
  if (notify) {
    for (KeyspaceListener* l : *listeners_) l->AfterSwap(*this, other);
  }
}

void Db::SetResizeAllowed(bool allowed) {
  keys_.SetResizeAllowed(allowed);
  expires_.SetResizeAllowed(allowed);
}

void Db::Maintain() {
  keys_.ShrinkIfNeeded();
  expires_.ShrinkIfNeeded();
  if (keys_.IsRehashing()) keys_.RehashStep(128);
  if (expires_.IsRehashing()) expires_.RehashStep(128);
}

Keyspace::Keyspace(int databases, Propagator* propagator) : propagator_(propagator) {
  dbs_.reserve(databases);
  for (int i = 0; i < databases; ++i) dbs_.push_back(std::make_unique<Db>(i, &listeners_, this));
  RefreshTime();
}

Keyspace::~Keyspace() {
  // The dbs free their entries first, then the job thread finishes its queue.
  dbs_.clear();
}

LazyFreer& Keyspace::lazy_freer() {
  if (lazy_freer_ == nullptr) lazy_freer_ = std::make_unique<LazyFreer>();
  return *lazy_freer_;
}

void Keyspace::RefreshTime() { SetNowMs(WallClockMs()); }

bool Keyspace::ExpireIfNeeded(Db& db, Entry* e) {
  if (!IsExpired(e)) return false;
  if (is_replica_) return false;
  if (deletes_frozen()) return true;
  DeleteExpired(db, e);
  return true;
}

void Keyspace::DeleteExpired(Db& db, Entry* e) {
  std::string key(e->key());
  const bool lazy = lazy_free_policy_.expire;
  db.Delete(key, lazy);
  ++stats_.expired_keys;
  // Redis 7.0 propagates an expired key as DEL (UNLINK with lazyfree-lazy-expire).
  propagator_->Add(db.id(), {lazy ? "UNLINK" : "DEL", key});
  FireKeyEvent(kNotifyExpired, "expired", key, db.id());
}

Entry* Keyspace::Lookup(int dbi, std::string_view key, bool touch, bool count_stats, bool for_write) {
  Db& db = *dbs_[dbi];
  Entry* e = db.Find(key);
  if (e != nullptr && IsExpired(e)) {
    // While deletes are frozen a read leaves the key in place; a write
    // lookup still deletes it, since its caller adds the key anew.
    if (!is_replica_ && (for_write || !deletes_frozen())) DeleteExpired(db, e);
    e = nullptr;
  }
  if (count_stats) {
    if (e != nullptr) {
      ++stats_.keyspace_hits;
    } else {
      ++stats_.keyspace_misses;
      FireKeyEvent(kNotifyKeyMiss, "keymiss", key, dbi);
    }
  }
  if (e != nullptr && touch && access_clock_updates_) access_clock::Touch(e);
  if (e != nullptr && for_write && db.has_interest()) {
    for (KeyspaceListener* l : listeners_) l->KeyFoundForWrite(db, key);
  }
  return e;
}

Entry* Keyspace::LookupRead(int db, std::string_view key) { return Lookup(db, key, true, true, false); }
Entry* Keyspace::LookupWrite(int db, std::string_view key) { return Lookup(db, key, true, false, true); }
Entry* Keyspace::LookupWriteSource(int db, std::string_view key) { return Lookup(db, key, true, false, false); }
Entry* Keyspace::LookupNoTouch(int db, std::string_view key) { return Lookup(db, key, false, false, false); }

size_t Keyspace::ActiveExpireCycle(int64_t budget_us) {
  // Nothing expires actively during a client pause (Redis 7.0).
  if (is_replica_ || !active_expire_enabled || deletes_frozen()) return 0;
  // Like Redis's slow cycle: sample keys with a TTL in each db, delete the
  // expired ones, and go on with a db while more than 10% of a sample was
  // expired, until the time budget is spent.
  constexpr size_t kSample = 20;
  const int64_t deadline = MonotonicUs() + budget_us;
  size_t total = 0;
  std::vector<std::string> expired;
  for (auto& dbp : dbs_) {
    Db& db = *dbp;
    for (int round = 0; round < 1000 && db.expires_size() > 0; ++round) {
      size_t sampled = 0;
      int64_t ttl_sum = 0;
      size_t ttl_n = 0;
      expired.clear();
      uint64_t& cursor = db.expire_cursor();
      // Bounded: a cursor walk visits each bucket once per round of the table.
      for (int steps = 0; steps < 64 && sampled < kSample; ++steps) {
        cursor = db.expires().Scan(cursor, [&](Entry* e) {
          ++sampled;
          if (IsExpired(e)) {
            expired.emplace_back(e->key());
          } else {
            ttl_sum += e->expire_ms() - now_ms_;
            ++ttl_n;
          }
        });
        if (cursor == 0) break;
      }
      for (const std::string& k : expired) {
        Entry* e = db.Find(k);
        if (e != nullptr) ExpireIfNeeded(db, e);
        // Each expiry is its own change in the stream, as in Redis.
        propagator_->EndCall();
      }
      total += expired.size();
      if (ttl_n > 0) {
        int64_t avg = ttl_sum / static_cast<int64_t>(ttl_n);
        db.avg_ttl_ms = db.avg_ttl_ms == 0 ? avg : (db.avg_ttl_ms / 50) * 49 + avg / 50;
      }
      if (MonotonicUs() > deadline) {
        ++stats_.expired_time_cap_reached_count;
        return total;
      }
      if (sampled == 0 || expired.size() * 10 <= sampled) break;
    }
  }
  return total;
}

void Keyspace::SetChildActive(bool active) {
  for (auto& db : dbs_) db->SetResizeAllowed(!active);
  access_clock_updates_ = !active;
}

}  // namespace replikv
