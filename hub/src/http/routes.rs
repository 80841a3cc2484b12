//! Every route of the hub, in one table. A newcomer finds a feature's handler from its path here.
//!
//! The `routes!` macro registers each route with actix and also lists it in [`TABLE`], which the
//! tests compare with the OpenAPI document so no API route goes undocumented.

use actix_web::http::Method;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{guard, web, App};

use super::{api, middleware, pages, AppState};

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
    GET "/" => pages::catalogue::index,
    GET "/offers/{id}" => pages::catalogue::offer,
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
        .wrap(from_fn(middleware::errors))
        .wrap(from_fn(middleware::security_headers))
        .wrap(Compress::default())
        .wrap(from_fn(middleware::observe))
}

async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, crate::error::Error> {
    Err(crate::error::Error::NotFound(req.path().to_string()))
}
