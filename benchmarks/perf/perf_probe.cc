// The deterministic performance gate's workloads (benchmarks/perf/perf_gate.py): each runs once
// under `valgrind --tool=callgrind --toggle-collect=wt_perf_collect`, which counts the
// instructions executed inside wt_perf_collect only, so set-up (allocation, data, model loading)
// is never counted. Counts depend on the code and the compiler, not on the machine's load.
//
//   wt_perf_probe list                       the kernel workloads' names
//   wt_perf_probe kernel NAME [--reference]  one kernel workload (--reference: the scalar kernel table)
//   wt_perf_probe model FILE RUNS            RUNS forwards of a model file on one thread
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "api/wasm_torch.h"
#include "gemm/gemm_driver.h"
#include "gemm/gemm_plan.h"
#include "kernels/kernel_table.h"

namespace {

using wt::KernelTable;

// The one function callgrind counts. noinline and C linkage: a stable symbol to toggle on.
extern "C" __attribute__((noinline)) void wt_perf_collect(const std::function<void()>& work) { work(); }

std::vector<float> values(size_t n, float scale = 1.f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.37f * static_cast<float>(i) + 0.11f);
  return v;
}

template <typename T>
std::vector<T> small_ints(size_t n, int range) {
  std::vector<T> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<T>(static_cast<int>((i * 37 + 11) % (2 * range + 1)) - range);
  return v;
}

// 128 calls of a dynamically quantized GEMM tile of rows x cols over K = 768.
void qd8_tiles(wt::Qd8GemmFn tile, size_t rows, size_t cols) {
  const size_t kp = 768;
  auto a = small_ints<int16_t>(rows * kp, 127);
  auto w = small_ints<int8_t>(cols * kp, 127);
  auto scale = values(cols, 0.01f), c = values(rows * cols);
  const wt::Qd8Output out{scale.data(), scale.data()};
  wt_perf_collect([&] {
    for (int i = 0; i < 128; ++i) tile(rows, cols, kp, a.data(), kp, w.data(), kp, c.data(), cols, out);
  });
}

struct KernelWorkload {
  const char* name;
  std::function<void(const KernelTable&)> run;  // builds its data, then calls wt_perf_collect once
};

