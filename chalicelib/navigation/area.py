"""How navigation plugs into the deployment (see core/areas.py). Cheap to import: constants only."""

from __future__ import annotations

from chalicelib.core.areas import Area

AREA = Area(name="navigation", routes="chalicelib.navigation.routes")
