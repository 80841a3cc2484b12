//! `/api/offers`: the public catalogue, and the offer workflow for provider staff and
//! superadmins (api.md, Offers).

use actix_web::http::header::{self, ETag, EntityTag};
use actix_web::{web, HttpRequest, HttpResponse};

use super::paging::{ListOf, Meta, Pagination, Params};
use crate::domain::offers::input::OfferInput;
use crate::domain::offers::workflow::{self, Actor};
use crate::domain::offers::{self, Direction, Filter, ListQuery, Offer, SortField, Visibility};
use crate::error::Error;
use crate::http::auth::{client_ip, Caller};
use crate::http::AppState;

const SORTS: [&str; 4] = ["start_date", "price", "title", "created_at"];

/// Turns the catalogue's query string into a checked [`ListQuery`]; shared with the pages.
pub fn list_query(pairs: Vec<(String, String)>) -> Result<ListQuery, Error> {
    let mut p = Params::new(pairs);
    let (page, page_size) = p.paging();
    let lang = p.one_of("lang", &offers::LANGUAGES);
    let sort = match p.take("sort") {
        None => (SortField::StartDate, Direction::Asc),
        Some(raw) => {
            let (field, dir) = raw.split_once(':').unwrap_or((raw.as_str(), "asc"));
            let field = match field {
                "start_date" => Some(SortField::StartDate),
                "price" => Some(SortField::Price),
                "title" => Some(SortField::Title),
                "created_at" => Some(SortField::CreatedAt),
                _ => None,
            };
            let dir = match dir {
                "asc" => Some(Direction::Asc),
                "desc" => Some(Direction::Desc),
                _ => None,
            };
            match (field, dir) {
                (Some(f), Some(d)) => (f, d),
                _ => {
                    p.errors.push(crate::error::FieldError::new(
                        "sort",
                        "invalid",
                        format!(
                            "use FIELD:asc or FIELD:desc with FIELD one of {}",
                            SORTS.join(", ")
                        ),
                    ));
                    (SortField::StartDate, Direction::Asc)
                }
            }
        }
    };
    let filter = Filter {
        industry: p.take("industry"),
        mode: p.one_of("mode", &offers::MODES),
        language: p.one_of("language", &offers::LANGUAGES),
        vr_ar: p.parse("vr_ar", "true or false"),
        microcredential: p.parse("microcredential", "true or false"),
        eqf_level: p.opt_int_in("eqf_level", 1, 8).map(|l| l as i32),
        city: p.take("city"),
        country: p.take("country"),
        provider: p.take("provider"),
        starts_after: p.parse("starts_after", "a date YYYY-MM-DD"),
        starts_before: p.parse("starts_before", "a date YYYY-MM-DD"),
    };
    p.finish()?;
    Ok(ListQuery {
        lang,
        filter,
        sort,
        page,
        page_size,
    })
}

/// Published offers, filtered, sorted and paged.
#[utoipa::path(get, path = "/api/offers", tag = "offers",
    params(
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "items per page, at most 100 (default 20)"),
        ("lang" = Option<String>, Query, description = "en, pl, it or el: the language to show texts in, falling back to each offer's default"),
        ("sort" = Option<String>, Query, description = "start_date|price|title|created_at, with :asc or :desc"),
        ("industry" = Option<String>, Query), ("mode" = Option<String>, Query),
        ("language" = Option<String>, Query), ("vr_ar" = Option<bool>, Query),
        ("microcredential" = Option<bool>, Query), ("eqf_level" = Option<i32>, Query),
        ("city" = Option<String>, Query), ("country" = Option<String>, Query),
        ("provider" = Option<String>, Query, description = "provider organisation id"),
        ("starts_after" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("starts_before" = Option<String>, Query, description = "YYYY-MM-DD"),
    ),
    responses(
        (status = 200, body = ListOf<Offer>),
        (status = 400, body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<Offer>>, Error> {
    let q = list_query(query.into_inner())?;
    let (page, page_size, lang) = (q.page, q.page_size, q.lang.clone());
    let result = state
        .db
        .run(move |conn| offers::list_published(conn, &q))
        .await?;
    Ok(web::Json(ListOf {
        data: result
            .items
            .into_iter()
            .map(|o| o.in_language(lang.as_deref()))
            .collect(),
        meta: Meta {
            pagination: Pagination {
                page,
                page_size,
                total: result.total,
            },
            facets: Some(result.facets),
        },
    }))
}

/// One offer, with an `ETag` of its version; `If-None-Match` answers 304.
#[utoipa::path(get, path = "/api/offers/{id}", tag = "offers",
    params(("id" = String, Path, description = "offer id (UUID)"),
        ("lang" = Option<String>, Query, description = "the language to show texts in")),
    responses(
        (status = 200, body = Offer, headers(("ETag" = String, description = "\"{version}\""))),
        (status = 304, description = "unchanged since the ETag given in If-None-Match"),
        (status = 404, body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let mut p = Params::new(query.into_inner());
    let lang = p.one_of("lang", &offers::LANGUAGES);
    p.finish()?;
    // Staff of the offer's provider and superadmins see it in every status, with its review.
    let (superadmin, mine) = match &caller {
        Caller::Person { person, .. } => (person.is_superadmin(), provider_memberships(&caller)?),
        _ => (false, Vec::new()),
    };
    let offer = state
        .db
        .run(move |conn| {
            let mut offer = offers::get(conn, &id, Visibility::Everything)?;
            let staff = superadmin || mine.contains(&offer.provider.id);
            if !staff && offer.status != "published" {
                return Err(Error::NotFound(format!("offer {id}")));
            }
            if staff {
                offer.review = Some(workflow::review(conn, &id)?);
            }
            Ok(offer)
        })
        .await?;
    let offer = offer.in_language(lang.as_deref());
    let tag = EntityTag::new_strong(offer.version.to_string());
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == tag.to_string() || t.trim() == "*")
        });
    if unchanged {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(tag))
            .finish());
    }
    Ok(HttpResponse::Ok().insert_header(ETag(tag)).json(offer))
}

