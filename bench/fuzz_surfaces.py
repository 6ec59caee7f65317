"""Fuzz every input surface for a while and count crashes, hangs, wrong answers and memory
blow-ups (the table of issue 16). One JSON line per surface (house format).

    python bench/fuzz_surfaces.py --seconds 60 [--surface gtp --surface sgf ...]

Inputs are seeded byte mutations of valid inputs (tests/fuzzing.py). A crash is an
exception outside varena's error hierarchy (or GTP's "internal error"); a hang is an input
that takes more than ``--hang`` seconds; a blow-up is a MemoryError under an address-space
cap of the current size plus ``--memory`` GiB; wrong answers are surface checks (a GTP
answer that is not one well-formed response, an SGF record that does not replay to the
same position after a round trip, a solver that returns no tour for an accepted file).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import random
import resource
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzzing import NASTY, mutate  # noqa: E402
from varena.engine.errors import VarenaError  # noqa: E402


class Hang(Exception):
    pass


class Wrong(Exception):
    pass


_ARMED = [False]


def _alarm(signum, frame):
    if _ARMED[0]:  # never raise once cancelling has begun
        _ARMED[0] = False
        raise Hang()


def _arm(seconds: float) -> None:
    _ARMED[0] = True
    signal.setitimer(signal.ITIMER_REAL, seconds)


def _disarm() -> None:
    _ARMED[0] = False
    signal.setitimer(signal.ITIMER_REAL, 0)


# -- the surfaces: each returns a function(rng) that raises Wrong, Hang, or a crash --------
def gtp_surface(tmp: Path):
    from varena.games.go.gtp import GtpEngine

    cmds = ["boardsize", "komi", "play", "genmove", "undo", "is_legal", "fixed_handicap",
            "place_free_handicap", "set_free_handicap", "loadsgf", "time_settings", "time_left",
            "final_score", "showboard", "all_legal", "list_stones", "captures", "name"]
    files = ["/dev/zero", "/dev/null", str(tmp / "p.sgf")]
    (tmp / "p.sgf").write_text("(;GM[1]SZ[19]" + ";B[];W[]" * 5000 + ")")
    words = NASTY + ["B", "W", "D4", "pass", "A1", "5", "9", "2", "0"] + files

    def one(rng: random.Random) -> None:
        engine = GtpEngine("random", seed=0, game_params={"size": 5})
        lines = []
        for _ in range(rng.randint(1, 8)):
            ident = rng.choice(["", "7 ", "١ "])
            cmd = rng.choice(cmds)
            args = [rng.choice(words) for _ in range(rng.randint(0, 3))]
            if cmd == "boardsize":
                args = args[:1] if args and not args[0].isdigit() else ["7"]
            lines.append(ident + " ".join([cmd, *args]))
        data = mutate("\n".join(lines).encode("utf-8", "surrogatepass"), rng, 2) + b"\n"
        out = io.StringIO()
        engine.serve(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"), out)
        for answer in out.getvalue().split("\n\n")[:-1]:
            if "internal error" in answer:
                raise RuntimeError(answer[:80])
            head = answer.split(" ", 1)[0]
            if head[:1] not in ("=", "?") or not (head[1:] == "" or head[1:].isascii()
                                                  and head[1:].isdigit()):
                raise Wrong(f"bad answer {answer[:40]!r}")
    return one


def gomocup_surface(tmp: Path):
    from varena.tournaments.gomocup import serve

    seeds = [b"START 9\nINFO rule 1\nBEGIN\nTURN 3,3\nTAKEBACK 3,3\nRESTART\nEND\n",
             b"RECTSTART 7,9\nBOARD\n1,1,1\n2,2,2\nDONE\nTURN 0,0\nABOUT\n"]

    def one(rng: random.Random) -> None:
        data = mutate(rng.choice(seeds), rng, 6)
        out = io.StringIO()
        serve("random", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"), out, seed=0)
    return one


def sgf_surface(tmp: Path):
    import numpy as np

    from varena.games.go import records, sgf

    seeds = [b"(;GM[1]FF[4]SZ[9]KM[6.5]RU[Chinese];B[ee];W[dc];B[cd](;W[dd];B[de])(;W[ff]))",
             b"(;GM[1]SZ[7:5]AB[aa:bb][cc]AW[ee]PL[W];W[dd];B[];W[tt])",
             b"(;GM[1]SZ[5]KM[448.6518445512829];B[aa];W[bb];B[ab];W[ba];B[];W[])"]

    def one(rng: random.Random) -> None:
        data = mutate(rng.choice(seeds), rng, 8)
        path = tmp / "f.sgf"
        path.write_bytes(data)
        try:
            game, states, rec = records.load(path)
        except VarenaError:
            return
        again = records.loads(sgf.format_go(rec))
        if not np.array_equal(again[1][-1], states[-1]):
            raise Wrong("the record does not replay to the same position")
    return one


def tsplib_surface(tmp: Path):
    import numpy as np

    from varena.engine.host import get_host
    from varena.engine.params import bind
    from varena.games import tsplib

    host = get_host()
    solvers = [(n, host.solver_class(n)(None, seed=0, **bind(host.solver_class(n).params, {}, n)))
               for n in ("nearest_neighbour", "insertion", "2opt", "held_karp")]
    seeds = [b"NAME: a\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: "
             b"FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 3 4 5\n3 0 6 7\n4 6 0 8\n5 7 8 0\nEOF\n",
             b"NAME: b\nTYPE: TSP\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
             b"1 0 0\n2 10 0\n3 10 10\n4 0 10\n5 5 5\nEOF\n",
             b"NAME: c\nTYPE: TSP\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: "
             b"UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 2 3 4\n4 5 6\n6 7\n8\nEOF\n"]

    def one(rng: random.Random) -> None:
        try:
            inst = tsplib.loads(mutate(rng.choice(seeds), rng, 6).decode("latin-1"))
        except VarenaError:
            return
        if inst.dimension > 500:
            return
        prob = inst.problem()
        for name, solver in solvers:
            if name == "held_karp" and inst.dimension > 12:
                continue
            try:
                tour = np.asarray(solver.tour(prob))
            except VarenaError:
                continue
            if sorted(tour.tolist()) != list(range(inst.dimension)):
                raise Wrong(f"{name} returned {tour.tolist()[:8]}, not a tour")
    return one


def config_surface(tmp: Path):
    from itertools import islice

    from varena.tournaments.config import load_config
    from varena.tournaments.runner import schedule

    base = 'games = ["gomoku:size=5,k=4"]\n'
    seeds = [base + 'games_per_pairing = 2\nopening_moves = 1\n[agents]\na = "random"\nb = "random"\n',
             base + 'format = "gauntlet"\nmax_moves = 30\nout = "x"\n[agents]\na = "random"\n'
                    '[agents.m]\nspec = "mcts:sims=8"\noptional = true\n',
             base + 'openings_file = "/dev/zero"\n[agents]\na = "random"\nb = "random"\n',
             base + "instances = 3\n[agents]\na = \"random\"\nb = \"random\"\n"]

    def one(rng: random.Random) -> None:
        path = tmp / "c.toml"
        path.write_bytes(mutate(rng.choice(seeds).encode(), rng, 6))
        try:
            config = load_config(path).validate()
            list(islice(schedule(config), 8))  # lazy: the first games, whatever the counts
        except VarenaError:
            return
    return one


def store_surface(tmp: Path):
    from click.testing import CliRunner

    from varena.engine.cli import full_cli
    from varena.tournaments.store import Store

    played = tmp / "played"
    result = CliRunner().invoke(full_cli(), [
        "tournament", "--game", "gomoku:size=5,k=4", "--agent", "a=random", "--agent",
        "b=random", "--games", "2", "--concurrency", "1", "--out", str(played), "--json"])
    assert result.exit_code == 0, result.output
    columns = ["game", "first", "second", "opening", "moves", "move_names", "result", "score",
               "extra", "seconds", "seed", "version", "second_spec"]
    values = [None, 3, 1.5, float("nan"), b"\x00\xff", "x", "[]", "{}", "[1]", "[-1]", '["x"]',
              "[" * 20000, "[" + "9" * 5000 + "]", '{"a": "b"}', "1e999"]

    def one(rng: random.Random) -> None:
        folder = tmp / "db"
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(played, folder)
        con = sqlite3.connect(folder / "results.sqlite")
        for _ in range(rng.randint(1, 3)):
            col = rng.choice(columns + ["config"])
            sql = ("UPDATE meta SET value = ? WHERE key = 'config'" if col == "config"
                   else f"UPDATE games SET {col} = ? WHERE rowid = 1")
            value = rng.choice(values)
            if isinstance(value, bytes) and col != "config" and rng.random() < 0.5:
                sql = sql.replace("= ?", "= CAST(? AS TEXT)")
            try:
                con.execute(sql, (value,))
            except sqlite3.IntegrityError:
                pass
        con.commit()
        con.close()
        try:
            store = Store(folder / "results.sqlite")
            rows = store.rows()
            (store.get_meta("config") or {}).get("format")
            store.close()
        except VarenaError:
            return
        if rows:
            from varena.tournaments.report import rating_report

            try:
                rating_report(rows, anchor="a")
            except VarenaError:
                return
    return one


def checkpoint_surface(tmp: Path):
    import torch
    from safetensors.torch import save as st_save

    from varena.engine.nn import checkpoint as ck

    def module():
        torch.manual_seed(0)
        return torch.nn.Sequential(torch.nn.Linear(3, 2))

    good = tmp / "good.safetensors"
    ck.save_checkpoint(good, module(), {"kind": "test", "config": {"a": [1, 2.5]}})
    data = good.read_bytes()
    tensors = {k: v.contiguous() for k, v in module().state_dict().items()}
    headers = ["[" * 100_000, '{"format": "' + ck.FORMAT + '", "x": ' + "9" * 5000 + "}", "[1]"]

    def one(rng: random.Random) -> None:
        path = tmp / "m.safetensors"
        if rng.random() < 0.3:
            path.write_bytes(st_save(tensors, metadata={ck.META_KEY: rng.choice(headers)}))
        else:
            path.write_bytes(mutate(data, rng, 6))
        for call in (ck.read_metadata, lambda p: ck.check_weights(p, module()),
                     lambda p: ck.load_weights(p, module())):
            try:
                call(path)
            except VarenaError:
                pass
    return one


def spec_surface(tmp: Path):
    """Spec strings: make_game, make_agent (for a small game) and ``varena play`` one move."""
    import numpy as np
    from click.testing import CliRunner

    from tests.engine.spec_inputs import AGENT_GAMES, first_move, seeds, spec
    from varena.engine import memory
    from varena.engine.cli import full_cli
    from varena.engine.host import get_host

    real = memory.allowance  # budgets the check accepts are allocated: within the cap
    memory.allowance = lambda: min(real(), 2**29)
    host = get_host()
    games, agents, table = seeds(host)
    game_names, agent_names = sorted(host.games), sorted(n for n in host.solvers if n in table)
    cheap = ["random", "reference", "alphabeta:depth=1", "mcts:sims=2", "nearest_neighbour"]

    def one(rng: random.Random) -> None:
        game_text = spec(rng, game_names, table, games)
        if rng.random() < 0.2:  # the CLI path: exit 0, or 2 with one line
            # '--': a spec starting with '-' is a spec, not an option (click's usage error)
            result = CliRunner().invoke(full_cli(), ["play", "--p1", spec(rng, ["random"], table, cheap),
                                                     "--max-moves", "1", "--quiet", "--", game_text])
            lines = [ln for ln in result.output.splitlines() if ln.strip()]
            if result.exit_code not in (0, 2):
                raise RuntimeError(f"exit {result.exit_code}: {result.exception!r}"[:120])
            if result.exit_code == 2 and len(lines) != 1:
                raise Wrong(f"{len(lines)} lines for {game_text[:40]!r}")
            return
        failures = []
        agent_text = spec(rng, agent_names, table, agents)

        def agent() -> None:
            target = host.make_game(rng.choice(AGENT_GAMES))
            made = host.make_agent(agent_text, target, 0)
            try:
                first_move(made, target)  # trees allocated: a budget beyond memory shows
            finally:
                made.close()

        for make in (lambda: host.make_game(game_text).initial_state(np.random.default_rng(0)),
                     agent):
            try:
                make()
            except VarenaError as exc:
                if "\n" in str(exc):
                    failures.append(str(exc)[:60])
        if failures:
            raise Wrong(f"error of several lines: {failures[0]!r}")
    return one


SURFACES = {"gtp": gtp_surface, "gomocup": gomocup_surface, "sgf": sgf_surface,
            "tsplib": tsplib_surface, "config": config_surface, "store": store_surface,
            "checkpoint": checkpoint_surface, "spec": spec_surface}


def _vm_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run_surface(name: str, seconds: float, hang: float, memory_gib: float, seed: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-"))
    one = SURFACES[name](tmp)
    rng = random.Random(seed)
    counts = {"inputs": 0, "crashes": 0, "hangs": 0, "wrong": 0, "blowups": 0}
    examples: dict[str, str] = {}
    old = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_vm_bytes() + int(memory_gib * 2**30), old[1]))
    signal.signal(signal.SIGALRM, _alarm)
    _arm(120)
    try:  # warm up (Numba compiles on first use: that is no hang), uncounted
        try:
            one(random.Random(seed - 1))
        finally:
            _disarm()
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
    start = time.monotonic()
    try:
        while time.monotonic() - start < seconds:
            counts["inputs"] += 1
            _arm(hang)
            kind = None
            try:
                try:
                    one(random.Random(rng.getrandbits(64)))
                finally:
                    _disarm()  # an alarm firing here still means the input took too long
            except Hang:
                kind = "hangs"
            except Wrong as exc:
                kind, msg = "wrong", str(exc)
            except MemoryError:
                kind = "blowups"
            except VarenaError:
                pass
            except BaseException as exc:  # noqa: BLE001 - counting crashes is the point
                if isinstance(exc, KeyboardInterrupt):
                    raise
                kind, msg = "crashes", f"{type(exc).__name__}: {str(exc)[:80]}"
            if kind:
                counts[kind] += 1
                examples.setdefault(kind, msg if kind in ("wrong", "crashes") else "")
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)
        shutil.rmtree(tmp, ignore_errors=True)
    failures = counts["crashes"] + counts["hangs"] + counts["wrong"] + counts["blowups"]
    return {"name": f"fuzz_{name}", "value": failures, "unit": "failing inputs",
            "baseline": None, "baseline_value": None, "ratio": None,
            "params": {**counts, "seconds": round(time.monotonic() - start, 1), "seed": seed,
                       "hang_s": hang, "examples": examples}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="per surface")
    ap.add_argument("--surface", action="append", choices=sorted(SURFACES))
    ap.add_argument("--hang", type=float, default=10.0, help="seconds that count as a hang")
    ap.add_argument("--memory", type=float, default=2.0, help="GiB above the start size")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)  # the surfaces log every refused input
    for name in args.surface or list(SURFACES):
        print(json.dumps(run_surface(name, args.seconds, args.hang, args.memory, args.seed)),
              flush=True)


if __name__ == "__main__":
    main()
