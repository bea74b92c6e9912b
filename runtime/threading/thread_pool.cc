#include "threading/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace wt {
namespace {

// 0 on any thread that calls parallelize(); i + 1 on a pool's worker i.
thread_local size_t t_thread_index = 0;

constexpr size_t kScratchAlignFloats = 16;

// Ops arrive back to back, and a futex wake-up costs tens of microseconds (more through
// emscripten's pthreads): workers and the caller poll for a while before they sleep. Long enough
// to span the gap between two forwards of a loop in worker mode too (a round trip to the page):
// measured in Chromium on the bench's MLP at 2 threads, after a 100 us pause a forward took 50 us
// longer than back to back when the workers polled 65,536 times (then slept), none when they polled
// 4M times. Time-bound rather than counted, so an idle pool stops spinning after kSpin whatever a
// poll costs on the engine.
constexpr auto kSpin = std::chrono::microseconds(300);
constexpr int kPollsPerClockRead = 256;

// Whether done() became true within kSpin.
template <typename Done>
bool spin_until(Done done) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (;;) {
    for (int i = 0; i < kPollsPerClockRead; ++i) {
      if (done()) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
  }
}

}  // namespace

// The range is cut into one contiguous part per thread. A thread takes chunks from its own part
// first, then from the others: the balance stays dynamic (a slowed core takes fewer chunks), and
// thread i handles about the i-th fraction of every job, so an op finds much of what the op before
// it wrote in its own core's cache. Taken in any order (one counter for the whole range), half of
// what an NHWC depthwise convolution read had been written by the other core: at 2 threads in
// Chromium MobileNetV2's 14x14 layers ran slower than at 1.
struct ThreadPool::Job {
  RangeTask task;
  size_t range;
  size_t chunk;
  size_t parts;
  PartCounter* next;  // next[p]: where part p's next chunk starts

  size_t part_begin(size_t p) const { return range * p / parts; }
};

bool ThreadPool::threads_supported() {
#ifdef WT_ENABLE_THREADS
  return true;
#else
  return false;
#endif
}

ThreadPool::ThreadPool(int num_threads, size_t scratch_bytes) : scratch_bytes_(scratch_bytes) {
  const int workers = threads_supported() ? std::max(num_threads, 1) - 1 : 0;
  scratch_.resize(workers + 1, std::vector<float>(scratch_bytes / sizeof(float) + kScratchAlignFloats));
  parts_ = std::make_unique<PartCounter[]>(static_cast<size_t>(workers) + 1);
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
  for (size_t k = 0; k < job.parts; ++k) {
    const size_t part = (t_thread_index + k) % job.parts, end = job.part_begin(part + 1);
    for (;;) {
      const size_t begin = job.next[part].value.fetch_add(job.chunk, std::memory_order_relaxed);
      if (begin >= end) break;
      job.task(begin, std::min(begin + job.chunk, end));
    }
  }
}

// Joining and closing a job take no lock: a worker counts itself in (joined_workers_) before it
// reads open_job_, and the caller clears open_job_ before it reads the count. With sequentially
// consistent order, a worker that still sees the job is counted, and a late one sees no job and
// leaves without touching it. So the caller never waits for a worker that is descheduled or still
// waking up: it takes the chunks itself. The mutex is only for sleeping.
void ThreadPool::parallelize(size_t range, size_t min_chunk, RangeTask task) {
  if (range == 0) return;
  if (workers_.empty() || range <= min_chunk) {
    task(0, range);
    return;
  }
  const size_t threads = static_cast<size_t>(thread_count()), chunks = kChunksPerThread * threads;
  const size_t target = (range + chunks - 1) / chunks;
  Job job{task, range, std::max(std::max(min_chunk, size_t{1}), target), threads, parts_.get()};
  for (size_t p = 0; p < threads; ++p) job.next[p].value.store(job.part_begin(p), std::memory_order_relaxed);
  open_job_.store(&job);  // publishes the counters too (sequentially consistent)
  generation_.fetch_add(1);
  if (sleeping_workers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }  // a worker is either before its check or waiting
    wake_.notify_all();
  }
  run_chunks(job);
  open_job_.store(nullptr);
  auto joined_left = [this] { return joined_workers_.load() == 0; };
  if (spin_until(joined_left)) return;
  std::unique_lock<std::mutex> lock(mutex_);
  caller_sleeping_.store(true);
  done_.wait(lock, joined_left);
  caller_sleeping_.store(false);
}

void ThreadPool::worker_loop() {
  size_t seen = 0;
  auto published = [&] { return generation_.load() != seen; };
  for (;;) {
    if (!spin_until(published)) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_workers_.fetch_add(1);
      wake_.wait(lock, [&] { return stopping_ || published(); });
      sleeping_workers_.fetch_sub(1);
      if (stopping_) return;
    }
    seen = generation_.load();
    joined_workers_.fetch_add(1);
    if (Job* job = open_job_.load()) run_chunks(*job);
    if (joined_workers_.fetch_sub(1) == 1 && caller_sleeping_.load()) {
      std::lock_guard<std::mutex> lock(mutex_);  // the caller is in its wait, or past its check
      done_.notify_one();
    }
  }
}

}  // namespace wt
