"""A mechanism driver that binds every port without any agent.

The devcloud runs Neutron with no L2 agents, so no stock mechanism driver
would bind ports and Nova could not boot servers on networks. This driver
accepts the first segment offered for any port, reports the VIF type
``other`` and marks the port ACTIVE, which is all the fake compute driver
needs.
"""

from typing import Any

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class DevcloudMechanismDriver(api.MechanismDriver):
    """Bind every port on its first segment and mark it ACTIVE."""

    def initialize(self) -> None:
        """Nothing to set up: the driver keeps no state."""

    @property
    def connectivity(self) -> str:
        """Report layer-2 connectivity (like the agent-based drivers)."""
        return portbindings.CONNECTIVITY_L2

    def bind_port(self, context: Any) -> None:
        """Bind ``context.current`` to the first segment it may use.

        Args:
            context: the ML2 ``PortContext`` of the port being bound.
        """
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OTHER,
                {portbindings.VIF_DETAILS_CONNECTIVITY: self.connectivity},
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
