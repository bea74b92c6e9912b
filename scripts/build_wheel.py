"""make wheel: the Python package as a wheel that works anywhere, outside this checkout. It carries
what the package runs besides Python: the native runtime (build/native/libwasm_torch.so: export's
verification, WASMRuntime("native")) and the JavaScript package with its wasm builds, the host
WASMRuntime("node" | "chromium") drives and playwright-core (Chromium), laid out under
wasm_torch/_bundle/ as in the checkout (wasm_torch/_paths.py finds it there). The wheel is tagged
for this platform, as the native library is. Needs `make build`; writes build/wheel/dist/*.whl.
"""
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "wheel" / "src"
DIST = ROOT / "build" / "wheel" / "dist"
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
# What the JavaScript host needs (js/tools/host.mjs and what it imports), and the builds it loads.
JS_FILES = ["package.json", "src", "tools"]
DIST_SUFFIXES = (".mjs", ".wasm", ".worker.js")

# setuptools tags a distribution with extension modules for its platform: the native library is one.
SETUP_PY = '''from setuptools import setup
from setuptools.dist import Distribution


class BinaryDistribution(Distribution):
    def has_ext_modules(self):
        return True


setup(distclass=BinaryDistribution)
'''


def main() -> int:
    native = ROOT / "build" / "native" / "libwasm_torch.so"
    # The builds, and dist/package.json: the pthread worker scripts are CommonJS in an ESM package.
    builds = sorted(p for p in (ROOT / "js" / "dist").glob("wasm-torch-*") if p.name.endswith(DIST_SUFFIXES))
    builds += [ROOT / "js" / "dist" / "package.json"]
    schema = ROOT / "python" / "wasm_torch" / "schema"
    missing = [str(p) for p in (native, schema, ROOT / "node_modules" / "playwright-core") if not p.exists()]
    if missing or not builds:
        print(f"build_wheel: missing {', '.join(missing) or 'js/dist/wasm-torch-*'}: run `make build` first", file=sys.stderr)
        return 1
    shutil.rmtree(STAGE, ignore_errors=True)
    shutil.copytree(ROOT / "python" / "wasm_torch", STAGE / "wasm_torch", ignore=IGNORE)
    bundle = STAGE / "wasm_torch" / "_bundle"
    (bundle / "js" / "dist").mkdir(parents=True)
    shutil.copy2(native, bundle / native.name)
    for name in JS_FILES:
        source = ROOT / "js" / name
        (shutil.copytree(source, bundle / "js" / name) if source.is_dir() else shutil.copy2(source, bundle / "js" / name))
    for build in builds:
        shutil.copy2(build, bundle / "js" / "dist" / build.name)
    shutil.copytree(ROOT / "node_modules" / "playwright-core", bundle / "node_modules" / "playwright-core")
    pyproject = (ROOT / "python" / "pyproject.toml").read_text()
    (STAGE / "pyproject.toml").write_text(pyproject + '\n[tool.setuptools.package-data]\nwasm_torch = ["_bundle/**/*", "schema/*"]\n')
    (STAGE / "setup.py").write_text(SETUP_PY)
    DIST.mkdir(parents=True, exist_ok=True)
    for old in DIST.glob("*.whl"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(DIST),
                    str(STAGE)], check=True)
    print(f"build_wheel: {next(DIST.glob('*.whl')).relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
