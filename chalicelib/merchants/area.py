"""How merchants plugs into the deployment (see core/areas.py). No routes yet: onboarding and the
platform admin's routes arrive with the multi-merchant issue."""

from __future__ import annotations

from chalicelib.core.areas import Area

AREA = Area(name="merchants")