// ---------------------------------------------------------------------------------------------
// Writing offers: provider staff create, edit, submit and withdraw; superadmins decide.

/// The provider organisations the caller is confirmed staff of.
fn provider_memberships(caller: &Caller) -> Result<Vec<String>, Error> {
    let person = caller.person()?;
    Ok(person
        .memberships
        .iter()
        .filter(|m| m.kind == "provider" && m.status == "confirmed")
        .map(|m| m.organisation_id.clone())
        .collect())
}

/// The staff's and superadmin's view: the offer with its review state.
async fn staff_view(state: &AppState, id: String) -> Result<HttpResponse, Error> {
    let offer = state
        .db
        .run(move |conn| {
            let mut offer = offers::get(conn, &id, Visibility::Everything)?;
            offer.review = Some(workflow::review(conn, &id)?);
            Ok(offer)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(ETag(EntityTag::new_strong(offer.version.to_string())))
        .json(offer))
}

/// The version an `If-Match` header names: 428 without one, 412 when it names none.
fn if_match(req: &HttpRequest) -> Result<i32, Error> {
    let raw = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or(Error::PreconditionRequired)?;
    raw.to_str()
        .ok()
        .map(|v| {
            v.trim()
                .trim_start_matches("W/")
                .trim_matches('"')
                .to_string()
        })
        .and_then(|v| v.parse().ok())
        .ok_or(Error::PreconditionFailed)
}

/// The offer's provider, if the caller is its staff; otherwise the refusal that fits.
async fn own_offer(state: &AppState, caller: &Caller, id: &str) -> Result<String, Error> {
    let mine = provider_memberships(caller)?;
    let id = id.to_string();
    let (provider, status) = state
        .db
        .run(move |conn| offers::provider_and_status(conn, &id))
        .await?;
    if mine.contains(&provider) {
        Ok(provider)
    } else if ["published", "withdrawn", "archived"].contains(&status.as_str()) {
        Err(Error::Forbidden(
            "only the staff of the offer's provider may change it".into(),
        ))
    } else {
        Err(Error::NotFound("offer".into()))
    }
}

/// Creates a draft offer of the caller's provider organisation.
#[utoipa::path(post, path = "/api/offers", tag = "offers", security(("bearer" = [])), request_body = OfferInput,
    responses((status = 201, body = Offer), (status = 400, body = crate::http::problem::Problem), (status = 403)))]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    body: web::Json<OfferInput>,
) -> Result<HttpResponse, Error> {
    let mine = provider_memberships(&caller)?;
    let input = body.into_inner();
    let provider = match (&input.provider_id, mine.as_slice()) {
        (_, []) => {
            return Err(Error::Forbidden(
                "only confirmed provider staff create offers".into(),
            ))
        }
        (Some(p), _) if mine.contains(p) => p.clone(),
        (Some(_), _) => {
            return Err(Error::field(
                "provider_id",
                "forbidden",
                "you are not staff of this provider",
            ))
        }
        (None, [one]) => one.clone(),
        (None, _) => {
            return Err(Error::field(
                "provider_id",
                "required",
                "you are staff of several providers: name one",
            ))
        }
    };
    let new = input.into_new(&provider)?;
    let user = caller.person()?.id.clone();
    let ip = client_ip(&req);
    let id = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let id = offers::create(conn, &new, Some(&user))?;
                crate::domain::audit::record(
                    conn,
                    crate::domain::audit::Entry {
                        actor_id: Some(&user),
                        action: "offer.created",
                        subject_type: "offer",
                        subject_id: Some(&id),
                        ip: ip.as_deref(),
                        detail: serde_json::json!({}),
                    },
                )?;
                Ok(id)
            })
        })
        .await?;
    let mut res = staff_view(&state, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

/// Changes an offer (`If-Match` required). A published offer keeps showing until the revision
/// this creates is approved.
#[utoipa::path(patch, path = "/api/offers/{id}", tag = "offers", security(("bearer" = [])), request_body = OfferInput,
    params(("id" = String, Path), ("If-Match" = String, Header, description = "the ETag read")),
    responses((status = 200, body = Offer), (status = 400), (status = 403), (status = 409), (status = 412), (status = 428)))]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<OfferInput>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let provider = own_offer(&state, &caller, &id).await?;
    let expected = if_match(&req)?;
    let (user, ip, patch, oid) = (
        caller.person()?.id.clone(),
        client_ip(&req),
        body.into_inner(),
        id.clone(),
    );
    state
        .db
        .run(move |conn| {
            workflow::update(
                conn,
                &oid,
                &provider,
                expected,
                patch,
                &Actor {
                    user_id: &user,
                    ip: ip.as_deref(),
                },
            )
        })
        .await?;
    staff_view(&state, id).await
}

