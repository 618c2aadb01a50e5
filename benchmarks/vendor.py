"""D: the TrustCaller simulator, its rate limit out of the way, with accounts made up front.

    python -m benchmarks.vendor --port 9000 --accounts 10 --out accounts.json

Writes ``[{"token": ..., "number": ...}, ...]`` to ``--out`` (the first account has calls on
record, the others one number each), then serves until stopped.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn

from simulators.trustcaller.app import SimulatorConfig, create_simulator_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--accounts", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    app = create_simulator_app(SimulatorConfig(rate_limit=10**9))
    state = app.state.simulator
    made = [state.create_account("bench")]
    made += [state.create_account(f"t{i}", numbers=1, calls=0) for i in range(1, args.accounts)]
    accounts = [{"token": a.token, "number": a.numbers[0]} for a in made]
    args.out.write_text(json.dumps(accounts))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
