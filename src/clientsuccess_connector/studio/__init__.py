"""The studio: the product doc's screens as a local web app over the library.

`clientsuccess-connector studio` serves it; `run_studio` serves it in a thread (tests, notebooks).
It needs the [studio] extra (Starlette, Jinja2, python-multipart, uvicorn).
"""

from clientsuccess_connector.errors import missing_extra

try:
    import jinja2  # noqa: F401
    import python_multipart  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:  # the [studio] extra
    raise missing_extra("studio", exc) from None

from clientsuccess_connector.studio.server import RunningStudio, run_studio

__all__ = ["RunningStudio", "run_studio"]
