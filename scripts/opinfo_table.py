"""make test-ops: every sample of every included OpInfo op through export and the native runtime;
writes docs/opinfo-results.json (make docs renders it into docs/OPERATORS.md) and prints the table.

  opinfo_table.py [--limit N] [--ops NAME,... [--update]] [--json PATH]
  (--update: run only those ops and replace their rows in the existing table)
"""
import argparse
import collections
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import opinfo  # noqa: E402

from wasm_torch import WASMRuntime  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=None, help="samples per op and dtype (default: all)")
    parser.add_argument("--ops", default="", help="only these OpInfo names, comma-separated")
    parser.add_argument("--update", action="store_true", help="with --ops: replace those ops' rows in --json")
    parser.add_argument("--json", default=str(ROOT / "docs" / "opinfo-results.json"))
    args = parser.parse_args()
    only = set(filter(None, args.ops.split(",")))
    started = time.perf_counter()
    results = collections.OrderedDict()
    left_out = collections.defaultdict(dict)  # reason -> {op: samples}
    if args.update:
        previous = json.loads(Path(args.json).read_text())
        results.update(previous["ops"])
        for reason, ops in previous.get("excluded_samples", {}).items():
            left_out[reason].update({op: n for op, n in ops.items() if op not in only})
    with WASMRuntime("native") as runtime:
        for op in opinfo.included_ops():
            name = opinfo.opinfo_name(op)
            if only and name not in only:
                continue
            rows = []
            for sample in opinfo.samples(op, limit=args.limit):
                reason = opinfo.sample_exclusion(sample)
                if reason:
                    left_out[reason][name] = left_out[reason].get(name, 0) + 1
                    continue
                outcome, detail = opinfo.run_sample(runtime, op, sample)
                rows.append({"sample": sample.id, "outcome": outcome, "detail": detail})
            results[name] = rows
            if not only or args.update:  # written after every op, so an interrupted run still leaves its table
                write(args, results, left_out)
            counts = collections.Counter(r["outcome"] for r in rows)
            print(f"{name}: {counts[opinfo.PASS]}/{len(rows)}"
                  + "".join(f"; {k} {v}" for k, v in counts.items() if k != opinfo.PASS), flush=True)
    total = collections.Counter(r["outcome"] for rows in results.values() for r in rows)
    n = sum(total.values())
    print(f"\n{total[opinfo.PASS]} of {n} samples pass ({100 * total[opinfo.PASS] / max(n, 1):.1f}%): {dict(total)}; "
          f"{time.perf_counter() - started:.0f} s")
    return 0


def write(args, results, left_out) -> None:
    included = set(opinfo.INCLUDED)  # an --update drops ops no longer included
    Path(args.json).write_text(json.dumps({
        "torch": __import__("torch").__version__, "limit": args.limit, "tolerance": opinfo.TOLERANCE,
        "ops": {k: v for k, v in results.items() if k in included}, "excluded": dict(opinfo.excluded_ops()),
        "excluded_samples": left_out}, indent=0) + "\n")


if __name__ == "__main__":
    sys.exit(main())
