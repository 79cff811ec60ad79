"""Checkpoints of the simulated bench: the same future after a restore, and nothing but the simulation unpickled."""

import pickle
import zlib

import numpy as np
import pytest

from anplab.procedures.base import open_bench
from anplab.simulated import checkpoint


def busy(bench):
    laser = bench.laser()
    laser.set_power(0.7)
    laser.emission_on()
    bench.scanner().move_to(0.5, -0.3)
    counts = [bench.photon_counter("spad").count(0.05) for _ in range(4)]
    return counts + [bench.power_meter().power_w, bench.temperature_controller().temperature_k, bench.clock.now()]


@pytest.mark.parametrize("name", ["simulated", "simulated-film"])
def test_a_restored_bench_lives_the_same_future(name):
    bench = open_bench(name)
    try:
        busy(bench)
        blob = bench.checkpoint()
        first = busy(bench)
        bench.restore(blob)
        again = busy(bench)
        assert np.array_equal(first, again)
        other = open_bench(name)  # a new process's bench, built from the same file: the same future too
        try:
            other.restore(blob)
            assert np.array_equal(busy(other), first)
        finally:
            other.close()
    finally:
        bench.close()


def test_an_altered_checkpoint_is_refused():
    bench = open_bench("simulated")
    try:
        blob = bench.checkpoint()
        with pytest.raises(checkpoint.CheckpointError, match="not made on this machine"):
            bench.restore(blob[:100] + bytes([blob[100] ^ 1]) + blob[101:])
    finally:
        bench.close()


class _Evil:
    def __reduce__(self):
        import os
        return (os.system, ("echo pwned",))


def test_even_a_sealed_pickle_names_only_the_simulation():
    bench = open_bench("simulated")
    try:
        forged = checkpoint._seal(zlib.compress(pickle.dumps((1, [], {"world": {"x": _Evil()}}))))
        with pytest.raises(checkpoint.CheckpointError, match="may not name posix.system|may not name os.system"):
            bench.restore(forged)
    finally:
        bench.close()
