#!/usr/bin/env python3
"""Can the alert-rule unit tests fail? Breaks the rules on purpose, one change at a time
(a threshold, a window, `for`, an exclusion, a label), runs the test files that the change
should upset, then lists every change that no test noticed and every check in tests/ that
no change made fail (such a check asserts nothing). Exits 1 if there is one of either, or
if a change no longer applies to the rules.

Not part of check.sh or CI: it runs promtool some 70 times (15 to 30 minutes on two cores).
    python3 demo-app/monitoring/mutate.py [JOBS]
"""
import concurrent.futures as cf
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.abspath(__file__))


def minutes(duration):
    """`72h1m`, `3d1m` -> minutes (promtool prints eval times in either form)."""
    total = 0.0
    for n, unit in re.findall(r"(\d+)([dhms])", duration):
        total += int(n) * {"d": 1440, "h": 60, "m": 1, "s": 1 / 60}[unit]
    return total


def checks():
    """Every alert and expression check in tests/, as (file, kind, name, minute)."""
    found = set()
    for name in sorted(os.listdir(f"{SRC}/tests")):
        text = open(f"{SRC}/tests/{name}").read()
        for m in re.finditer(r"- eval_time: (\S+)\n\s+alertname: (\S+)", text):
            found.add((name, "alert", m.group(2), minutes(m.group(1))))
        for m in re.finditer(r"- expr: (.+)\n\s+eval_time: (\S+)", text):
            found.add((name, "expr", m.group(1).strip(), minutes(m.group(2))))
    return found


A = "alerts.rules.yml"; R = "recording.rules.yml"; X = "solutions/bad-deploy-page.rules.yml"
FAST = "job:demo_app_http_errors5xx:ratio_rate1h > (14.4 * 0.001)\n            and\n          job:demo_app_http_errors5xx:ratio_rate5m > (14.4 * 0.001)"
MED = "job:demo_app_http_errors5xx:ratio_rate6h > (6 * 0.001)\n            and\n          job:demo_app_http_errors5xx:ratio_rate30m > (6 * 0.001)"
SLOW = "job:demo_app_http_errors5xx:ratio_rate3d > (1 * 0.001)\n            and\n          job:demo_app_http_errors5xx:ratio_rate6h > (1 * 0.001)"
PLAIN = "job:demo_app_http_errors5xx:ratio_rate5m > 0.01"
MUTATIONS = {
  "plain without its for": [(A, "        for: 5m\n", "")],
  "plain 1% -> 0.1%": [(A, PLAIN, PLAIN.replace("0.01", "0.001"))],
  "plain comparison flipped": [(A, PLAIN, PLAIN.replace(">", "<"))],
  "fast 14.4 -> 0.2": [(A, FAST, FAST.replace("14.4", "0.2"))],
  "fast comparisons flipped": [(A, FAST, FAST.replace(">", "<"))],
  "medium comparisons flipped": [(A, MED, MED.replace(">", "<"))],
  "slow comparisons flipped": [(A, SLOW, SLOW.replace(">", "<"))],
  "3d recording reads 6h": [(R, "[3d]", "[6h]")],
  "plain threshold 1% -> 0.4%": [(A, "ratio_rate5m > 0.01", "ratio_rate5m > 0.004")],
  "plain for 5m -> 4m": [(A, "for: 5m", "for: 4m")],
  "plain for 5m -> 6m": [(A, "for: 5m", "for: 6m")],
  "plain window 5m -> 1h": [(A, "job:demo_app_http_errors5xx:ratio_rate5m > 0.01", "job:demo_app_http_errors5xx:ratio_rate1h > 0.01")],
  "fast 14.4 -> 8": [(A, FAST, FAST.replace("14.4", "8"))],
  "fast 14.4 -> 20": [(A, FAST, FAST.replace("14.4", "20"))],
  "fast 14.4 -> 5": [(A, FAST, FAST.replace("14.4", "5"))],
  "fast without its short window": [(A, FAST, "job:demo_app_http_errors5xx:ratio_rate1h > (14.4 * 0.001)")],
  "medium 6 -> 4.9": [(A, MED, MED.replace("(6 *", "(4.9 *"))],
  "medium 6 -> 9": [(A, MED, MED.replace("(6 *", "(9 *"))],
  "medium 6 -> 1": [(A, MED, MED.replace("(6 *", "(1 *"))],
  "medium 6 -> 0.01": [(A, MED, MED.replace("(6 *", "(0.01 *"))],
  "medium short window 30m -> 1h": [(A, MED, MED.replace("ratio_rate30m", "ratio_rate1h"))],
  "medium long window 6h -> 1h": [(A, MED, MED.replace("ratio_rate6h", "ratio_rate1h"))],
  "slow 1 -> 6": [(A, SLOW, SLOW.replace("(1 *", "(6 *"))],
  "slow 1 -> 1.2": [(A, SLOW, SLOW.replace("(1 *", "(1.2 *"))],
  "slow 1 -> 1.01": [(A, SLOW, SLOW.replace("(1 *", "(1.01 *"))],
  "slow 1 -> 7": [(A, SLOW, SLOW.replace("(1 *", "(7 *"))],
  "slow 1 -> 0.98": [(A, SLOW, SLOW.replace("(1 *", "(0.98 *"))],
  "slow 1 -> 0.9995": [(A, SLOW, SLOW.replace("(1 *", "(0.9995 *"))],
  "slow 1 -> 0.5": [(A, SLOW, SLOW.replace("(1 *", "(0.5 *"))],
  "slow long window 3d -> 1h": [(A, SLOW, SLOW.replace("ratio_rate3d", "ratio_rate1h"))],
  "slow short window 6h -> 3d": [(A, SLOW, SLOW.replace("ratio_rate6h", "ratio_rate3d"))],
  "description names the instance, not the release": [(A, 'label "release"', 'label "instance"')],
  "/metrics counted": [(R, 'route!="/metrics",', ''), (R, '{route!="/metrics"}', '')],
  "4xx counted as errors": [(R, 'status="5xx"', 'status=~"4xx|5xx"')],
  "no 0 for routes that never failed": [(R, "\n            or\n          0 * job_route:demo_app_http_requests:rate5m", ""),
                                         (R, "\n            or\n          0 * job_route:demo_app_http_requests:rate1h", ""),
                                         (R, "\n            or\n          0 * job_route:demo_app_http_requests:rate30m", "")],
  "5m recording reads 10m": [(R, "[5m]", "[10m]")],
  "release label dropped": [(R, "group_left (release)", "group_left ()")],
  "exercise: no traffic floor": [(X, "\n          and on (job, route)\n            job_route:demo_app_http_requests:rate1h > 1", "")],
  "exercise: floor 1 -> 3 req/s": [(X, "rate1h > 1", "rate1h > 3")],
  "exercise: route threshold 14.4 -> 10": [(X, "ratio_rate1h > (14.4", "ratio_rate1h > (10")],
}


