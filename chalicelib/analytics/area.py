"""How analytics plugs into the deployment (see core/areas.py). Cheap to import: constants only.

Analytics declares no stream subscription of its own: the composition root subscribes `FEED_HANDLER`
to the entity type of every counter feed the areas declare (`Area.feeds`)."""

from __future__ import annotations

from chalicelib.core.areas import Area

# Called as handler(raw_stream_record, feed_function_path) by core.streams.dispatch.
FEED_HANDLER = "chalicelib.analytics.consumer:apply"

AREA = Area(name="analytics", routes="chalicelib.analytics.routes")
