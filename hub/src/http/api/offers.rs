//! `/api/offers`: the public catalogue, and the offer workflow for provider staff and
//! superadmins (api.md, Offers).

use actix_web::http::header::{ETag, EntityTag};
use actix_web::{web, HttpRequest, HttpResponse};

use super::paging::{ListOf, Meta, Pagination, Params};
use crate::domain::catalogue::{self, OfferView};
use crate::domain::offers::input::OfferInput;
use crate::domain::offers::workflow;
use crate::domain::offers::{self, Direction, Filter, ListQuery, SortField, Visibility};
use crate::domain::vocabulary::{OfferStatus, OrganisationKind};
use crate::domain::Actor;
use crate::error::Error;
use crate::http::auth::{client_ip, Caller};
use crate::http::cache::Cached;
use crate::http::AppState;

const SORTS: [&str; 6] = [
    "start_date",
    "price",
    "title",
    "rating",
    "created_at",
    "relevance",
];
/// A longer query is not a search a person typed.
const LONGEST_QUERY: usize = 200;

/// A decimal price bound ("199.99") as millionths of a major unit, the catalogue's scale.
fn price_bound(p: &mut Params, name: &str) -> Option<i64> {
    let raw = p.take(name)?;
    let micros = parse_micros(&raw);
    if micros.is_none() {
        p.errors.push(crate::error::FieldError::new(
            name,
            "invalid",
            "a decimal amount of at least 0 with at most 6 decimals, e.g. 199.99",
        ));
    }
    micros
}

fn parse_micros(raw: &str) -> Option<i64> {
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 6 {
        return None;
    }
    let frac: i64 = format!("{frac:0<6}").parse().ok()?;
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(1_000_000)?
        .checked_add(frac)
}

/// Turns the catalogue's query string into a checked [`ListQuery`]; shared with the pages.
pub fn list_query(pairs: Vec<(String, String)>) -> Result<ListQuery, Error> {
    let mut p = Params::new(pairs);
    let (page, page_size) = p.paging();
    let lang = p.one_of("lang", &crate::i18n::LANGUAGES);
    let text = p
        .take("q")
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty());
    if text
        .as_ref()
        .is_some_and(|q| q.chars().count() > LONGEST_QUERY)
    {
        p.errors.push(crate::error::FieldError::new(
            "q",
            "too_long",
            format!("at most {LONGEST_QUERY} characters"),
        ));
    }
    let sort = p.take("sort").and_then(|raw| {
        let (field, dir) = raw.split_once(':').unwrap_or((raw.as_str(), "asc"));
        let field = match field {
            "start_date" => Some(SortField::StartDate),
            "price" => Some(SortField::Price),
            "title" => Some(SortField::Title),
            "rating" => Some(SortField::Rating),
            "created_at" => Some(SortField::CreatedAt),
            "relevance" if text.is_some() => Some(SortField::Relevance),
            _ => None,
        };
        let dir = match dir {
            "asc" => Some(Direction::Asc),
            "desc" => Some(Direction::Desc),
            _ => None,
        };
        if field.is_none() || dir.is_none() {
            p.errors.push(crate::error::FieldError::new(
                "sort",
                "invalid",
                format!(
                    "use FIELD:asc or FIELD:desc with FIELD one of {} (relevance only with q)",
                    SORTS.join(", ")
                ),
            ));
        }
        field.zip(dir)
    });
    let currency = p.take("currency").map(|c| c.to_ascii_uppercase());
    if currency
        .as_deref()
        .is_some_and(|c| crate::domain::money::minor_digits(c).is_none())
    {
        p.errors.push(crate::error::FieldError::new(
            "currency",
            "invalid",
            "an ISO 4217 currency code, e.g. EUR",
        ));
    }
    let filter = Filter {
        industry: p.take("industry"),
        mode: p.one_of("mode", &offers::MODES),
        language: p.one_of("language", &crate::i18n::LANGUAGES),
        vr_ar: p.parse("vr_ar", "true or false"),
        microcredential: p.parse("microcredential", "true or false"),
        eqf_level: p.opt_int_in("eqf_level", 1, 8).map(|l| l as i32),
        city: p.take("city"),
        country: p.take("country"),
        provider: p.take("provider"),
        starts_after: p.parse("starts_after", "a date YYYY-MM-DD"),
        starts_before: p.parse("starts_before", "a date YYYY-MM-DD"),
        price_min: price_bound(&mut p, "price_min"),
        price_max: price_bound(&mut p, "price_max"),
        currency,
    };
    p.finish()?;
    Ok(ListQuery {
        lang,
        text,
        filter,
        sort,
        page,
        page_size,
    })
}

