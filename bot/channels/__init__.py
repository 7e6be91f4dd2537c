"""Channel code, one package per channel (`teams`, `slack`): transport, sender, renderer.

`base` holds what the outbox and the channels agree on; it imports no channel SDK.
"""
