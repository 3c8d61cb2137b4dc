"""How merchants plugs into the deployment (see core/areas.py): the platform admin's merchant routes
and a merchant admin's settings."""

from __future__ import annotations

from chalicelib.core.areas import Area

AREA = Area(name="merchants", routes="chalicelib.merchants.routes")
