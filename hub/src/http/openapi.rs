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
        api::applications::one,
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
        crate::http::sparql::get,
        crate::http::sparql::post,
        crate::http::qdr::current,
        crate::http::qdr::version,
        crate::http::qdr::dcat,
        crate::http::qdr::history,
        crate::http::qdr::push,
        api::admin::deliveries,
        api::admin::retry_delivery,
        crate::http::xapi::post,
        crate::http::xapi::put,
        crate::http::xapi::about,
        crate::http::xapi::unmapped,
        crate::http::xapi::rule,
        crate::http::xapi::set_rule,
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
        api::badges::create,
        api::badges::list,
        api::badges::one,
        api::badges::image,
        api::badges::mine,
        api::badges::baked,
        api::badges::credential,
        api::badges::revoke,
        api::badges::issuer,
        api::badges::status,
        api::verify::verify,
        api::me::me,
        api::me::update,
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
    modifiers(&Security, &Refusals),
    tags((name = "offers", description = "The catalogue of training offers"),
         (name = "applications", description = "Applying, deciding, enrolment and completion"),
         (name = "ratings", description = "Ratings of completed trainings, named trainers"),
         (name = "announcements", description = "Employer announcements and providers' answers"),
         (name = "notifications", description = "The caller's notifications and e-mail preferences"),
         (name = "badges", description = "Open Badges 3.0: definitions, credentials, revocation, verification"),
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

/// The answers any operation can give besides its own, added to every operation so that a client
/// (or a fuzzer) can rely on the document: what the middleware answers on every route (429 rate
/// limits, 414 and 431 oversized heads, 503 time limits, 401 for credentials that do not hold),
/// 403 where a caller is needed,
/// 400 where there is input, 404 where a path names something, 413 where there is a body.
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Operation, ParameterIn};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let problem = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("Problem")))
                            .build(),
                    )
                    .build(),
            )
        };
        let add = |op: &mut Operation| {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let params = op.parameters.as_deref().unwrap_or_default();
            let in_path = params
                .iter()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path));
            let input = !params.is_empty() || op.request_body.is_some();
            let mut wanted = vec![
                // Credentials that do not hold are refused wherever they are sent.
                (
                    "401",
                    "credentials given that are not valid (or none where needed)",
                ),
                ("414", "URL longer than HUB_MAX_URL_BYTES"),
                (
                    "429",
                    "over the rate limit; Retry-After says when to try again",
                ),
                ("431", "header fields larger than HUB_MAX_HEADER_BYTES"),
                (
                    "503",
                    "took longer than HUB_REQUEST_TIMEOUT_SECS, or the hub is unavailable",
                ),
            ];
            if secured {
                wanted.push((
                    "403",
                    "not allowed to this caller (or a cookie without its CSRF token)",
                ));
            }
            if input {
                wanted.push(("400", "invalid input; `errors` names each field"));
            }
            if in_path {
                wanted.push(("404", "nothing of that id (that this caller may see)"));
            }
            if op.request_body.is_some() {
                wanted.push(("413", "body larger than HUB_MAX_BODY_BYTES"));
            }
            for (status, description) in wanted {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem(description));
            }
        };
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add(op);
            }
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
pub async fn document() -> web::Json<utoipa::openapi::OpenApi> {
    web::Json(ApiDoc::openapi())
}
