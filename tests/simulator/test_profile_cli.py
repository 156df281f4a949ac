"""Every server profile setting can be given to `simulate` on the command line."""

from __future__ import annotations

from dataclasses import fields

from clientsuccess_connector.cli.simulate import simulate
from clientsuccess_connector.simulator.profile import PRESETS, ServerProfile


def test_every_profile_setting_is_a_simulate_flag() -> None:
    """The benchmark starts simulators with each preset's settings as flags: none may be missing."""
    flags = {opt for param in simulate.params for opt in param.opts}
    for setting in fields(ServerProfile):
        assert "--" + setting.name.replace("_", "-") in flags, setting.name
    for preset in PRESETS.values():
        assert set(preset.describe()) == {f.name for f in fields(ServerProfile)}