/// Published offers matching the query: a page of them, the total and the facets. Answers come
/// from the catalogue's search index and the public-read cache, with a weak `ETag`.
#[utoipa::path(get, path = "/api/offers", tag = "offers",
    params(
        ("q" = Option<String>, Query, description = "words every offer found contains, in any of its languages; case and accents do not matter, and words are stemmed (en, pl, it, el)"),
        ("page" = Option<i64>, Query, description = "1-based page number"),
        ("page_size" = Option<i64>, Query, description = "items per page, at most 100 (default 20)"),
        ("lang" = Option<String>, Query, description = "en, pl, it or el: the language to show texts in, falling back to each offer's default"),
        ("sort" = Option<String>, Query, description = "start_date|price|title|rating|created_at|relevance, with :asc or :desc; default relevance:desc with q, else start_date:asc"),
        ("industry" = Option<String>, Query), ("mode" = Option<String>, Query),
        ("language" = Option<String>, Query, description = "a language of instruction"), ("vr_ar" = Option<bool>, Query),
        ("microcredential" = Option<bool>, Query), ("eqf_level" = Option<i32>, Query),
        ("city" = Option<String>, Query, description = "case and accents do not matter"), ("country" = Option<String>, Query, description = "ISO 3166-1 alpha-2"),
        ("provider" = Option<String>, Query, description = "provider organisation id"),
        ("starts_after" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("starts_before" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("price_min" = Option<String>, Query, description = "decimal, in the offer's own currency"),
        ("price_max" = Option<String>, Query, description = "decimal, in the offer's own currency"),
        ("currency" = Option<String>, Query, description = "ISO 4217: only offers priced in it"),
    ),
    responses(
        (status = 200, body = ListOf<OfferView>, headers(("ETag" = String, description = "weak; If-None-Match answers 304"))),
        (status = 304, description = "unchanged since the ETag given in If-None-Match"),
        (status = 400, body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, Error> {
    let q = list_query(query.into_inner())?;
    let key = format!("offers?{}", req.query_string());
    let state2 = state.clone();
    let answer = state
        .public_reads
        .get_or_make(state.catalogue.generation(), key, async move {
            let (page, page_size, lang) = (q.page, q.page_size, q.lang.clone());
            let found = state2.catalogue.search_in_background(q).await?;
            let ids = found.items;
            let items = state2
                .db
                .run(move |conn| catalogue::published_in_order(conn, &ids))
                .await?;
            let body = serde_json::to_vec(&ListOf {
                data: items
                    .into_iter()
                    .map(|o| o.in_language(lang.as_deref()))
                    .collect::<Vec<OfferView>>(),
                meta: Meta {
                    pagination: Pagination {
                        page,
                        page_size,
                        total: found.total,
                    },
                    facets: Some(found.facets),
                },
            })?;
            Ok(Cached::new(body))
        })
        .await?;
    Ok(answer.respond(&req))
}

/// One offer, with an `ETag` of its version; `If-None-Match` answers 304.
#[utoipa::path(get, path = "/api/offers/{id}", tag = "offers",
    params(("id" = String, Path, description = "offer id (UUID)"),
        ("lang" = Option<String>, Query, description = "the language to show texts in")),
    responses(
        (status = 200, body = OfferView, headers(("ETag" = String, description = "\"{version}\""))),
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
    let lang = p.one_of("lang", &crate::i18n::LANGUAGES);
    p.finish()?;
    // Staff of the offer's provider and superadmins see it in every status, with its review.
    let (superadmin, mine) = match &caller {
        Caller::Person { person, .. } => (
            person.is_superadmin(),
            person.staff_organisations(OrganisationKind::Provider),
        ),
        _ => (false, Vec::new()),
    };
    // Everyone else sees the public view of a published offer, the same for all: cached.
    let public = state
        .catalogue
        .provider_of(&id)
        .is_some_and(|provider| !superadmin && !mine.contains(&provider));
    if public {
        let key = format!("offer/{id}?lang={}", lang.as_deref().unwrap_or_default());
        let db = state.db.clone();
        let answer = state
            .public_reads
            .get_or_make(state.catalogue.generation(), key, async move {
                let offer = db
                    .run(move |conn| catalogue::get(conn, &id, Visibility::Public))
                    .await?
                    .in_language(lang.as_deref());
                let tag = EntityTag::new_strong(offer.version.to_string()).to_string();
                Ok(Cached::with_etag(serde_json::to_vec(&offer)?, tag))
            })
            .await?;
        return Ok(answer.respond(&req));
    }
    let offer = state
        .db
        .run(move |conn| {
            let mut offer = catalogue::get(conn, &id, Visibility::Everything)?;
            let staff = superadmin || mine.contains(&offer.provider.id);
            if !staff && offer.status != OfferStatus::Published {
                return Err(Error::NotFound(format!("offer {id}")));
            }
            if staff {
                offer.offer.review = Some(workflow::review(conn, &id)?);
            }
            Ok(offer)
        })
        .await?;
    let offer = offer.in_language(lang.as_deref());
    let tag = EntityTag::new_strong(offer.version.to_string()).to_string();
    // Not cached (it may hold the review), but answered the same way: ETag, 304, gzip.
    Ok(Cached::with_etag(serde_json::to_vec(&offer)?, tag).respond(&req))
}

// ---------------------------------------------------------------------------------------------
// Writing offers: provider staff create, edit, submit and withdraw; superadmins decide.

/// The provider organisations the caller is confirmed staff of.
fn provider_memberships(caller: &Caller) -> Result<Vec<String>, Error> {
    Ok(caller
        .person()?
        .staff_organisations(OrganisationKind::Provider))
}

/// The staff's and superadmin's view: the offer with its review state.
async fn staff_view(state: &AppState, id: String) -> Result<HttpResponse, Error> {
    let offer = state
        .db
        .run(move |conn| {
            let mut offer = catalogue::get(conn, &id, Visibility::Everything)?;
            offer.offer.review = Some(workflow::review(conn, &id)?);
            Ok(offer)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(ETag(EntityTag::new_strong(offer.version.to_string())))
        .json(offer))
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
    } else if status.was_published() {
        Err(Error::Forbidden(
            "only the staff of the offer's provider may change it".into(),
        ))
    } else {
        Err(Error::NotFound("offer".into()))
    }
}

/// Creates a draft offer of the caller's provider organisation.
#[utoipa::path(post, path = "/api/offers", tag = "offers", security(("bearer" = [])), request_body = OfferInput,
    responses((status = 201, body = OfferView), (status = 400, body = crate::http::problem::Problem), (status = 403)))]
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
    let actor = Actor::person(&caller.person()?.id, client_ip(&req));
    let id = state
        .db
        .run(move |conn| offers::create(conn, &new, &actor))
        .await?;
    let mut res = staff_view(&state, id).await?;
    *res.status_mut() = actix_web::http::StatusCode::CREATED;
    Ok(res)
}

/// Changes an offer (`If-Match` required). A published offer keeps showing until the revision
/// this creates is approved.
#[utoipa::path(patch, path = "/api/offers/{id}", tag = "offers", security(("bearer" = [])), request_body = OfferInput,
    params(("id" = String, Path), ("If-Match" = String, Header, description = "the ETag read")),
    responses((status = 200, body = OfferView), (status = 400), (status = 403), (status = 409), (status = 412), (status = 428)))]
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<OfferInput>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let provider = own_offer(&state, &caller, &id).await?;
    let expected = super::if_match(&req)?;
    let actor = Actor::person(&caller.person()?.id, client_ip(&req));
    let (patch, oid) = (body.into_inner(), id.clone());
    state
        .db
        .run(move |conn| workflow::update(conn, &oid, &provider, expected, patch, &actor))
        .await?;
    staff_view(&state, id).await
}

