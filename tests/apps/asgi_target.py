"""An ASGI app the suite did not write, for `--target asgi:tests.apps.asgi_target:app`.

It is the simulator on the wall clock (`time.time()`): only the app clock, which the suite
starts in virtual mode, makes an hour pass in an instant.
"""

from conformance.simulator import create_app

app = create_app()