async fn transition(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: String,
    what: &'static str,
) -> Result<HttpResponse, Error> {
    let provider = own_offer(&state, &caller, &id).await?;
    let (user, ip, oid) = (caller.person()?.id.clone(), client_ip(&req), id.clone());
    let today = chrono::Utc::now().date_naive();
    state
        .db
        .run(move |conn| {
            let actor = Actor {
                user_id: &user,
                ip: ip.as_deref(),
            };
            match what {
                "submit" => workflow::submit(conn, &oid, &provider, &actor),
                _ => workflow::withdraw(conn, &oid, &provider, today, &actor),
            }
        })
        .await?;
    staff_view(&state, id).await
}

#[utoipa::path(post, path = "/api/offers/{id}/submit", tag = "offers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Offer), (status = 403), (status = 409)))]
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    transition(state, req, caller, id.into_inner(), "submit").await
}

/// Withdraws a published offer; refused (409) within 1 day of its start.
#[utoipa::path(post, path = "/api/offers/{id}/withdraw", tag = "offers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Offer), (status = 403), (status = 409)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    transition(state, req, caller, id.into_inner(), "withdraw").await
}

/// The approval queue: new offers and revisions awaiting a decision.
#[utoipa::path(get, path = "/api/admin/offers", tag = "administration", security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "only pending_review is supported")),
    responses((status = 200, body = Vec<Offer>), (status = 403)))]
pub async fn queue(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<Vec<Offer>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    p.one_of("status", &["pending_review"]);
    p.finish()?;
    let pending = state
        .db
        .run(|conn| {
            let mut all = workflow::queue(conn)?;
            for offer in &mut all {
                offer.review = Some(workflow::review(conn, &offer.id)?);
            }
            Ok(all)
        })
        .await?;
    Ok(web::Json(pending))
}

#[utoipa::path(post, path = "/api/admin/offers/{id}/approve", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = Offer), (status = 403), (status = 409)))]
pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let user = caller.superadmin()?.id.clone();
    let (id, ip) = (id.into_inner(), client_ip(&req));
    let oid = id.clone();
    state
        .db
        .run(move |conn| {
            workflow::approve(
                conn,
                &oid,
                &Actor {
                    user_id: &user,
                    ip: ip.as_deref(),
                },
            )
        })
        .await?;
    staff_view(&state, id).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct Rejection {
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/admin/offers/{id}/reject", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Rejection, responses((status = 200, body = Offer), (status = 400), (status = 403), (status = 409)))]
pub async fn reject(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Rejection>,
) -> Result<HttpResponse, Error> {
    let user = caller.superadmin()?.id.clone();
    let (id, ip) = (id.into_inner(), client_ip(&req));
    let reason = body.into_inner().reason.unwrap_or_default();
    let oid = id.clone();
    state
        .db
        .run(move |conn| {
            workflow::reject(
                conn,
                &oid,
                &reason,
                &Actor {
                    user_id: &user,
                    ip: ip.as_deref(),
                },
            )
        })
        .await?;
    staff_view(&state, id).await
}
