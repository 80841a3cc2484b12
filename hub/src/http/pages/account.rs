//! The account pages (identity.md): sign in, sign out, register, confirm, forgot and reset
//! password, my sessions. Each form posts back to its own path.

use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::{
    anonymous_csrf, check_anonymous_csrf, html, language, message, safe_return, session_cookie,
    start_browser_session, t, with_cookie, Page,
};
use crate::domain::accounts::{self, Registration};
use crate::domain::sessions;
use crate::domain::vocabulary::RegistrationRole;
use crate::error::{Error, FieldError};
use crate::http::auth::{client_ip, lifetime, Caller};
use crate::http::AppState;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage {
    page: Page,
    return_to: String,
    email: String,
    error: Option<String>,
    upstreams: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct SignInQuery {
    pub return_to: Option<String>,
    pub login_hint: Option<String>,
}

async fn upstream_buttons(state: &AppState) -> Result<Vec<(String, String)>, Error> {
    state.db.run(crate::domain::upstream::names).await
}

pub async fn signin_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SignInQuery>,
) -> Result<HttpResponse, Error> {
    let lang = language(&req, &caller);
    let (csrf, cookie) = anonymous_csrf(&req, &state);
    let mut page = Page::new(&lang, &caller);
    page.csrf = csrf;
    let res = html(&SignInPage {
        page,
        return_to: safe_return(query.return_to.as_deref()),
        email: query.login_hint.clone().unwrap_or_default(),
        error: None,
        upstreams: upstream_buttons(&state).await?,
    })?;
    with_cookie(res, cookie)
}

#[derive(Deserialize)]
pub struct SignInForm {
    pub csrf: String,
    pub email: String,
    pub password: String,
    pub return_to: Option<String>,
}

