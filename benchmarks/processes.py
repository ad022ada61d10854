"""Child processes of a benchmark: crawls measured with ``os.wait4`` (CPU time and peak
RSS of that process alone), and the replica in its own process on 127.0.0.1, driven
through its control endpoints."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# A proxy from the environment would send requests off the machine: children get none.
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
# urllib would also honour a proxy from the environment.
LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def child_environment():
    """This environment without proxies or a Scrapy project chosen from outside, and with
    the project importable (the ceiling runs outside it)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name.lower() not in PROXY_VARIABLES and not name.startswith("SCRAPY_")
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


def run_measured(command, cwd, output, timeout):
    """Run ``command`` to its end; its wall time, CPU seconds (user + sys) and peak RSS
    (MiB), from its own rusage. The child is killed if this is interrupted."""
    with open(output, "w") as sink:
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=cwd, env=child_environment(), stdout=sink, stderr=subprocess.STDOUT
        )
        try:
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"{command[3:5]} still running after {timeout} s")
                time.sleep(0.05)
        except BaseException:
            process.kill()
            process.wait()
            raise
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:5])} exited {process.returncode}; see {output}")
    return {
        "wall_s": time.monotonic() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
    }


def stats_settings(stats_file):
    """Settings that make a crawl write its numeric stats to ``stats_file`` (JSON)."""
    return {
        "STATS_CLASS": "benchmarks.stats.JsonFileStatsCollector",
        "BENCHMARK_STATS_FILE": stats_file,
    }


def scrapy_stats(stats_file):
    """The numeric stats a crawl wrote when it closed (``stats_settings``)."""
    return json.loads(Path(stats_file).read_text())


class Replica:
    """``python -m replica`` on a free loopback port, no delay, no faults."""

    def __init__(self, products):
        self.products = products
        self.process = None

    def __enter__(self):
        command = [
            sys.executable,
            "-m",
            "replica",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--products",
            str(self.products),
        ]
        self.process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=child_environment(), stdout=subprocess.PIPE, text=True
        )
        try:
            for line in self.process.stdout:
                if found := re.search(r"MATTER_LIST_URL='([^']+)' DCL_BASE_URL='([^']+)'", line):
                    self.list_url, self.base_url = found.groups()
                    return self
            raise RuntimeError(f"the replica exited {self.process.wait()} before serving")
        except BaseException:
            self.__exit__()
            raise

    def __exit__(self, *exc):
        """Ctrl-C for the replica (it closes its server), a kill if it does not stop."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def control(self, path, method="GET"):
        request = urllib.request.Request(
            f"{self.base_url}/_replica/{path}",
            method=method,
            data=b"" if method == "POST" else None,
        )
        with LOOPBACK.open(request, timeout=30) as answer:
            return json.load(answer)

    def cpu_seconds(self):
        """CPU seconds (user + sys, all threads) the replica has used so far, from /proc: to
        show whether it, rather than the crawler, sets the pace."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def requests_since_cleared(self):
        """Requests by kind (list, detail, robots, ...) since the last ``clear_log``."""
        return {kind: count for kind, count in self.control("log").items() if count}

    def clear_log(self):
        self.control("clear-log", "POST")

    def grow(self, n):
        self.control(f"grow?n={n}", "POST")
