//! A badge's public page (open-badges.md, Holding and sharing): what was achieved, from whom,
//! when, and its downloads (JSON, baked PNG), the LinkedIn "add to profile" link and the way to
//! check it. Public by the badge's unguessable id, like the credential itself.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{html, language, Page};
use crate::domain::badges::{held, CredentialView, Urls};
use crate::error::Error;
use crate::http::api::badges::linkedin_url;
use crate::http::auth::Caller;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "badge.html")]
struct BadgePage {
    page: Page,
    badge: CredentialView,
    description: String,
    criteria: String,
    eqf: Option<u64>,
    skills: Vec<(String, String)>,
    issued: String,
    image: String,
    json_url: String,
    png_url: String,
    linkedin: String,
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let id = id.into_inner();
    let lookup = id.clone();
    let badge = state.db.run(move |conn| held::get(conn, &lookup)).await?;
    let urls = Urls::new(&state.config.base_url);
    let achievement = &badge.credential["credentialSubject"]["achievement"];
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let eqf = achievement["alignment"].as_array().and_then(|all| {
        all.iter()
            .find(|a| a["targetType"] == "ext:EQFLevel")
            .and_then(|a| a["targetUrl"].as_str())
            .and_then(|u| u.rsplit('/').next())
            .and_then(|l| l.parse().ok())
    });
    let skills = achievement["alignment"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter(|a| a["targetType"] == "ceasn:Competency")
                .map(|a| (text(&a["targetUrl"]), text(&a["targetName"])))
                .collect()
        })
        .unwrap_or_default();
    let page = BadgePage {
        page: Page::new(&language(&req, &caller), &caller),
        description: text(&achievement["description"]),
        criteria: text(&achievement["criteria"]["narrative"]),
        eqf,
        skills,
        issued: badge.issued_at.date().to_string(),
        image: urls.image(&badge.offer_id, &badge.badge_id),
        json_url: urls.credential(&id),
        png_url: format!("{}.png", urls.credential(&id)),
        linkedin: linkedin_url(&badge, &urls.share(&id)),
        badge,
    };
    html(&page)
}
