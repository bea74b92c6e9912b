"""Two or more ways to run a model, timed in turns in one process: every `iterations` forwards the
next way runs, every other round in reverse order, so the host's load (shared, noisy machines)
falls on all of them alike. What make bench cannot resolve (it samples each runner in turn, minutes
apart) this does: worker_direct.py (two runtimes, one file) and o2_o3.py (one runtime, two files)."""
import statistics


def alternated(models: dict, inputs, rounds: int, iterations: int = 20, warmup: int = 5) -> dict:
    """{name: [ms per forward]} of each loaded model in `models` (model.benchmark samples)."""
    times = {name: [] for name in models}
    for round_ in range(rounds):
        for name in (list(models) if round_ % 2 == 0 else list(models)[::-1]):
            times[name] += models[name].benchmark(*inputs, iterations=iterations, warmup=warmup)
    return times


def print_ratio(times: dict, numerator: str, denominator: str) -> float:
    """Prints each way's median (p10) and the ratio of two medians; returns the ratio."""
    for name, samples in times.items():
        print(f"{name}: {statistics.median(samples):.3f} ms (p10 {sorted(samples)[len(samples) // 10]:.3f})")
    ratio = statistics.median(times[numerator]) / statistics.median(times[denominator])
    print(f"{numerator} / {denominator}: {ratio:.3f}", flush=True)
    return ratio
