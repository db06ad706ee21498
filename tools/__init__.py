"""Developer and test tooling for the openstack_ops pack (never installed into StackStorm)."""
