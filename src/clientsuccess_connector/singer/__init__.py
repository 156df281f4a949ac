"""A Singer tap (https://hub.meltano.com/singer/spec) over the reading engine, for Meltano and
any Singer target: `clientsuccess-connector singer` or `tap-clientsuccess-connector`."""
