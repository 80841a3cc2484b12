//! Open Badges over HTTP (open-badges.md, api.md): badge definitions on offers, the holder's
//! credentials, each credential public by its unguessable id (JSON-LD, or baked into its image),
//! revocation, and what verifiers fetch: the issuer's profile with its keys, and its status list.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Datelike, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::domain::badges::{self, definitions, held, BadgeInput, BadgeView, CredentialView, Urls};
use crate::domain::offers;
use crate::domain::vocabulary::{OfferStatus, OrganisationKind};
use crate::error::Error;
use crate::http::api::paging::{ListOf, Params};
use crate::http::auth::Caller;
use crate::http::AppState;
use rdf::credentials::{baking, contexts, proof, status_list};

const LD_JSON: &str = "application/ld+json";

/// 404 unless the offer is published or the caller is its provider's staff or a superadmin.
async fn visible_offer(state: &AppState, caller: &Caller, offer: &str) -> Result<(), Error> {
    let id = offer.to_string();
    let (provider, status) = state
        .db
        .run(move |conn| offers::provider_and_status(conn, &id))
        .await?;
    let insider = match caller {
        Caller::Person { person, .. } => {
            person.is_superadmin()
                || person
                    .staff_organisations(OrganisationKind::Provider)
                    .contains(&provider)
        }
        _ => false,
    };
    if status == OfferStatus::Published || insider {
        Ok(())
    } else {
        Err(Error::NotFound(format!("offer {offer}")))
    }
}

/// Defines a badge on the offer (its provider's staff, or a superadmin).
#[utoipa::path(post, path = "/api/offers/{id}/badges", tag = "badges", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = BadgeInput,
    responses((status = 201, body = BadgeView), (status = 400, body = crate::http::problem::Problem),
        (status = 401), (status = 403), (status = 404)))]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<BadgeInput>,
) -> Result<HttpResponse, Error> {
    let person = caller.person()?.clone();
    let (offer, input) = (id.into_inner(), body.into_inner());
    let badge = state
        .db
        .run(move |conn| definitions::create(conn, &person, &offer, &input))
        .await?;
    Ok(HttpResponse::Created().json(badge))
}

/// The badges defined on the offer.
#[utoipa::path(get, path = "/api/offers/{id}/badges", tag = "badges", params(("id" = String, Path)),
    responses((status = 200, body = Vec<BadgeView>), (status = 404)))]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<web::Json<Vec<BadgeView>>, Error> {
    let offer = id.into_inner();
    visible_offer(&state, &caller, &offer).await?;
    Ok(web::Json(
        state
            .db
            .run(move |conn| definitions::of_offer(conn, &offer))
            .await?,
    ))
}

/// One badge of the offer: the achievement its credentials name.
#[utoipa::path(get, path = "/api/offers/{id}/badges/{badge}", tag = "badges",
    params(("id" = String, Path), ("badge" = String, Path)),
    responses((status = 200, body = BadgeView), (status = 404)))]
pub async fn one(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<web::Json<BadgeView>, Error> {
    let (offer, badge) = path.into_inner();
    visible_offer(&state, &caller, &offer).await?;
    Ok(web::Json(
        state
            .db
            .run(move |conn| definitions::get(conn, &offer, &badge))
            .await?,
    ))
}

/// The badge's image (a plain one is drawn when the provider gave none).
#[utoipa::path(get, path = "/api/offers/{id}/badges/{badge}/image.png", tag = "badges",
    params(("id" = String, Path), ("badge" = String, Path)),
    responses((status = 200, content_type = "image/png"), (status = 404)))]
pub async fn image(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Error> {
    let (offer, badge) = path.into_inner();
    let png = state
        .db
        .run(move |conn| definitions::image(conn, &offer, &badge))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(3600),
        ]))
        .body(png))
}

/// A badge as its holder sees it, with where to share and download it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct HeldBadge {
    #[serde(flatten)]
    pub badge: CredentialView,
    /// The public page to share.
    pub share_url: String,
    /// The credential's image with the credential baked in.
    pub png_url: String,
    /// LinkedIn's "add to profile" address, filled in.
    pub linkedin_url: String,
}

/// The caller's badges, newest first.
#[utoipa::path(get, path = "/api/me/badges", tag = "badges", security(("bearer" = [])),
    params(("page" = Option<i64>, Query), ("page_size" = Option<i64>, Query)),
    responses((status = 200, body = ListOf<HeldBadge>), (status = 401)))]
pub async fn mine(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<HeldBadge>>, Error> {
    let mut p = Params::new(query.into_inner());
    let window = p.window();
    p.finish()?;
    let user = caller.person()?.id.clone();
    let page = state
        .db
        .run(move |conn| held::mine(conn, &user, window))
        .await?;
    let urls = Urls::new(&state.config.base_url);
    let items = page
        .items
        .into_iter()
        .map(|badge| HeldBadge {
            share_url: urls.share(&badge.id),
            png_url: format!("{}.png", urls.credential(&badge.id)),
            linkedin_url: linkedin_url(&badge, &urls.share(&badge.id)),
            badge,
        })
        .collect();
    Ok(web::Json(ListOf::of(
        crate::db::Paged {
            items,
            total: page.total,
        },
        window,
    )))
}

/// A credential, as signed (public: its id is unguessable).
#[utoipa::path(get, path = "/api/badges/{id}", tag = "badges", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/ld+json", description = "the OpenBadgeCredential"),
        (status = 404)))]
pub async fn credential(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let view = state.db.run(move |conn| held::get(conn, &id)).await?;
    Ok(HttpResponse::Ok()
        .content_type(LD_JSON)
        .insert_header(("access-control-allow-origin", "*"))
        .body(view.credential.to_string()))
}