/// A provider's move of an offer through its workflow.
#[derive(Clone, Copy)]
enum Step {
    Submit,
    Withdraw,
}

async fn transition(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: String,
    step: Step,
) -> Result<HttpResponse, Error> {
    let provider = own_offer(&state, &caller, &id).await?;
    let actor = Actor::person(&caller.person()?.id, client_ip(&req));
    let oid = id.clone();
    let today = chrono::Utc::now().date_naive();
    state
        .db
        .run(move |conn| match step {
            Step::Submit => workflow::submit(conn, &oid, &provider, &actor),
            Step::Withdraw => workflow::withdraw(conn, &oid, &provider, today, &actor),
        })
        .await?;
    staff_view(&state, id).await
}

#[utoipa::path(post, path = "/api/offers/{id}/submit", tag = "offers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OfferView), (status = 403), (status = 409)))]
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    transition(state, req, caller, id.into_inner(), Step::Submit).await
}

/// Withdraws a published offer; refused (409) within 1 day of its start.
#[utoipa::path(post, path = "/api/offers/{id}/withdraw", tag = "offers", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OfferView), (status = 403), (status = 409)))]
pub async fn withdraw(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    transition(state, req, caller, id.into_inner(), Step::Withdraw).await
}

/// The approval queue: new offers and revisions awaiting a decision.
#[utoipa::path(get, path = "/api/admin/offers", tag = "administration", security(("bearer" = [])),
    params(("status" = Option<String>, Query, description = "only pending_review is supported")),
    responses((status = 200, body = ListOf<OfferView>), (status = 403)))]
