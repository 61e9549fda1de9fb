"""The Celery app Flower fronts in the tests: run by the worker and by Flower in their own
virtualenv (FLOWER_PYTHON), never imported by the tests themselves.

Broker and result backend are SQLite files through SQLAlchemy (kombu's `sqla+` transport,
Celery's `db+` backend), so no broker service is needed. FLOWER_WORK names their folder.
"""

import os
import time

from celery import Celery

_work = os.environ["FLOWER_WORK"]
app = Celery(
    "flower_tasks",
    broker=f"sqla+sqlite:///{_work}/broker.db",
    backend=f"db+sqlite:///{_work}/results.db",
)
app.conf.update(
    task_track_started=True,  # STARTED while the worker runs it (Celery's default: PENDING)
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="tasks.add")
def add(x, y):
    """Flower's own documentation example (its API page): add two numbers, a little slowly."""
    time.sleep(0.3)
    return x + y
