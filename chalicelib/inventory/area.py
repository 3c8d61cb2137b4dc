"""How inventory plugs into the deployment (see core/areas.py). Cheap to import: constants only.

No routes yet: stores' pages show stock through catalog, and reservations (later orders, pickups and
flash sales) move it through `inventory.api`."""

from __future__ import annotations

from chalicelib.core.areas import Area

AREA = Area(name="inventory")
