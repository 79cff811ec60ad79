"""`anplab serve-sim` as a user runs it: a subprocess printing resource strings any VISA client can use."""

import signal
import subprocess
import sys

from anplab.drivers.ipg_ylr import IPGYLR


def test_serve_sim_prints_resources_and_answers_pyvisa():
    process = subprocess.Popen([sys.executable, "-m", "anplab", "serve-sim"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        lines = {}
        for line in process.stdout:
            if line.startswith("serving"):
                break
            name, *_, resource = line.split()
            lines[name] = resource
        resource = lines["pump_1064"]
        assert resource.startswith("TCPIP::127.0.0.1::") and resource.endswith("::SOCKET")
        laser = IPGYLR(resource, visa_library="@py")
        laser.current_setpoint = 30.0
        assert laser.current_setpoint == 30.0
        laser.emission_on()
        assert laser.emission_enabled
        laser.adapter.close()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "all simulated lasers off" in out


def test_serve_sim_refuses_a_bad_bench_file(tmp_path):
    bad = tmp_path / "bench.yaml"
    bad.write_text("instruments: {}\n")
    result = subprocess.run([sys.executable, "-m", "anplab", "serve-sim", "--bench", str(bad)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "bench.yaml:1" in result.stderr