TARGETS = {
  "plain without its for": "outage spike",
  "plain 1% -> 0.1%": "slow-burn",
  "plain comparison flipped": "outage",
  "fast 14.4 -> 0.2": "slow-burn",
  "fast comparisons flipped": "outage",
  "medium comparisons flipped": "outage",
  "slow comparisons flipped": "outage",
  "3d recording reads 6h": "slow-burn",
  "plain threshold 1% -> 0.4%": "steady exercise-solution",
  "plain for 5m -> 4m": "outage spike bad-deploy",
  "plain for 5m -> 6m": "outage spike bad-deploy",
  "plain window 5m -> 1h": "outage spike bad-deploy",
  "fast 14.4 -> 8": "spike bad-deploy",
  "fast 14.4 -> 20": "outage spike bad-deploy",
  "fast 14.4 -> 5": "exercise-solution",
  "fast without its short window": "outage spike",
  "medium 6 -> 4.9": "bad-deploy outage steady",
  "medium 6 -> 9": "outage bad-deploy",
  "medium 6 -> 1": "exercise-solution slow-burn",
  "medium 6 -> 0.01": "slow-burn spike",
  "medium short window 30m -> 1h": "outage",
  "medium long window 6h -> 1h": "spike",
  "slow 1 -> 6": "steady outage",
  "slow 1 -> 1.2": "outage",
  "slow 1 -> 1.01": "slow-burn bad-deploy",
  "slow 1 -> 7": "outage",
  "slow 1 -> 0.98": "bad-deploy",
  "slow 1 -> 0.9995": "slow-burn",
  "slow 1 -> 0.5": "slow-burn",
  "slow long window 3d -> 1h": "spike outage slow-burn bad-deploy",
  "slow short window 6h -> 3d": "outage",
  "description names the instance, not the release": "bad-deploy",
  "/metrics counted": "outage steady exercise-solution slow-burn spike",
  "4xx counted as errors": "steady",
  "no 0 for routes that never failed": "steady",
  "5m recording reads 10m": "spike outage",
  "release label dropped": "bad-deploy steady",
  "exercise: no traffic floor": "exercise-solution",
  "exercise: floor 1 -> 3 req/s": "exercise-solution",
  "exercise: route threshold 14.4 -> 10": "exercise-solution",
}


def run(job):
    name, test = job
    work = tempfile.mkdtemp()
    try:
        shutil.copytree(SRC, f"{work}/m")
        for path, old, new in MUTATIONS[name]:
            target = f"{work}/m/{path}"
            text = open(target).read()
            if old not in text:
                return name, test, None
            open(target, "w").write(text.replace(old, new))
        result = subprocess.run(["promtool", "test", "rules", f"{work}/m/tests/{test}"],
                                capture_output=True, text=True)
    finally:
        shutil.rmtree(work)
    out = result.stdout + result.stderr
    failed = set()
    for m in re.finditer(r"alertname: (\S+), time: (\S+),", out):
        failed.add((test, "alert", m.group(1), minutes(m.group(2))))
    for m in re.finditer(r'expr: "(.+)", time: ([^,]+),', out):
        failed.add((test, "expr", m.group(1).replace('\\"', '"'), minutes(m.group(2))))
    return name, test, failed


def main():
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else (os.cpu_count() or 2)
    alive = checks()
    total = len(alive)
    stale = []
    work = [(name, f"{t}.test.yml") for name, tests in TARGETS.items() for t in tests.split()]
    caught = {name: 0 for name in MUTATIONS}
    with cf.ThreadPoolExecutor(jobs) as pool:
        for name, test, failed in pool.map(run, work):
            if failed is None:
                stale.append(name)
                print(f"!! {name}: the change no longer applies to the rules", flush=True)
                continue
            print(f"{name} / {test}: {len(failed)} checks failed", flush=True)
            caught[name] += len(failed)
            alive -= failed
    missed = sorted(name for name, count in caught.items() if count == 0 and name not in stale)
    for name in missed:
        print(f"!! {name}: no test noticed this change")
    print(f"{len(MUTATIONS)} changes, {len(MUTATIONS) - len(missed) - len(set(stale))} noticed; "
          f"{total} checks, {total - len(alive)} failed under some change, {len(alive)} never did")
    for check in sorted(alive):
        print("  never failed:", check)
    return 1 if alive or stale or missed else 0


if __name__ == "__main__":
    sys.exit(main())