pub async fn signin(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<SignInForm>,
) -> Result<HttpResponse, Error> {
    let form = form.into_inner();
    check_anonymous_csrf(&req, &form.csrf)?;
    let lang = language(&req, &caller);
    let ip = client_ip(&req);
    let return_to = safe_return(form.return_to.as_deref());
    match state
        .sign_in(form.email.clone(), form.password, ip.clone())
        .await
    {
        Ok(user_id) => start_browser_session(&state, &req, user_id, return_to).await,
        Err(e @ (Error::Unauthenticated | Error::Locked)) => {
            let key = if matches!(e, Error::Locked) {
                "sign-in-locked"
            } else {
                "sign-in-failed"
            };
            let mut page = Page::new(&lang, &caller);
            page.csrf = form.csrf;
            let mut res = html(&SignInPage {
                page,
                return_to,
                email: form.email,
                error: Some(t(&lang, key)),
                upstreams: upstream_buttons(&state).await?,
            })?;
            *res.status_mut() = if matches!(e, Error::Locked) {
                actix_web::http::StatusCode::LOCKED
            } else {
                actix_web::http::StatusCode::UNAUTHORIZED
            };
            Ok(res)
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    pub csrf: String,
}

pub async fn signout(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, Error> {
    caller.check_csrf(Some(&form.csrf))?;
    let lang = language(&req, &caller);
    if let Caller::Person {
        person, session, ..
    } = &caller
    {
        let (actor, sid) = (
            crate::domain::Actor::person(&person.id, crate::http::auth::client_ip(&req)),
            session.id.clone(),
        );
        state
            .db
            .run(move |conn| sessions::end(conn, &sid, &actor))
            .await?;
    }
    let mut res = message(&lang, 200, "signed-out-title", &t(&lang, "signed-out-done"))?;
    res.add_removal_cookie(&session_cookie(&state, String::new()))
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(res)
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    page: Page,
    form: RegisterForm,
    errors: Vec<FieldError>,
}

#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organisation_name: String,
    pub accept_terms: Option<String>,
}

impl RegisterPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

pub async fn register_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let lang = language(&req, &caller);
    let (csrf, cookie) = anonymous_csrf(&req, &state);
    let mut page = Page::new(&lang, &caller);
    page.csrf = csrf;
    let form = RegisterForm {
        language: lang.clone(),
        role: RegistrationRole::Trainee.as_str().into(),
        ..Default::default()
    };
    let res = html(&RegisterPage {
        page,
        form,
        errors: Vec::new(),
    })?;
    with_cookie(res, cookie)
}

pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, Error> {
    let from = crate::http::auth::visitor(&req);
    let form = form.into_inner();
    check_anonymous_csrf(&req, &form.csrf)?;
    let lang = language(&req, &caller);
    let registration = Registration {
        email: form.email.clone(),
        password: form.password.clone(),
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        language: form.language.clone(),
        role: form.role.clone(),
        accept_terms: form.accept_terms.is_some(),
        organisation_name: Some(form.organisation_name.clone()).filter(|n| !n.trim().is_empty()),
    };
    let outcome = match registration.validate() {
        Ok(()) => {
            let hash = state.hash_password(registration.password.clone()).await?;
            let sealer = state.sealer.clone();
            state
                .db
                .run(move |conn| accounts::register(conn, &registration, hash, &sealer, &from))
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    let errors = match outcome {
        Ok(()) => return message(&lang, 201, "register-title", &t(&lang, "register-done")),
        Err(Error::Validation(errors)) => errors,
        Err(Error::Conflict(_)) => vec![FieldError::new(
            "email",
            "taken",
            "an account with this e-mail exists",
        )],
        Err(other) => return Err(other),
    };
    let page = Page {
        lang,
        signed_in: false,
        csrf: form.csrf.clone(),
    };
    let mut res = html(&RegisterPage {
        page,
        form: RegisterForm {
            password: String::new(),
            ..form
        },
        errors,
    })?;
    *res.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
    Ok(res)
}

#[derive(Template)]
#[template(path = "token_form.html")]
struct TokenFormPage {
    page: Page,
    title: String,
    action: &'static str,
    token: String,
    submit: String,
    with_password: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    pub token: Option<String>,
}

/// The link from the e-mail shows a button rather than confirming on GET, so mail scanners that
/// open links do not act for the person.
pub async fn confirm_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, Error> {
    token_form(
        &state,
        &req,
        &caller,
        query.token.clone(),
        "/confirm",
        "confirm-title",
        "confirm-title",
        false,
    )
}

#[allow(clippy::too_many_arguments)]
fn token_form(
    state: &AppState,
    req: &HttpRequest,
    caller: &Caller,
    token: Option<String>,
    action: &'static str,
    title: &str,
    submit: &str,
    with_password: bool,
) -> Result<HttpResponse, Error> {
    let lang = language(req, caller);
    let (csrf, cookie) = anonymous_csrf(req, state);
    let mut page = Page::new(&lang, caller);
    page.csrf = csrf;
    let res = html(&TokenFormPage {
        title: t(&lang, title),
        submit: t(&lang, submit),
        page,
        action,
        token: token.unwrap_or_default(),
        with_password,
        error: None,
    })?;
    with_cookie(res, cookie)
}

#[derive(Deserialize)]
pub struct TokenPost {
    pub csrf: String,
    pub token: String,
    pub password: Option<String>,
}

pub async fn confirm(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<TokenPost>,
) -> Result<HttpResponse, Error> {
    check_anonymous_csrf(&req, &form.csrf)?;
    let lang = language(&req, &caller);
    let (token, from) = (form.token.clone(), crate::http::auth::visitor(&req));
    match state
        .db
        .run(move |conn| accounts::confirm(conn, &token, &from))
        .await
    {
        Ok(_) => message(&lang, 200, "confirm-title", &t(&lang, "confirm-done")),
        Err(Error::Validation(_)) => {
            message(&lang, 400, "confirm-title", &t(&lang, "confirm-failed"))
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    page: Page,
}

pub async fn forgot_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let lang = language(&req, &caller);
    let (csrf, cookie) = anonymous_csrf(&req, &state);
    let mut page = Page::new(&lang, &caller);
    page.csrf = csrf;
    let res = html(&ForgotPage { page })?;
    with_cookie(res, cookie)
}

#[derive(Deserialize)]
pub struct ForgotForm {
    pub csrf: String,
    pub email: String,
}

pub async fn forgot(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<ForgotForm>,
) -> Result<HttpResponse, Error> {
    let from = crate::http::auth::visitor(&req);
    check_anonymous_csrf(&req, &form.csrf)?;
    let lang = language(&req, &caller);
    let (email, sealer) = (form.email.clone(), state.sealer.clone());
    state
        .db
        .run(move |conn| accounts::request_reset(conn, &email, &sealer, &from))
        .await?;
    message(&lang, 200, "forgot-title", &t(&lang, "forgot-done"))
}

pub async fn reset_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, Error> {
    token_form(
        &state,
        &req,
        &caller,
        query.token.clone(),
        "/reset-password",
        "reset-title",
        "reset-submit",
        true,
    )
}

pub async fn reset(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<TokenPost>,
) -> Result<HttpResponse, Error> {
    let from = crate::http::auth::visitor(&req);
    check_anonymous_csrf(&req, &form.csrf)?;
    let lang = language(&req, &caller);
    let token = form.token.clone();
    let password = form.password.clone().unwrap_or_default();
    let owner = {
        let token = token.clone();
        state
            .db
            .run(move |conn| accounts::email_of_token(conn, &token, accounts::LinkPurpose::Reset))
            .await?
    };
    let Some(email) = owner else {
        return message(&lang, 400, "reset-title", &t(&lang, "confirm-failed"));
    };
    if let Err(e) = accounts::check_password_policy(&password, &email) {
        let mut page = Page::new(&lang, &caller);
        page.csrf = form.csrf.clone();
        let mut res = html(&TokenFormPage {
            title: t(&lang, "reset-title"),
            submit: t(&lang, "reset-submit"),
            page,
            action: "/reset-password",
            token,
            with_password: true,
            error: Some(e.message),
        })?;
        *res.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
        return Ok(res);
    }
    let hash = state.hash_password(password).await?;
    state
        .db
        .run(move |conn| accounts::reset_password(conn, &token, hash, &from))
        .await?;
    message(&lang, 200, "reset-title", &t(&lang, "reset-done"))
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    page: Page,
    current: String,
    sessions: Vec<sessions::Session>,
}

pub async fn sessions_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
) -> Result<HttpResponse, Error> {
    let Caller::Person {
        person, session, ..
    } = &caller
    else {
        return Ok(HttpResponse::Found()
            .insert_header(("location", "/signin?return_to=/sessions"))
            .finish());
    };
    let lang = language(&req, &caller);
    let (user, life) = (person.id.clone(), lifetime(&state));
    let all = state
        .db
        .run(move |conn| sessions::list(conn, &user, life))
        .await?;
    html(&SessionsPage {
        page: Page::new(&lang, &caller),
        current: session.id.clone(),
        sessions: all,
    })
}

#[derive(Deserialize)]
pub struct EndSessionForm {
    pub csrf: String,
    /// One session's id, or `others` for all but this one.
    pub session: String,
}

pub async fn end_session(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    form: web::Form<EndSessionForm>,
) -> Result<HttpResponse, Error> {
    caller.check_csrf(Some(&form.csrf))?;
    let (user, current) = (caller.person()?.id.clone(), caller.session()?.id.clone());
    let actor = caller.actor(&req)?;
    let target = form.session.clone();
    state
        .db
        .run(move |conn| {
            if target == "others" {
                sessions::end_all(conn, &user, Some(&current)).map(|_| ())
            } else {
                sessions::end(conn, &target, &actor).map(|_| ())
            }
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header(("location", "/sessions"))
        .finish())
}
