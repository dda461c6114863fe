"""Python instructions per request of one bench scenario, counted by valgrind.

    python bench/instructions.py complete [--few 40] [--many 140] [--warm-profile]

Timings on a shared or virtual machine move by 20-40 % from one minute to the
next; instruction counts do not. This runs `bench/hotspots.py SCENARIO` twice
under `valgrind --tool=callgrind` (valgrind is on every development machine
here), with FEW and then MANY measured requests, and prints
(instructions of the second run - instructions of the first) / (MANY - FEW):
what one request costs this process, start-up and warm-up cancelled out.
PostgreSQL's and Redis's own work is not in it (hotspots prints the backend's
CPU and WAL bytes for that). Compare two versions of the code with the same
scenario on the same database; a run takes a few minutes.
"""
import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def instructions(scenario: str, requests: int, extra: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out",
             sys.executable, "bench/hotspots.py", scenario, "--requests", str(requests), *extra],
            cwd=ROOT, capture_output=True, text=True,
        )
    if out.returncode != 0:
        sys.exit(f"instructions: the run failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    found = re.search(r"Collected : (\d+)", out.stderr)
    if not found:
        sys.exit(f"instructions: no total in valgrind's output:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--few", type=int, default=40, help="measured requests of the first run (default 40)")
    parser.add_argument("--many", type=int, default=140, help="measured requests of the second run (default 140)")
    parser.add_argument("--warm-profile", action="store_true", help="hotspots.py's --warm-profile")
    args = parser.parse_args()
    if args.many <= args.few:
        parser.error("--many must be larger than --few")
    extra = ["--warm-profile"] if args.warm_profile else []
    few = instructions(args.scenario, args.few, extra)
    many = instructions(args.scenario, args.many, extra)
    per_request = (many - few) / (args.many - args.few)
    print(f"{args.scenario}: {per_request / 1e6:.2f} million instructions per request (Python process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
