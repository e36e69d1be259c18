"""The project's Celery app (``tasks.py``), counting what each task costs, for ``reports.py``.

    cd <repo> && PYTHONPATH=bench BENCH_TASKS_FILE=tasks.jsonl \
        python -m celery -A report_worker worker --pool=solo --concurrency=1

Nothing changes in what the worker runs: two SQLAlchemy events count the statements every
engine executes and the time spent in them, and Celery's task signals write one JSON line per
task (its first argument, the run id, the statements, the SQL time, the process's CPU time
and wall time while the task ran) to ``BENCH_TASKS_FILE``.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from celery.signals import task_postrun, task_prerun
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tasks import app, flask_app  # noqa: F401 - the project's app, configured from TEIA_*

_now: dict[str, float] = {"statements": 0, "sql": 0.0, "cpu": 0.0, "wall": 0.0}


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn: Any, *_args: Any) -> None:
    conn.info["bench_started"] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn: Any, *_args: Any) -> None:
    _now["statements"] += 1
    _now["sql"] += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())


@task_prerun.connect
def _task_started(**_kw: Any) -> None:
    _now.update(statements=0, sql=0.0, cpu=time.process_time(), wall=time.perf_counter())


@task_postrun.connect
def _task_done(task: Any = None, args: Any = None, **_kw: Any) -> None:
    line = {
        "task": task.name if task is not None else None,
        "arg": args[0] if args else None,
        "statements": int(_now["statements"]),
        "sql_s": round(_now["sql"], 4),
        "cpu_s": round(time.process_time() - _now["cpu"], 4),
        "wall_s": round(time.perf_counter() - _now["wall"], 4),
    }
    with open(os.environ["BENCH_TASKS_FILE"], "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
