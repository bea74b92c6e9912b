#include "threading/thread_pool.h"

#include <algorithm>
#include <cstdint>

namespace wt {
namespace {

// 0 on any thread that calls parallelize(); i + 1 on a pool's worker i.
thread_local size_t t_thread_index = 0;

constexpr size_t kScratchAlignFloats = 16;

// Ops arrive back to back, and a futex wake-up costs tens of microseconds (more through
// emscripten's pthreads): workers and the caller poll this many times before they sleep.
constexpr int kSpinPolls = 1 << 16;

template <typename Done>
void spin_until(Done done) {
  for (int i = 0; i < kSpinPolls && !done(); ++i) {
  }
}

}  // namespace

struct ThreadPool::Job {
  RangeTask task;
  size_t range;
  size_t chunk;
  std::atomic<size_t> next{0};
};

bool ThreadPool::threads_supported() {
#ifdef WT_ENABLE_THREADS
  return true;
#else
  return false;
#endif
}

ThreadPool::ThreadPool(int num_threads) {
  const int workers = threads_supported() ? std::max(num_threads, 1) - 1 : 0;
  scratch_.resize(workers + 1, std::vector<float>(kScratchBytes / sizeof(float) + kScratchAlignFloats));
  for (int i = 0; i < workers; ++i) {
    workers_.emplace_back([this, i] {
      t_thread_index = static_cast<size_t>(i) + 1;
      worker_loop();
    });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

float* ThreadPool::thread_scratch() {
  float* base = scratch_[t_thread_index].data();
  const size_t misalignment = reinterpret_cast<uintptr_t>(base) % (kScratchAlignFloats * sizeof(float));
  return base + (misalignment ? kScratchAlignFloats - misalignment / sizeof(float) : 0);
}

void ThreadPool::run_chunks(Job& job) {
  for (;;) {
    const size_t begin = job.next.fetch_add(job.chunk, std::memory_order_relaxed);
    if (begin >= job.range) return;
    job.task(begin, std::min(begin + job.chunk, job.range));
  }
}

void ThreadPool::parallelize(size_t range, size_t min_chunk, RangeTask task) {
  if (range == 0) return;
  if (workers_.empty() || range <= min_chunk) {
    task(0, range);
    return;
  }
  // About four chunks per thread balances load without much contention on `next`.
  const size_t target = (range + 4 * thread_count() - 1) / (4 * thread_count());
  Job job{task, range, std::max(std::max(min_chunk, size_t{1}), target)};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &job;
    active_workers_.store(workers_.size(), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_.notify_all();
  run_chunks(job);
  auto all_done = [this] { return active_workers_.load(std::memory_order_acquire) == 0; };
  spin_until(all_done);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, all_done);
  job_ = nullptr;
}

void ThreadPool::worker_loop() {
  size_t seen = 0;
  for (;;) {
    Job* job;
    spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; });
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stopping_) return;
      seen = generation_.load(std::memory_order_relaxed);
      job = job_;
    }
    run_chunks(*job);
    if (active_workers_.fetch_sub(1, std::memory_order_acq_rel) != 1) continue;
    std::lock_guard<std::mutex> lock(mutex_);  // the caller may be between its check and its wait
    done_.notify_one();
  }
}

}  // namespace wt
