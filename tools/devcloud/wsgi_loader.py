"""Gunicorn entry point that loads one OpenStack WSGI application.

oslo.config parses ``sys.argv``, which under gunicorn holds gunicorn's own
options, so the application would refuse to start. This module clears the
arguments and then imports the application named by ``DEVCLOUD_WSGI_APP``
(``module:attribute``); the service's config-dir variable is set by the
devcloud in the environment.
"""

import importlib
import os
import sys

sys.argv = sys.argv[:1]
_module, _attribute = os.environ["DEVCLOUD_WSGI_APP"].split(":")
application = getattr(importlib.import_module(_module), _attribute)