pub async fn queue(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<web::Json<ListOf<OfferView>>, Error> {
    caller.superadmin()?;
    let mut p = Params::new(query.into_inner());
    p.one_of("status", &[OfferStatus::PendingReview.as_str()]);
    let window = p.window();
    p.finish()?;
    let pending = state
        .db
        .run(|conn| {
            let mut all = workflow::queue(conn)?;
            for offer in &mut all {
                offer.review = Some(workflow::review(conn, &offer.id)?);
            }
            catalogue::views(conn, all)
        })
        .await?;
    Ok(web::Json(ListOf::of(window.of(pending), window)))
}

#[utoipa::path(post, path = "/api/admin/offers/{id}/approve", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = OfferView), (status = 403), (status = 409)))]
pub async fn approve(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let actor = Actor::person(&caller.superadmin()?.id, client_ip(&req));
    let id = id.into_inner();
    let oid = id.clone();
    state
        .db
        .run(move |conn| workflow::approve(conn, &oid, &actor))
        .await?;
    staff_view(&state, id).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct Rejection {
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/admin/offers/{id}/reject", tag = "administration", security(("bearer" = [])), params(("id" = String, Path)),
    request_body = Rejection, responses((status = 200, body = OfferView), (status = 400), (status = 403), (status = 409)))]
pub async fn reject(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
    body: web::Json<Rejection>,
) -> Result<HttpResponse, Error> {
    let actor = Actor::person(&caller.superadmin()?.id, client_ip(&req));
    let id = id.into_inner();
    let reason = body.into_inner().reason.unwrap_or_default();
    let oid = id.clone();
    state
        .db
        .run(move |conn| workflow::reject(conn, &oid, &reason, &actor))
        .await?;
    staff_view(&state, id).await
}
