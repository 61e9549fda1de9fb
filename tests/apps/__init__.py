"""Small job APIs written the ways people write them, for the in-process clock's test matrix.

Each module is one kind of app (no framework, Starlette with `asyncio.create_task`,
FastAPI with `BackgroundTasks`, a queue worker on loop timers, a worker thread), reads
time its own way, and offers `make(...)` with the contract's windows (the real-clock runs
scale them down), `app` (correct) and `forgetful` (its operations vanish after a minute).
They share only the wire shape (`_shape.py`): POST /jobs answers 202 with a Location,
GET /operations/{id} the state, GET and DELETE /jobs/{id} the result.
"""
