//! The OpenAPI document, assembled from each handler's `#[utoipa::path]` (rauthy's way): the
//! reference partners read is generated from the code it describes.

use actix_web::web;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Training Registry Hub API", description = "The register of training services for the Modern Business Services sector. Errors are RFC 9457 problem+json."),
    paths(
        crate::http::api::health::healthz,
        crate::http::api::health::readyz,
        crate::http::api::health::metrics,
        document,
        crate::http::api::offers::list,
        crate::http::api::offers::detail,
    ),
    components(schemas(crate::http::problem::Problem, crate::error::FieldError)),
    tags((name = "offers", description = "The catalogue of training offers"),
         (name = "operations", description = "Health, readiness, metrics, this document")),
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn document() -> web::Json<utoipa::openapi::OpenApi> {
    web::Json(ApiDoc::openapi())
}
