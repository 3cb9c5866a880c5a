pytest_plugins = ["trainyard_common.testing.plugin"]
