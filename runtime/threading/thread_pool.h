// A persistent pool of worker threads. Ops never start threads: they describe an iteration
// space and hand it to parallelize(), which splits it into chunks taken dynamically by the
// workers and the calling thread. With one thread (or in builds without threads) the same
// tasks run inline on the caller, with no synchronization at all.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace wt {

// A non-owning reference to a callable `void(size_t begin, size_t end)`; no allocation.
class RangeTask {
 public:
  template <typename F>
  RangeTask(const F& f)  // NOLINT: implicit by design, like std::function_ref
      : obj_(&f), call_([](const void* o, size_t b, size_t e) { (*static_cast<const F*>(o))(b, e); }) {}
  void operator()(size_t begin, size_t end) const { call_(obj_, begin, end); }

 private:
  const void* obj_;
  void (*call_)(const void*, size_t, size_t);
};

class ThreadPool {
 public:
  // Builds without thread support (no WT_ENABLE_THREADS) clamp the count to 1. Each thread gets
  // `scratch_bytes` of thread_scratch().
  ThreadPool(int num_threads, size_t scratch_bytes);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int thread_count() const { return static_cast<int>(workers_.size()) + 1; }
  static bool threads_supported();

  // Chunks (or tasks) a job aims for per thread: a core that runs slower for a while (a busy
  // sibling hyperthread, another tenant) takes fewer of them, so it delays the job less.
  static constexpr size_t kChunksPerThread = 8;

  // Runs task over [0, range) in chunks of at least `min_chunk` items; returns when all are done.
  // Thread i (the caller is 0) starts on the i-th of `thread_count()` contiguous parts of the range.
  void parallelize(size_t range, size_t min_chunk, RangeTask task);

  // Scratch private to the calling thread (the caller of parallelize() or one of the workers),
  // scratch_bytes() long and 64-byte aligned: where GEMM tasks pack their blocks. Allocated once.
  float* thread_scratch();
  size_t scratch_bytes() const { return scratch_bytes_; }

 private:
  struct Job;
  void worker_loop();
  static void run_chunks(Job& job);

  // A job's per-part counter, alone in its cache line (threads take chunks from their own part).
  struct alignas(64) PartCounter {
    std::atomic<size_t> value{0};
  };

  std::vector<std::thread> workers_;
  size_t scratch_bytes_;
  std::vector<std::vector<float>> scratch_;  // one per thread, index 0 = the calling thread
  std::unique_ptr<PartCounter[]> parts_;     // one per thread, reused by every job
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  // One caller at a time: a model runs its steps on one thread.
  std::atomic<Job*> open_job_{nullptr};  // null once every chunk of the job is taken
  std::atomic<size_t> generation_{0};    // counts the jobs published
  std::atomic<size_t> joined_workers_{0};
  std::atomic<size_t> sleeping_workers_{0};
  std::atomic<bool> caller_sleeping_{false};
  bool stopping_ = false;  // guarded by mutex_
};

}  // namespace wt
