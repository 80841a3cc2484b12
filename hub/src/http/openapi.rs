//! The OpenAPI document, assembled from each handler's `#[utoipa::path]` (rauthy's way): the
//! reference partners read is generated from the code it describes. The OpenID Connect endpoints
//! are described by their own discovery document, not here.

use actix_web::web;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api;

#[derive(OpenApi)]
#[openapi(
    info(title = "Training Registry Hub API", description = "The register of training services for the Modern Business Services sector. Errors are RFC 9457 problem+json."),
    paths(
        api::health::healthz,
        api::health::readyz,
        api::health::metrics,
        document,
        api::offers::list,
        api::offers::detail,
        api::offers::create,
        api::offers::update,
        api::offers::submit,
        api::offers::withdraw,
        api::offers::queue,
        api::applications::apply,
        api::applications::of_offer,
        api::applications::mine,
        api::applications::accept,
        api::applications::reject,
        api::applications::cancel,
        api::applications::confirm,
        api::applications::enrol,
        api::applications::complete,
        api::announcements::create,
        api::announcements::list,
        api::announcements::close,
        api::announcements::respond,
        api::notifications::list,
        api::notifications::read,
        api::notifications::preferences,
        api::notifications::set_preferences,
        api::ratings::rate,
        api::ratings::list,
        api::ratings::provider,
        api::ratings::trainer,
        api::ratings::hide,
        api::trainers::name,
        api::employees::invite,
        api::employees::accept,
        api::employees::decline,
        api::trainers::confirm,
        api::trainers::decline,
        api::offers::approve,
        api::offers::reject,
        api::auth::register,
        api::auth::confirm,
        api::auth::token,
        api::auth::password_reset,
        api::auth::password_reset_confirm,
        api::me::me,
        api::me::erase,
        api::me::export,
        api::me::list_sessions,
        api::me::end_session,
        api::admin::organisations,
        api::admin::confirm_organisation,
        api::admin::reject_organisation,
        api::admin::users,
        api::admin::lock,
        api::admin::unlock,
        api::admin::reset_password,
        api::admin::end_sessions,
        api::admin::set_roles,
        api::admin::audit_log,
        api::admin::api_keys_list,
        api::admin::create_api_key,
        api::admin::revoke_api_key,
        api::admin::create_identity_provider,
        api::admin::create_oidc_client,
    ),
    components(schemas(crate::http::problem::Problem, crate::error::FieldError)),
    modifiers(&Security),
    tags((name = "offers", description = "The catalogue of training offers"),
         (name = "applications", description = "Applying, deciding, enrolment and completion"),
         (name = "ratings", description = "Ratings of completed trainings, named trainers"),
         (name = "announcements", description = "Employer announcements and providers' answers"),
         (name = "notifications", description = "The caller's notifications and e-mail preferences"),
         (name = "accounts", description = "Registration, tokens, the caller's own account"),
         (name = "administration", description = "Superadmin tools; every change is audited"),
         (name = "operations", description = "Health, readiness, metrics, this document")),
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn document() -> web::Json<utoipa::openapi::OpenApi> {
    web::Json(ApiDoc::openapi())
}
