"""Hostile input files never take the machine down and never print a traceback.

Each case runs the real command in a subprocess under a memory limit
(``resource.setrlimit``) and a time limit: it must end with a one-line
message and exit status 1 or 2, within the limits.
"""

from __future__ import annotations

import json
import os
import resource
import struct
import subprocess
import sys
import zlib

import pytest

from .conftest import ledger_entries, python_env

MEMORY_LIMIT = 3 * 1024**3  # address space: far above what anplab needs, far below what a hostile file asks
TIME_LIMIT_S = 120


def limited():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def anplab(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "anplab", *args], capture_output=True, text=True,
                          env=python_env(), preexec_fn=limited, timeout=TIME_LIMIT_S, cwd=cwd)


def one_line_refusal(result) -> bool:
    lines = result.stderr.strip().splitlines()
    return result.returncode in (1, 2) and "Traceback" not in result.stderr and len(lines) == 1


ALIAS_BOMB = "\n".join([
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    *[f"{chr(98 + k)}: &{chr(98 + k)} [{','.join(['*' + chr(97 + k)] * 9)}]" for k in range(8)],
    "instruments: *i",
])


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG file that claims to be width x height pixels (its pixels would be gigabytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND",
                                                                                                          b"")


SEQUENCE_CASES = {
    "dev-zero": "/dev/zero",
    "alias-bomb": ALIAS_BOMB,
    "deep-nesting": "steps: " + "[" * 5000 + "]" * 5000,
    "binary": bytes(range(256)) * 100,
    "huge": "# padding\n" * 300_000,
    "not-utf8": b"name: \xff\xfe\n",
}


@pytest.mark.parametrize("case", sorted(SEQUENCE_CASES))
def test_hostile_sequence_and_bench_files(tmp_path, campaign, case):
    content = SEQUENCE_CASES[case]
    if content == "/dev/zero":
        path = content
    else:
        path = tmp_path / "hostile.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    for command in (["queue", str(path), "--check"], ["run", "power-sweep", "--bench", str(path)]):
        result = anplab(*command)
        campaign("hostile input files").case(held=one_line_refusal(result),
                                             note=f"{case}: {result.stderr.strip()[:90]}")
        assert one_line_refusal(result), (command, result.returncode, result.stderr[-2000:])


@pytest.mark.parametrize("width,height", [(30000, 30000), (100000, 1), (5000, 5000)])
def test_a_huge_image_pattern_is_refused_before_it_is_decoded(tmp_path, campaign, width, height):
    pattern = tmp_path / "pattern.png"
    pattern.write_bytes(png_header(width, height))
    result = anplab("run", "photopatterning", "--set", f"pattern={pattern}", "--out", str(tmp_path / "runs"))
    campaign("hostile input files").case(held=one_line_refusal(result), note=f"{width}x{height} PNG")
    assert one_line_refusal(result) and "4096 x 4096" in result.stderr


# -- run folders damaged or forged, handed to anplab resume -------------------------------------------------
@pytest.fixture(scope="module")
def interrupted_folder(tmp_path_factory):
    """A real run folder of a killed run (SIGKILL after a few points), to damage in copies."""
    import shutil
    import time

    out = tmp_path_factory.mktemp("runs")
    process = subprocess.Popen([sys.executable, "-m", "anplab", "run", "power-sweep", "--out", str(out), "--quiet",
                                "--set", "points=20"], env=python_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if ledger_entries(out) >= 6:
            break
        time.sleep(0.05)
    process.kill()
    process.wait()
    (folder,) = [p for p in out.iterdir() if p.is_dir()]

    def copy(tmp_path):
        target = tmp_path / folder.name
        shutil.copytree(folder, target)
        (target / "run.lock").unlink(missing_ok=True)
        return target

    return copy


def _forge_ledger(folder, claim):
    lines = (folder / "points.log").read_text().splitlines()
    entry = json.loads(lines[-1])
    entry["data_bytes"] = claim
    lines[-1] = json.dumps(entry)
    (folder / "points.log").write_text("\n".join(lines) + "\n")


DAMAGE = {
    "ledger claims a terabyte": lambda f: _forge_ledger(f, 10**12),
    "ledger shrinks": lambda f: _forge_ledger(f, 5),
    "ledger garbage": lambda f: (f / "points.log").write_bytes(b"\x00\xff garbage\n{not json}\n{}\n"),
    "ledger of the wrong kind": lambda f: (f / "points.log").write_text('{"key": 3}\n["x"]\n'),
    "metadata truncated": lambda f: (f / "metadata.json").write_text('{"procedure": "power'),
    "metadata a list": lambda f: (f / "metadata.json").write_text("[1, 2, 3]"),
    "metadata names another class": lambda f: (f / "metadata.json").write_text(json.dumps(
        {**json.loads((f / "metadata.json").read_text()), "procedure_class": "os.system"})),
    "metadata nested deep": lambda f: (f / "metadata.json").write_text("[" * 100000 + "]" * 100000),
    "state garbage": lambda f: (f / "state.json").write_text("{{{{"),
    "data rows missing": lambda f: (f / "data.csv").write_text((f / "data.csv").read_text().split("\n")[0] + "\n"),
    "data not csv": lambda f: (f / "data.csv").write_bytes(os.urandom(4000)),
    "checkpoint garbage": lambda f: [p.write_bytes(os.urandom(500)) for p in f.glob("checkpoint-*.pkl")],
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_run_folder_is_refused_or_resumed_never_a_traceback(tmp_path, interrupted_folder, campaign, damage):
    folder = interrupted_folder(tmp_path)
    size_before = (folder / "data.csv").stat().st_size
    DAMAGE[damage](folder)
    result = anplab("resume", str(folder), "--quiet")
    resumed = result.returncode == 0
    held = (resumed or one_line_refusal(result)) and "Traceback" not in result.stderr
    held = held and (folder / "data.csv").stat().st_size < 10**9  # never extended by a forged ledger
    campaign("damaged run folders on resume").case(held=held, note=f"{damage}: "
                                                   f"{'resumed' if resumed else result.stderr.strip()[:80]}")
    assert held, result.stderr[-3000:]
    if damage == "ledger claims a terabyte":
        assert not resumed and "damaged" in result.stderr and (folder / "data.csv").stat().st_size == size_before