std::vector<KernelWorkload> kernel_workloads() {
  return {
      {"f32_gemm_4x8", [](const KernelTable& t) {
         const size_t k = 512;
         auto a = values(wt::kGemmMr * k), b = values(k * wt::kGemmNr), c = values(wt::kGemmMr * wt::kGemmNr);
         wt_perf_collect([&] {
           for (int i = 0; i < 64; ++i) t.gemm_4x8(k, a.data(), k, b.data(), wt::kGemmNr, c.data(), wt::kGemmNr, {});
         });
       }},
      {"f32_gemm_1x32", [](const KernelTable& t) {
         const size_t k = 1024;
         auto a = values(k), b = values(k * 32), c = values(32);
         wt_perf_collect([&] {
           for (int i = 0; i < 32; ++i) t.gemm_1x32(k, a.data(), b.data(), wt::kGemmNr, 32, c.data(), {});
         });
       }},
      {"f32_igemm_4x8_group_pairs", [](const KernelTable& t) {  // ResNeXt's first stage: 3x3, groups of 4
         const size_t taps = 9, kc = 4, panel = taps * kc * wt::kGemmNr;
         auto image = values(taps * wt::kGemmMr * 2 * kc), b = values(2 * panel), c = values(wt::kGemmMr * wt::kGemmNr);
         std::vector<const float*> a(taps * wt::kGemmMr);
         for (size_t i = 0; i < a.size(); ++i) a[i] = image.data() + i * 2 * kc;
         wt_perf_collect([&] {
           for (int i = 0; i < 256; ++i) {
             t.igemm_4x8_group_pairs(wt::kGemmMr, taps, kc, a.data(), b.data(), panel, c.data(), wt::kGemmNr, {});
           }
         });
       }},
      {"f32_gemm_driver_192", [](const KernelTable& t) {  // plan, packing, blocking and tiles together
         const size_t m = 192, n = 192, k = 192;
         auto a = values(m * k), b = values(k * n), c = values(m * n);
         wt::ThreadPool pool(1, wt::kGemmThreadScratchBytes);
         wt::GemmShape shape{m, n, k};
         shape.b = wt::GemmBStorage::kRows;
         const wt::GemmPlan plan = wt::plan_gemm(shape, t, 1);
         std::vector<float> workspace(plan.workspace_bytes / sizeof(float) + 1);
         wt::GemmArgs args{&t, a.data(), k, c.data(), n};
         args.workspace = workspace.data();
         wt_perf_collect([&] { wt::run_gemm(plan, args, wt::DenseB(b.data(), 1, n), pool); });
       }},
      {"qd8_quantize_row", [](const KernelTable& t) {
         const size_t k = 768;
         auto x = values(k, 3.f);
         std::vector<int16_t> q(wt::qd8_padded_k(k));
         wt_perf_collect([&] {
           for (int i = 0; i < 256; ++i) t.qd8_quantize_row(k, q.size(), x.data(), q.data());
         });
       }},
      {"qd8_quantize_row_to_halves", [](const KernelTable& t) {
         const size_t k = 768;
         auto x = values(k, 3.f);
         std::vector<uint8_t> halves(2 * k);
         wt_perf_collect([&] {
           for (int i = 0; i < 256; ++i) t.qd8_quantize_row_to_halves(k, k, x.data(), halves.data());
         });
       }},
      {"qd8_gemm_2x4", [](const KernelTable& t) { qd8_tiles(t.qd8_gemm_2x4, wt::kQd8Mr, wt::kQd8Nr); }},
      {"qd8_gemm_1x8", [](const KernelTable& t) { qd8_tiles(t.qd8_gemm_1x8, 1, wt::kQd8RowNr); }},
      {"qu8_quantize", [](const KernelTable& t) {
         auto x = values(4096, 3.f);
         std::vector<int16_t> q(x.size());
         const wt::Qu8Params p{40.f, -100.f, 155.f};
         wt_perf_collect([&] {
           for (int i = 0; i < 64; ++i) t.qu8_quantize(x.size(), x.data(), p, q.data());
         });
       }},
      {"qd8_gemm_4x8c2", [](const KernelTable& t) {  // 128 calls of the panel tile over K = 768
         const size_t kp = 768;
         auto a = small_ints<int16_t>(wt::kQd8PanelMr * kp, 255);
         auto w = small_ints<int8_t>(wt::kQd8PanelNr * kp, 127);
         auto scale = values(wt::kQd8PanelNr, 0.01f), c = values(wt::kQd8PanelMr * wt::kQd8PanelNr);
         const wt::Qd8Output out{scale.data(), scale.data()};
         wt_perf_collect([&] {
           for (int i = 0; i < 128; ++i) {
             t.qd8_gemm_4x8c2(wt::kQd8PanelMr, wt::kQd8PanelNr, kp, a.data(), kp, w.data(), c.data(), wt::kQd8PanelNr,
                              out);
           }
         });
       }},
      {"f16_to_f32", [](const KernelTable& t) {
         auto h = small_ints<uint16_t>(1 << 15, 0x3bff);  // finite halves of both signs
         std::vector<float> y(h.size());
         wt_perf_collect([&] { t.f16_to_f32(h.size(), h.data(), y.data()); });
       }},
      {"f32_softmax", [](const KernelTable& t) {
         auto x = values(128 * 128, 4.f);
         std::vector<float> y(x.size());
         wt_perf_collect([&] {
           for (size_t r = 0; r < 128; ++r) t.softmax(128, 1, x.data() + r * 128, y.data() + r * 128);
         });
       }},
      {"f32_layer_norm", [](const KernelTable& t) {
         const size_t rows = 64, cols = 384;
         auto x = values(rows * cols), w = values(cols), b = values(cols);
         std::vector<float> y(x.size());
         wt_perf_collect([&] { t.layer_norm(cols, 1e-5f, x.data(), w.data(), b.data(), y.data(), 0, rows); });
       }},
      {"f32_vscaleshift_channels", [](const KernelTable& t) {  // DenseNet's batch norm and ReLU, channels last
         const size_t pixels = 196, channels = 128;
         auto x = values(pixels * channels), scale = values(channels), shift = values(channels);
         std::vector<float> y(x.size());
         wt_perf_collect([&] {
           t.vscaleshift_channels(pixels, channels, x.data(), scale.data(), shift.data(), {0.f, 6.f}, y.data());
         });
       }},
      {"f32_vunary_transcendental", [](const KernelTable& t) {  // the exp-based and the rational (erf, tanh) forms
         auto x = values(1 << 14, 5.f);
         std::vector<float> y(x.size());
         wt_perf_collect([&] {
           for (wt::F32VUnary f : {wt::F32VUnary::gelu_erf, wt::F32VUnary::gelu_tanh, wt::F32VUnary::silu,
                                   wt::F32VUnary::sigmoid, wt::F32VUnary::exp}) {
             t.unary(f)(x.size(), x.data(), y.data(), {});
           }
         });
       }},
      {"f32_f16w_gemm_1x32", [](const KernelTable& t) {  // f32_gemm_1x32's stream over half weights
         const size_t k = 1024;
         auto a = values(k, wt::kHalfRebias), c = values(32);
         std::vector<uint16_t> b(k * 32);  // normal halves below 1 of both signs
         for (size_t i = 0; i < b.size(); ++i) {
           b[i] = static_cast<uint16_t>(0x0400 + (i * 37 + 11) % 0x3800 + (i % 2) * 0x8000);
         }
         wt_perf_collect([&] {
           for (int i = 0; i < 32; ++i) t.f16w_gemm_1x32(k, a.data(), b.data(), 1.f, c.data(), {});
         });
       }},
  };
}

