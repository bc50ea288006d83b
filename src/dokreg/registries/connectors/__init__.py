"""The connectors, one per platform family. This dict is the single place to add a family."""

from __future__ import annotations

from dokreg.errors import Unsupported
from dokreg.registries.connectors.adr import AdrConnector
from dokreg.registries.connectors.base import Connector
from dokreg.registries.connectors.riigikantselei import RiigikantseleiConnector
from dokreg.registries.connectors.riigikogu import RiigikoguConnector
from dokreg.registries.connectors.rmk import RmkConnector
from dokreg.registries.connectors.tallinn import TallinnConnector
from dokreg.registries.http import PoliteClient

CONNECTORS: dict[str, type[Connector]] = {
    "adr": AdrConnector,
    "rmk": RmkConnector,
    "tallinn": TallinnConnector,
    "riigikantselei": RiigikantseleiConnector,
    "riigikogu": RiigikoguConnector,
}


def connector_for(family: str, base_url: str, client: PoliteClient) -> Connector:
    """The connector of a register's platform family; Unsupported for families not built yet."""
    try:
        cls = CONNECTORS[family]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise Unsupported(f"no connector for platform family '{family}' yet (have: {known})") from None
    return cls(base_url, client)


__all__ = ["CONNECTORS", "Connector", "connector_for"]