/// The credential baked into its badge's image (an `iTXt` chunk `openbadgecredential`).
#[utoipa::path(get, path = "/api/badges/{id}.png", tag = "badges", params(("id" = String, Path)),
    responses((status = 200, content_type = "image/png"), (status = 404)))]
pub async fn baked(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let png = state
        .db
        .run(move |conn| {
            let view = held::get(conn, &id)?;
            let image = definitions::image(conn, &view.offer_id, &view.badge_id)?;
            baking::bake(&image, &view.credential.to_string())
                .map_err(|e| Error::Internal(format!("baking badge {id}: {e}")))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header(("content-disposition", "attachment; filename=\"badge.png\""))
        .body(png))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// Why: kept in the audit log and shown to verifiers as the badge's state.
    pub reason: String,
}

/// Revokes a credential (the issuer's staff, or a superadmin); its status list changes at once.
#[utoipa::path(post, path = "/api/badges/{id}/revoke", tag = "badges", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Revoke,
    responses((status = 204), (status = 400, body = crate::http::problem::Problem), (status = 401),
        (status = 403), (status = 404), (status = 409)))]
pub async fn revoke(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Revoke>,
) -> Result<HttpResponse, Error> {
    let person = caller.person()?.clone();
    let actor = caller.actor(&req)?;
    let (id, reason) = (id.into_inner(), body.into_inner().reason);
    state
        .db
        .run(move |conn| held::revoke(conn, &person, &id, &reason, &actor))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

fn cached(hours: u32) -> CacheControl {
    CacheControl(vec![
        CacheDirective::Public,
        CacheDirective::MaxAge(hours * 3600),
    ])
}

/// The issuer's profile: what a credential's `issuer.id` and key `controller` point at. It lists
/// every key the issuer has had, so badges signed before a rotation still verify.
#[utoipa::path(get, path = "/issuers/{id}", tag = "badges", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/ld+json", description = "the issuer's Profile with its Multikeys"),
        (status = 404)))]
pub async fn issuer(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let profile = issuer_document(&state, &id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(LD_JSON)
        .insert_header(cached(1))
        .insert_header(("access-control-allow-origin", "*"))
        .body(profile.to_string()))
}

/// The issuer's profile document (also read by the hub's own verifier, without HTTP).
pub async fn issuer_document(
    state: &AppState,
    organisation: &str,
) -> Result<serde_json::Value, Error> {
    let org = organisation.to_string();
    let issuer = state.db.run(move |conn| held::issuer(conn, &org)).await?;
    let urls = Urls::new(&state.config.base_url);
    let controller = urls.issuer(organisation);
    let methods: Vec<_> = issuer
        .keys
        .iter()
        .map(|k| {
            // A retired key signs nothing new but stays as it was: an `expires` or `revoked`
            // would make verifiers refuse the badges it signed.
            json!({
                "id": urls.key(organisation, &k.multikey),
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": k.multikey,
            })
        })
        .collect();
    let mut profile = json!({
        "@context": [contexts::controller_terms(), contexts::CREDENTIALS_V2, contexts::OB_V3P0, contexts::MULTIKEY_V1],
        "id": controller,
        "type": ["Profile"],
        "name": issuer.name,
        "verificationMethod": methods,
        "assertionMethod": issuer
            .keys
            .iter()
            .map(|k| urls.key(organisation, &k.multikey))
            .collect::<Vec<_>>(),
    });
    if let Some(site) = issuer.website {
        profile["url"] = site.into();
    }
    Ok(profile)
}

/// The issuer's revocation list, signed now by its current key: a revocation shows at once.
#[utoipa::path(get, path = "/status/{id}", tag = "badges", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/ld+json", description = "a BitstringStatusListCredential"),
        (status = 404)))]
pub async fn status(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let signed = status_document(&state, &id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .content_type(LD_JSON)
        .insert_header(CacheControl(vec![CacheDirective::NoCache]))
        .insert_header(("access-control-allow-origin", "*"))
        .body(signed.to_string()))
}

/// The issuer's signed status list (also read by the hub's own verifier, without HTTP).
pub async fn status_document(
    state: &AppState,
    organisation: &str,
) -> Result<serde_json::Value, Error> {
    let organisation = organisation.to_string();
    let urls = Urls::new(&state.config.base_url);
    let sealer = state.sealer.clone();
    state
        .db
        .run(move |conn| {
            let issuer = held::issuer(conn, &organisation)?;
            let key = badges::keys::current(conn, &sealer, &organisation)?;
            let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
            let unsigned = status_list::credential(
                &urls.status_list(&organisation),
                // The issuer by its id: `Profile` is an Open Badges term, and the list is a
                // plain VC 2.0 credential (a processor in safe mode refuses unknown types).
                &json!(urls.issuer(&organisation)),
                &now,
                status_list::encode(issuer.size, issuer.revoked),
            );
            let method = urls.key(&organisation, &proof::public_multikey(&key.verifying_key()));
            proof::sign(&unsigned, &key, &method, &now)
                .map_err(|e| Error::Internal(format!("signing a status list: {e}")))
        })
        .await
}

/// LinkedIn's "add to profile" address for a credential (open-badges.md, Holding).
pub fn linkedin_url(view: &CredentialView, url: &str) -> String {
    let issued = view.issued_at.and_utc();
    let mut u = url::Url::parse("https://www.linkedin.com/profile/add").expect("a URL");
    u.query_pairs_mut()
        .append_pair("startTask", "CERTIFICATION_NAME")
        .append_pair("name", &view.name)
        .append_pair("organizationName", &view.issuer)
        .append_pair("issueYear", &issued.year().to_string())
        .append_pair("issueMonth", &issued.month().to_string())
        .append_pair("certUrl", url)
        .append_pair("certId", &view.id);
    u.into()
}
