"""Hypervisor life cycle: classify each hypervisor from one listing, remember its
last state and report changes (used by the ``hypervisor.state`` sensor).

``states`` holds the pure classification, ``poll`` one polling pass against a cloud.
"""
