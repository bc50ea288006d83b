"""Run the whole test suite on SQLite, then again on PostgreSQL when DOKREG_TEST_DATABASE_URL is set.

Usage: python tests/run_all.py [pytest arguments]
"""

import os
import subprocess
import sys


def run(label: str, env: dict) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    return subprocess.call([sys.executable, "-m", "pytest", *sys.argv[1:]], env=env)


def main() -> int:
    env = dict(os.environ, DOKREG_TEST_ON_POSTGRES="0")
    code = run("SQLite", env)
    if os.environ.get("DOKREG_TEST_DATABASE_URL"):
        code = run("PostgreSQL", dict(os.environ, DOKREG_TEST_ON_POSTGRES="1")) or code
    else:
        print("\nDOKREG_TEST_DATABASE_URL is not set: the PostgreSQL run is skipped.")
    # pytest exits 5 when it collected nothing: that is a failure here, not a pass.
    return code


if __name__ == "__main__":
    sys.exit(main())
