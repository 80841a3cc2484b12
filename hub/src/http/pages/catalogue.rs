//! The public catalogue: `/` lists published offers page by page, `/offers/{id}` shows one.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{html, language, Page};
use crate::domain::offers::{self, Offer, Visibility};
use crate::error::Error;
use crate::http::api::offers::list_query;
use crate::http::auth::Caller;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    page: Page,
    offers: Vec<Offer>,
    number: i64,
    pages: i64,
    total: i64,
    /// The text searched for, shown back in the search box.
    query: String,
    /// The link to a page of the same search, without the page number.
    pages_at: String,
}

#[derive(Template)]
#[template(path = "offer.html")]
struct OfferPage {
    page: Page,
    offer: Offer,
    /// The offer's course in Chamilo, once it has one, through the oauth2 plugin's
    /// third-party-initiated login: Chamilo signs the person in through this hub and lands on
    /// the course.
    course_url: Option<String>,
}

pub async fn index(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, Error> {
    let q = list_query(query.into_inner())?;
    let (number, size) = (q.page, q.page_size);
    let query = q.text.clone().unwrap_or_default();
    let pages_at = match query.as_str() {
        "" => "/?page=".to_string(),
        text => format!(
            "/?{}&page=",
            serde_urlencoded::to_string([("q", text)]).unwrap_or_default()
        ),
    };
    let result = state.catalogue.search_in_background(q).await?;
    let ids = result.items;
    let found = state
        .db
        .run(move |conn| offers::published_in_order(conn, &ids))
        .await?;
    let lang = language(&req, &caller);
    html(&CataloguePage {
        offers: found
            .into_iter()
            .map(|o| o.in_language(Some(&lang)))
            .collect(),
        page: Page::new(&lang, &caller),
        number,
        pages: ((result.total + size - 1) / size).max(1),
        total: result.total,
        query,
        pages_at,
    })
}

pub async fn offer(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let offer = state
        .db
        .run(move |conn| offers::get(conn, &id, Visibility::Public))
        .await?;
    let lang = language(&req, &caller);
    let course_url = match (&state.config.chamilo, &offer.chamilo_course_code) {
        (Some(chamilo), Some(code)) => {
            let course = chamilo
                .public_url
                .join(&format!("courses/{code}/index.php"))
                .ok();
            let entry = chamilo
                .public_url
                .join("plugin/oauth2/src/oidc_login.php")
                .ok();
            course.zip(entry).map(|(course, mut entry)| {
                {
                    let mut q = entry.query_pairs_mut();
                    q.append_pair("iss", state.config.origin());
                    if let Ok(person) = caller.person() {
                        q.append_pair("login_hint", &person.email);
                    }
                    q.append_pair("target_link_uri", course.as_str());
                }
                String::from(entry)
            })
        }
        _ => None,
    };
    html(&OfferPage {
        course_url,
        offer: offer.in_language(Some(&lang)),
        page: Page::new(&lang, &caller),
    })
}
