"""The end-to-end test rig: databases, the real app on loopback, a fake Bot Connector."""
