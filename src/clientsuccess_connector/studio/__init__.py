"""The studio: the product doc's screens as a local web app over the library.

`clientsuccess-connector studio` serves it; `run_studio` serves it in a thread (tests, notebooks).
"""

from clientsuccess_connector.studio.server import RunningStudio, run_studio

__all__ = ["RunningStudio", "run_studio"]
