//! `GET /api/offers` and `GET /api/offers/{id}`: the public catalogue (api.md, Offers).

use actix_web::http::header::{self, ETag, EntityTag};
use actix_web::{web, HttpRequest, HttpResponse};

use super::paging::{ListOf, Meta, Pagination, Params};
use crate::domain::offers::{self, Direction, Filter, ListQuery, Offer, SortField, Visibility};
use crate::error::Error;
use crate::http::AppState;

const SORTS: [&str; 4] = ["start_date", "price", "title", "created_at"];

/// Turns the catalogue's query string into a checked [`ListQuery`]; shared with the pages.
pub fn list_query(pairs: Vec<(String, String)>) -> Result<ListQuery, Error> {
    let mut p = Params::new(pairs);
    let (page, page_size) = p.paging();
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
    let (page, page_size) = (q.page, q.page_size);
    let result = state
        .db
        .run(move |conn| offers::list_published(conn, &q))
        .await?;
    Ok(web::Json(ListOf {
        data: result.items,
        meta: Meta {
            pagination: Pagination {
                page,
                page_size,
                total: result.total,
            },
        },
    }))
}

/// One offer, with an `ETag` of its version; `If-None-Match` answers 304.
#[utoipa::path(get, path = "/api/offers/{id}", tag = "offers",
    params(("id" = String, Path, description = "offer id (UUID)")),
    responses(
        (status = 200, body = Offer, headers(("ETag" = String, description = "\"{version}\""))),
        (status = 304, description = "unchanged since the ETag given in If-None-Match"),
        (status = 404, body = crate::http::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let offer = state
        .db
        .run(move |conn| offers::get(conn, &id, Visibility::Public))
        .await?;
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