int run_model(const char* path, int runs) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (file.empty()) {
    std::fprintf(stderr, "cannot read %s\n", path);
    return 2;
  }
  wt_runtime* runtime = wt_runtime_create(1);
  void* bytes = wt_alloc(file.size());
  std::memcpy(bytes, file.data(), file.size());
  wt_model* model = wt_model_load(runtime, bytes, file.size());
  if (model == nullptr) {
    std::fprintf(stderr, "%s\n", wt_last_error());
    return 2;
  }
  for (int i = 0; i < wt_model_num_inputs(model); ++i) {
    if (wt_model_tensor_dtype(model, 0, i) != 0) {
      std::fprintf(stderr, "input %d is not float32: the probe feeds float inputs only\n", i);
      return 2;
    }
    const size_t bytes_in = wt_model_tensor_bytes(model, 0, i);
    const auto x = values(bytes_in / sizeof(float));
    wt_model_set_input(model, i, x.data(), bytes_in, 0, wt_model_tensor_rank(model, 0, i),
                       wt_model_tensor_shape(model, 0, i));
  }
  wt_model_forward(model);  // the first forward plans nothing more, but touches every page once
  int ok = 1;
  wt_perf_collect([&] {
    for (int i = 0; i < runs; ++i) ok &= wt_model_forward(model);
  });
  if (!ok) std::fprintf(stderr, "%s\n", wt_last_error());
  wt_model_destroy(model);
  wt_runtime_destroy(runtime);
  return ok ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "list") {
    for (const KernelWorkload& w : kernel_workloads()) std::printf("%s\n", w.name);
    return 0;
  }
  if (mode == "kernel" && argc >= 3) {
    const bool reference = argc > 3 && std::strcmp(argv[3], "--reference") == 0;
    for (const KernelWorkload& w : kernel_workloads()) {
      if (w.name == std::string(argv[2])) {
        w.run(reference ? wt::reference_kernels() : wt::build_kernels());
        return 0;
      }
    }
    std::fprintf(stderr, "no kernel workload %s\n", argv[2]);
    return 2;
  }
  if (mode == "model" && argc == 4) return run_model(argv[2], std::atoi(argv[3]));
  std::fprintf(stderr, "usage: wt_perf_probe list | kernel NAME [--reference] | model FILE RUNS\n");
  return 2;
}
