"""The Chalice app: wiring only. Routes live in each area's routes.py, rules beside them."""

from aws_lambda_powertools.logging import correlation_paths
from chalice import Chalice, ConvertToMiddleware

from chalicelib.catalog.routes import bp as catalog_routes
from chalicelib.core.observability import logger, metrics
from chalicelib.identity.routes import bp as identity_routes
from chalicelib.stores.routes import bp as store_routes

app = Chalice(app_name="o2o-backend")
app.register_middleware(
    ConvertToMiddleware(logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)), "http"
)
app.register_middleware(ConvertToMiddleware(metrics.log_metrics), "all")

app.register_blueprint(identity_routes)
app.register_blueprint(store_routes)
app.register_blueprint(catalog_routes)
