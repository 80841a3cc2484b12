//! Every route of the hub, in one table. A newcomer finds a feature's handler from its path here.
//!
//! The `routes!` macro registers each route with actix and also lists it in [`TABLE`], which the
//! tests compare with the OpenAPI document so no API route goes undocumented.

use actix_web::http::Method;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{guard, web, App};

use super::{api, middleware, pages, qdr, sparql, xapi, AppState};

macro_rules! routes {
    ($($method:ident $path:literal => $handler:path,)*) => {
        /// `(method, path)` of every route, in registration order.
        pub const TABLE: &[(&str, &str)] = &[$((stringify!($method), $path),)*];

        fn register(cfg: &mut web::ServiceConfig) {
            $(cfg.service(
                web::resource($path)
                    // On the resource too, so that another method on the same path falls through
                    // to the next resource instead of stopping here.
                    .guard(guard::Method(Method::$method))
                    .route(web::method(Method::$method).to($handler))
                    .wrap(from_fn(middleware::time_limit)),
            );)*
        }
    };
}

routes! {
    GET "/healthz" => api::health::healthz,
    GET "/readyz" => api::health::readyz,
    GET "/metrics" => api::health::metrics,
    GET "/api/openapi.json" => super::openapi::document,
    GET "/api/offers" => api::offers::list,
    GET "/api/offers/{id}" => api::offers::detail,
    POST "/api/offers" => api::offers::create,
    PATCH "/api/offers/{id}" => api::offers::update,
    POST "/api/offers/{id}/submit" => api::offers::submit,
    POST "/api/offers/{id}/withdraw" => api::offers::withdraw,
    POST "/api/offers/{id}/applications" => api::applications::apply,
    GET "/api/offers/{id}/applications" => api::applications::of_offer,
    GET "/api/me/applications" => api::applications::mine,
    GET "/api/applications/{id}" => api::applications::one,
    POST "/api/applications/{id}/accept" => api::applications::accept,
    POST "/api/applications/{id}/reject" => api::applications::reject,
    POST "/api/applications/{id}/cancel" => api::applications::cancel,
    POST "/api/applications/{id}/confirm" => api::applications::confirm,
    POST "/api/applications/{id}/enrol" => api::applications::enrol,
    POST "/api/applications/{id}/complete" => api::applications::complete,
    POST "/api/offers/{id}/ratings" => api::ratings::rate,
    GET "/api/offers/{id}/ratings" => api::ratings::list,
    GET "/api/providers/{id}/rating" => api::ratings::provider,
    GET "/api/trainers/{id}/rating" => api::ratings::trainer,
    POST "/api/admin/ratings/{id}/hide" => api::ratings::hide,
    POST "/api/offers/{id}/trainers" => api::trainers::name,
    POST "/api/organisations/{id}/employees" => api::employees::invite,
    GET "/sparql" => sparql::get,
    POST "/sparql" => sparql::post,
    GET "/id/{kind}/{rest:.*}" => sparql::resource,
    GET "/qdr/learning-opportunities.xml" => qdr::current,
    GET "/qdr/versions/{file}" => qdr::version,
    GET "/qdr/dcat.ttl" => qdr::dcat,
    GET "/api/admin/qdr/versions" => qdr::history,
    GET "/api/admin/deliveries" => api::admin::deliveries,
    GET "/api/admin/xapi/unmapped" => xapi::unmapped,
    GET "/api/offers/{id}/completion-rule" => xapi::rule,
    PUT "/api/offers/{id}/completion-rule" => xapi::set_rule,
    POST "/api/offers/{id}/badges" => api::badges::create,
    GET "/api/offers/{id}/badges" => api::badges::list,
    GET "/api/offers/{id}/badges/{badge}" => api::badges::one,
    GET "/api/offers/{id}/badges/{badge}/image.png" => api::badges::image,
    GET "/api/me/badges" => api::badges::mine,
    // Before `/api/badges/{id}`, which would take `….png` for an id.
    GET "/api/badges/{id}.png" => api::badges::baked,
    GET "/api/badges/{id}" => api::badges::credential,
    POST "/api/badges/{id}/revoke" => api::badges::revoke,
    GET "/issuers/{id}" => api::badges::issuer,
    GET "/status/{id}" => api::badges::status,
    POST "/api/verify" => api::verify::verify,
    POST "/xapi/statements" => xapi::post,
    PUT "/xapi/statements" => xapi::put,
    GET "/xapi/about" => xapi::about,
    POST "/api/admin/deliveries/{id}/retry" => api::admin::retry_delivery,
    POST "/api/admin/qdr/versions/{id}/push" => qdr::push,
    POST "/api/organisations/{id}/employees/accept" => api::employees::accept,
    POST "/api/organisations/{id}/employees/decline" => api::employees::decline,
    POST "/api/offers/{id}/trainers/confirm" => api::trainers::confirm,
    POST "/api/offers/{id}/trainers/decline" => api::trainers::decline,
    POST "/api/announcements" => api::announcements::create,
    GET "/api/announcements" => api::announcements::list,
    POST "/api/announcements/{id}/close" => api::announcements::close,
    POST "/api/announcements/{id}/responses" => api::announcements::respond,
    GET "/api/notifications" => api::notifications::list,
    POST "/api/notifications/{id}/read" => api::notifications::read,
    GET "/api/me/email-preferences" => api::notifications::preferences,
    PUT "/api/me/email-preferences" => api::notifications::set_preferences,
    GET "/api/admin/offers" => api::offers::queue,
    POST "/api/admin/offers/{id}/approve" => api::offers::approve,
    POST "/api/admin/offers/{id}/reject" => api::offers::reject,
    POST "/api/auth/register" => api::auth::register,
    POST "/api/auth/confirm" => api::auth::confirm,
    POST "/api/auth/token" => api::auth::token,
    POST "/api/auth/password-reset" => api::auth::password_reset,
    POST "/api/auth/password-reset/confirm" => api::auth::password_reset_confirm,
    GET "/api/me" => api::me::me,
    PUT "/api/me" => api::me::update,
    DELETE "/api/me" => api::me::erase,
    GET "/api/me/export" => api::me::export,
    GET "/api/me/sessions" => api::me::list_sessions,
    DELETE "/api/me/sessions/{id}" => api::me::end_session,
    GET "/api/admin/organisations" => api::admin::organisations,
    POST "/api/admin/organisations/{id}/confirm" => api::admin::confirm_organisation,
    POST "/api/admin/organisations/{id}/reject" => api::admin::reject_organisation,
    GET "/api/admin/users" => api::admin::users,
    POST "/api/admin/users/{id}/lock" => api::admin::lock,
    POST "/api/admin/users/{id}/unlock" => api::admin::unlock,
    POST "/api/admin/users/{id}/reset-password" => api::admin::reset_password,
    POST "/api/admin/users/{id}/end-sessions" => api::admin::end_sessions,
    PUT "/api/admin/users/{id}/roles" => api::admin::set_roles,
    GET "/api/admin/audit" => api::admin::audit_log,
    GET "/api/admin/api-keys" => api::admin::api_keys_list,
    POST "/api/admin/api-keys" => api::admin::create_api_key,
    DELETE "/api/admin/api-keys/{id}" => api::admin::revoke_api_key,
    POST "/api/admin/identity-providers" => api::admin::create_identity_provider,
    POST "/api/admin/oidc-clients" => api::admin::create_oidc_client,
    GET "/.well-known/openid-configuration" => super::oidc::discovery,
    GET "/oauth2/authorize" => super::oidc::authorize::authorize,
    POST "/oauth2/consent" => super::oidc::authorize::consent,
    POST "/oauth2/token" => super::oidc::token::token,
    GET "/oauth2/userinfo" => super::oidc::userinfo,
    POST "/oauth2/userinfo" => super::oidc::userinfo,
    GET "/oauth2/jwks" => super::oidc::jwks,
    GET "/oauth2/logout" => super::oidc::logout::logout,
    GET "/" => pages::catalogue::index,
    GET "/offers/{id}" => pages::catalogue::offer,
    GET "/signin" => pages::account::signin_form,
    POST "/signin" => pages::account::signin,
    POST "/signout" => pages::account::signout,
    GET "/signin/upstream/callback" => super::upstream::callback,
    GET "/signin/upstream/{id}" => super::upstream::start,
    GET "/register" => pages::account::register_form,
    POST "/register" => pages::account::register,
    GET "/confirm" => pages::account::confirm_form,
    POST "/confirm" => pages::account::confirm,
    GET "/badges/{id}" => pages::badges::show,
    GET "/verify" => pages::verify::form,
    POST "/verify" => pages::verify::check,
    GET "/forgot-password" => pages::account::forgot_form,
    POST "/forgot-password" => pages::account::forgot,
    GET "/reset-password" => pages::account::reset_form,
    POST "/reset-password" => pages::account::reset,
    GET "/sessions" => pages::account::sessions_page,
    POST "/sessions/end" => pages::account::end_session,
    GET "/static/hub.css" => pages::stylesheet,
}

/// The application with its middleware, as each HTTP worker builds it.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_body = state.config.max_body_bytes;
    App::new()
        .app_data(state)
        .app_data(web::PayloadConfig::new(max_body))
        .app_data(web::JsonConfig::default().limit(max_body))
        .app_data(web::QueryConfig::default())
        .configure(register)
        .default_service(web::to(not_found))
        .wrap(from_fn(middleware::read_your_writes))
        .wrap(from_fn(middleware::admin_only))
        .wrap(from_fn(super::rate_limit::limit))
        .wrap(from_fn(middleware::head_limits))
        .wrap(from_fn(middleware::errors))
        .wrap(from_fn(middleware::cors))
        .wrap(from_fn(middleware::security_headers))
        .wrap(Compress::default())
        .wrap(from_fn(middleware::observe))
}

async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, crate::error::Error> {
    Err(crate::error::Error::NotFound(req.path().to_string()))
}
