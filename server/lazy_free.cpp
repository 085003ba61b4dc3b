#include "server/lazy_free.h"

#include "server/keyspace.h"
#include "server/memory_stats.h"
#include "server/types/type_objects.h"

namespace replikv {

size_t FreeEffort(const Entry* e, size_t limit) {
  if (e->encoding() != Encoding::kPtr) return 1;
  return TypeFreeEffort(e->type(), e->object(), limit);
}

LazyFreer::LazyFreer() : thread_([this] { Run(); }) {}

LazyFreer::~LazyFreer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool LazyFreer::Free(Entry* e) {
  if (FreeEffort(e, kThreshold) <= kThreshold) {
    Entry::Free(e);
    return false;
  }
  Job job;
  job.entry = e;
  job.objects = 1;
  Submit(std::move(job));
  return true;
}

void LazyFreer::FreeTable(KeyTable& table, KeyTable& expires) {
  // The expires table points at the same entries: its buckets go with the
  // job, its entries are freed through `table`.
  Job job;
  job.objects = table.size();
  job.table = std::make_unique<KeyTable>(std::move(table));
  job.expires = std::make_unique<KeyTable>(std::move(expires));
  Submit(std::move(job));
}

void LazyFreer::Submit(Job job) {
  pending_.fetch_add(job.objects, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void LazyFreer::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return jobs_.empty() && !busy_; });
}

void LazyFreer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop_ with nothing left to free
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    const int64_t net_before = ThisThreadNetAllocated();
    if (job.entry != nullptr) Entry::Free(job.entry);
    if (job.expires) job.expires.reset();  // buckets only: Clear()s no entry
    if (job.table) {
      job.table->Clear([](Entry* e) { Entry::Free(e); });
      job.table.reset();
    }
    NoteOtherThreadNetAllocated(ThisThreadNetAllocated() - net_before);
    pending_.fetch_sub(job.objects, std::memory_order_relaxed);
    freed_.fetch_add(job.objects, std::memory_order_relaxed);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace replikv
