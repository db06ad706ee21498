"""ML2 mechanism driver used by the openstack_ops local development cloud."""
