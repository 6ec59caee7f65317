"""``varena train-report DIR``: a run's curves in one PNG (matplotlib, the ``report`` extra).

Panels: policy and value losses, Elo of the evaluated checkpoints (with their scores
against each baseline), self-play positions per second, and the learning rate; the x axis
is the learner step, the title says what the run cost (positions, games, CPU minutes).
"""

from __future__ import annotations

from pathlib import Path

from varena.engine.errors import SpecError


def _series(rows: list[dict], key: str) -> tuple[list[int], list[float]]:
    xs, ys = [], []
    for r in rows:
        v = r.get(key)
        if isinstance(v, int | float) and v == v:
            xs.append(int(r["step"]))
            ys.append(float(v))
    return xs, ys


def render(run_dir: Path, out: Path | None = None) -> Path:
    """Write the report PNG of ``run_dir`` (default ``run_dir/report.png``); returns its path."""
    from varena.engine.atomic import write_atomic
    from varena.engine.train.rundir import METRICS

    p = run_dir / METRICS
    if not p.is_file():
        raise SpecError(f"train-report: {run_dir} has no {METRICS} (not a training run directory?)")
    rows = []
    import json

    for line in p.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line after a kill
        if isinstance(row, dict) and "step" in row:
            rows.append(row)
    if not rows:
        raise SpecError(f"train-report: {p} holds no metric lines yet")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SpecError("train-report needs matplotlib: pip install 'varena[report]'") from None
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    ax = axes[0][0]
    for key, label in (("policy_loss", "policy cross-entropy"), ("policy_kl", "policy KL to target"),
                       ("value_loss", "value MSE")):
        xs, ys = _series(rows, key)
        if xs:
            ax.plot(xs, ys, label=label)
    ax.set_title("losses")
    ax.set_xlabel("learner step")
    ax.legend(loc="upper right", fontsize=8)
    ax = axes[0][1]
    xs, ys = _series(rows, "elo")
    if xs:
        ax.plot(xs, ys, "o-", color="tab:red", label="Elo (first baseline = 0)")
        ax.legend(loc="upper left", fontsize=8)
    ax2 = ax.twinx()
    for key in sorted({k for r in rows for k in r if k.startswith("score_")}):
        sx, sy = _series(rows, key)
        ax2.plot(sx, sy, "s--", alpha=0.6, label=f"score vs {key[6:]}")
    if ax2.lines:
        ax2.set_ylim(-0.05, 1.05)
        ax2.set_ylabel("score")
        ax2.legend(loc="lower right", fontsize=8)
    ax.set_title("evaluation")
    ax.set_xlabel("learner step")
    ax = axes[1][0]
    xs, ys = _series(rows, "selfplay_positions_per_s")
    ax.plot(xs, ys, color="tab:green")
    ax.set_title("self-play positions / s")
    ax.set_xlabel("learner step")
    ax = axes[1][1]
    xs, ys = _series(rows, "lr")
    ax.plot(xs, ys, color="tab:purple")
    ax.set_title("learning rate")
    ax.set_xlabel("learner step")
    last = rows[-1]
    fig.suptitle(f"{run_dir.name}: step {last['step']}, {int(last.get('positions') or 0)} positions, "
                 f"{int(last.get('games') or 0)} games, {float(last.get('cpu_minutes') or 0):.1f} CPU min, "
                 f"{float(last.get('wall_minutes') or 0):.1f} wall min")
    fig.tight_layout()
    target = out or run_dir / "report.png"
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    write_atomic(target, buf.getvalue())
    return target
