//! Accounts and their defences (issue 3) through the HTTP API of a real hub: registration with
//! the confirmation mail through a real SMTP server, tokens and their rotation, password reset,
//! lockout, alerts, rate limits, session expiry, CSRF, and the role matrix of the admin routes.

use std::net::IpAddr;

use diesel::prelude::*;
use hub::db::schema::{audit_log, notifications, sessions};
use serde_json::{json, Value};

use crate::smtp::{link_token, SmtpServer};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    registration_confirmation_tokens_and_me,
    password_reset_ends_every_session,
    lockout_counts_case_varied_emails_as_one,
    failures_from_three_addresses_alert_the_superadmins,
    sign_in_attempts_are_rate_limited_per_address,
    partner_keys_have_their_own_budget,
    idle_sessions_end,
    every_admin_route_refuses_every_other_role,
    superadmin_actions_are_audited,
    forms_without_their_csrf_token_are_refused,
    pages_sign_in_and_out_in_the_visitors_language,
    unconfirmed_accounts_and_stale_tokens_are_purged,
    people_change_their_own_name_and_language,
);

/// The password every test person has.
pub const PASSWORD: &str = "Correct-horse-7-battery";

/// A confirmed person with `roles` (and staff of a new organisation of `kind`, if given).
pub async fn person(
    hub: &TestHub,
    email: &str,
    roles: &'static [&'static str],
    staff_of: Option<&str>,
) -> String {
    let (email, staff_of) = (email.to_string(), staff_of.map(str::to_string));
    hub.pool()
        .run(move |conn| {
            use hub::domain::{accounts, organisations};
            let hash = accounts::hash_password(PASSWORD)?;
            let roles: Vec<hub::domain::vocabulary::Role> =
                roles.iter().map(|r| r.parse().unwrap()).collect();
            let new = accounts::NewUser {
                email: &email,
                password_hash: Some(hash),
                first_name: "Test",
                last_name: "Person",
                language: "en",
                roles: &roles,
                confirmed: true,
            };
            let id = accounts::create(conn, &new, &hub::domain::Actor::hub())?;
            diesel::update(
                hub::db::schema::users::table.filter(hub::db::schema::users::id.eq(&id)),
            )
            .set(hub::db::schema::users::email_verified.eq(true))
            .execute(conn)?;
            if let Some(kind) = staff_of {
                let kind = if kind == "provider" {
                    organisations::Kind::Provider
                } else {
                    organisations::Kind::Employer
                };
                let org = organisations::NewOrganisation {
                    kind,
                    name: &format!("Org of {email}"),
                    city: None,
                    country: Some("PL"),
                    website: None,
                    confirmed: true,
                };
                let org_id = organisations::create(conn, &org, &hub::domain::Actor::hub())?;
                organisations::add_member(conn, &org_id, &id, true)?;
            }
            Ok(id)
        })
        .await
        .unwrap()
}

pub async fn token(hub: &TestHub, email: &str, password: &str) -> (u16, Value) {
    let res = hub
        .client
        .post(hub.url("/api/auth/token"))
        .json(&json!({ "grant_type": "password", "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

pub async fn bearer(hub: &TestHub, email: &str) -> String {
    let (status, body) = token(hub, email, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn me(hub: &TestHub, access: &str) -> (u16, Value) {
    let res = hub
        .client
        .get(hub.url("/api/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn post_json(hub: &TestHub, path: &str, body: Value) -> (u16, Value) {
    let res = hub
        .client
        .post(hub.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn registration_confirmation_tokens_and_me(backend: Backend) {
    let smtp = SmtpServer::start();
    let hub = TestHub::with_mail(backend, &smtp).await;
    let email = "Zofia.Wojcik@Example.EU";
    let form = json!({
        "email": email, "password": PASSWORD, "first_name": "Zofia", "last_name": "Wójcik",
        "language": "pl", "role": "provider", "accept_terms": true, "organisation_name": "Szkolenia Wójcik",
    });
    let (status, bad) = post_json(&hub, "/api/auth/register", json!({ "email": "nope", "password": "short", "role": "pilot", "accept_terms": false, "first_name": "", "last_name": "X", "language": "de" })).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "email",
        "first_name",
        "language",
        "role",
        "accept_terms",
        "password",
    ] {
        assert!(fields.contains(&f), "{f} not named in {fields:?}");
    }

    let (status, body) = post_json(&hub, "/api/auth/register", form.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "unconfirmed");
    let (status, _) = post_json(&hub, "/api/auth/register", form.clone()).await;
    assert_eq!(
        status, 409,
        "the same e-mail, however spelt, registers once"
    );

    let (status, _) = token(&hub, email, PASSWORD).await;
    assert_eq!(status, 401, "unconfirmed accounts cannot sign in");

    let mail = smtp.wait_for("zofia.wojcik@example.eu", "Potwierdź").await;
    assert!(mail.body.contains("Dzień dobry Zofia"), "{}", mail.body);
    let confirm = link_token(&mail.body, "/confirm");
    let (status, _) = post_json(&hub, "/api/auth/confirm", json!({ "token": confirm })).await;
    assert_eq!(status, 200);
    let (status, again) = post_json(&hub, "/api/auth/confirm", json!({ "token": confirm })).await;
    assert_eq!(
        (status, again["errors"][0]["field"].as_str()),
        (400, Some("token")),
        "links are single-use"
    );

    let (status, tokens) = token(&hub, " ZOFIA.wojcik@example.eu ", PASSWORD).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    let access = tokens["access_token"].as_str().unwrap();
    let (status, me_body) = me(&hub, access).await;
    assert_eq!(status, 200);
    assert_eq!(me_body["email"], "zofia.wojcik@example.eu");
    assert_eq!(me_body["language"], "pl");
    assert_eq!(me_body["memberships"][0]["role"], "admin");
    assert_eq!(
        me_body["memberships"][0]["status"], "pending",
        "the organisation awaits a superadmin"
    );

    // Refresh tokens rotate; a used one coming back ends the session.
    let first_refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, rotated) = post_json(
        &hub,
        "/api/auth/token",
        json!({ "grant_type": "refresh_token", "refresh_token": first_refresh }),
    )
    .await;
    assert_eq!(status, 200);
    let new_access = rotated["access_token"].as_str().unwrap();
    assert_eq!(me(&hub, new_access).await.0, 200);
    let (status, _) = post_json(
        &hub,
        "/api/auth/token",
        json!({ "grant_type": "refresh_token", "refresh_token": first_refresh }),
    )
    .await;
    assert_eq!(status, 401);
    assert_eq!(
        me(&hub, new_access).await.0,
        401,
        "a replayed refresh token ends its session"
    );
    let (status, _) = post_json(
        &hub,
        "/api/auth/token",
        json!({ "grant_type": "refresh_token", "refresh_token": rotated["refresh_token"] }),
    )
    .await;
    assert_eq!(status, 401, "nothing issued on an ended session works");

    let access = bearer_with(&hub, email).await;
    let export: Value = hub
        .client
        .get(hub.url("/api/me/export"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(export["account"]["email"], "zofia.wojcik@example.eu");
    assert_eq!(export["consents"][0]["document"], "terms-and-privacy");
    assert!(export["sign_ins"].as_array().unwrap().len() >= 2);
    assert!(
        !export.to_string().contains("argon2"),
        "no secrets in the export"
    );

    let version = me(&hub, &access).await.1["version"].to_string();
    let erase = |password: &'static str, if_match: Option<String>| {
        let mut req = hub
            .client
            .delete(hub.url("/api/me"))
            .bearer_auth(&access)
            .json(&json!({ "password": password }));
        if let Some(v) = if_match {
            req = req.header("if-match", format!("\"{v}\""));
        }
        req.send()
    };
    let res = erase("wrong-Password-1", Some(version.clone()))
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = erase(PASSWORD, None).await.unwrap();
    assert_eq!(res.status(), 428, "erasing needs If-Match");
    let res = erase(PASSWORD, Some("9999".into())).await.unwrap();
    assert_eq!(res.status(), 412, "erasing a changed account is refused");
    let res = erase(PASSWORD, Some(version)).await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(me(&hub, &access).await.0, 401);
    assert_eq!(token(&hub, email, PASSWORD).await.0, 401);
    hub.stop().await;
}

async fn bearer_with(hub: &TestHub, email: &str) -> String {
    let (status, body) = token(hub, email, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

async fn password_reset_ends_every_session(backend: Backend) {
    let smtp = SmtpServer::start();
    let hub = TestHub::with_mail(backend, &smtp).await;
    person(&hub, "ola@example.eu", &["trainee"], None).await;
    let access = bearer(&hub, "ola@example.eu").await;

    let (unknown, _) = post_json(
        &hub,
        "/api/auth/password-reset",
        json!({ "email": "nobody@example.eu" }),
    )
    .await;
    let (known, _) = post_json(
        &hub,
        "/api/auth/password-reset",
        json!({ "email": "OLA@example.eu" }),
    )
    .await;
    assert_eq!(
        (unknown, known),
        (202, 202),
        "the same answer whether the account exists or not"
    );
    let mail = smtp.wait_for("ola@example.eu", "Reset").await;
    let reset = link_token(&mail.body, "/reset-password");
    assert!(!smtp.all().iter().any(|m| m.to.contains("nobody")));

    let (status, body) = post_json(
        &hub,
        "/api/auth/password-reset/confirm",
        json!({ "token": reset, "password": "ola-is-short" }),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (400, Some("password"))
    );
    let (status, _) = post_json(
        &hub,
        "/api/auth/password-reset/confirm",
        json!({ "token": reset, "password": "A-new-password-42" }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        me(&hub, &access).await.0,
        401,
        "a password change ends every session"
    );
    assert_eq!(token(&hub, "ola@example.eu", PASSWORD).await.0, 401);
    assert_eq!(
        token(&hub, "ola@example.eu", "A-new-password-42").await.0,
        200
    );
    let (status, _) = post_json(
        &hub,
        "/api/auth/password-reset/confirm",
        json!({ "token": reset, "password": "Another-pass-43" }),
    )
    .await;
    assert_eq!(status, 400, "reset links are single-use");
    hub.stop().await;
}

async fn lockout_counts_case_varied_emails_as_one(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let id = person(&hub, "marek@example.eu", &["trainee"], None).await;
    for spelling in [
        "marek@example.eu",
        "MAREK@example.eu",
        " Marek@Example.eu",
        "marek@EXAMPLE.EU ",
        "mArEk@example.eu",
    ] {
        let (status, body) = token(&hub, spelling, "wrong-Password-1").await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(
            body["type"],
            format!("{}/problems/unauthenticated", hub.base)
        );
    }
    let (status, body) = token(&hub, "marek@example.eu", PASSWORD).await;
    assert_eq!(status, 423, "locked even with the right password: {body}");
    assert_eq!(body["type"], format!("{}/problems/locked", hub.base));
    let (unknown, body) = token(&hub, "nobody@example.eu", PASSWORD).await;
    assert_eq!(
        unknown, 401,
        "an unknown e-mail answers like a wrong password: {body}"
    );

    let locked: i64 = hub
        .pool()
        .run(move |conn| {
            Ok(audit_log::table
                .filter(audit_log::action.eq("account.locked"))
                .filter(audit_log::subject_id.eq(&id))
                .count()
                .get_result(conn)?)
        })
        .await
        .unwrap();
    assert_eq!(locked, 1);
    hub.stop().await;
}

fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

async fn failures_from_three_addresses_alert_the_superadmins(backend: Backend) {
    let smtp = SmtpServer::start();
    let hub = TestHub::with_mail(backend, &smtp).await;
    let admin = person(&hub, "root@example.eu", &["superadmin"], None).await;
    person(&hub, "target@example.eu", &["trainee"], None).await;
    for ip in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] {
        let res = client_from(ip)
            .post(hub.url("/api/auth/token"))
            .json(&json!({ "grant_type": "password", "email": "target@example.eu", "password": "guess-Guess-1" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let mail = smtp.wait_for("root@example.eu", "Security alert").await;
    assert!(
        mail.body.contains("target@example.eu") && mail.body.contains('3'),
        "{}",
        mail.body
    );
    let (alerts, audited) = hub
        .pool()
        .run(move |conn| {
            let alerts: Vec<String> = notifications::table
                .filter(notifications::user_id.eq(&admin))
                .select(notifications::kind)
                .load(conn)?;
            let audited: i64 = audit_log::table
                .filter(audit_log::action.eq("security.alert"))
                .count()
                .get_result(conn)?;
            Ok((alerts, audited))
        })
        .await
        .unwrap();
    assert_eq!(alerts, ["security.alert"]);
    assert_eq!(audited, 1, "one alert, not one per failure");
    hub.stop().await;
}

async fn sign_in_attempts_are_rate_limited_per_address(backend: Backend) {
    let hub = TestHub::start_with(
        backend,
        &[
            ("HUB_SIGNIN_RATE_PER_MINUTE", "3"),
            ("HUB_DEMO_DATA", "false"),
        ],
        Vec::new(),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(token(&hub, "x@example.eu", "whatever-Pass-1").await.0, 401);
    }
    let res = hub
        .client
        .post(hub.url("/api/auth/token"))
        .json(&json!({ "grant_type": "password", "email": "x@example.eu", "password": "whatever-Pass-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["type"], format!("{}/problems/rate-limited", hub.base));
    // Another address still has its budget; reading the catalogue is not a sign-in.
    let other = client_from("127.0.0.5").post(hub.url("/api/auth/token")).json(&json!({ "grant_type": "password", "email": "x@example.eu", "password": "whatever-Pass-1" })).send().await.unwrap();
    assert_eq!(other.status(), 401);
    assert_eq!(hub.get("/api/offers").await.status(), 200);
    hub.stop().await;
}

async fn partner_keys_have_their_own_budget(backend: Backend) {
    let hub = TestHub::start_with(
        backend,
        &[("HUB_RATE_PER_MINUTE", "8"), ("HUB_DEMO_DATA", "false")],
        Vec::new(),
    )
    .await;
    person(&hub, "root@example.eu", &["superadmin"], None).await;
    let admin = bearer(&hub, "root@example.eu").await;
    let res = hub
        .client
        .post(hub.url("/api/admin/api-keys"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "Portal", "scopes": ["catalogue:read"], "per_minute": 50 }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_string();
    let listed: Value = hub
        .client
        .get(hub.url("/api/admin/api-keys"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !listed.to_string().contains(&key),
        "the key is shown once, never listed"
    );

    let mut anonymous = Vec::new();
    for _ in 0..10 {
        anonymous.push(hub.get("/api/offers").await.status().as_u16());
    }
    assert!(
        anonymous.contains(&429),
        "anonymous callers exhaust their address's budget: {anonymous:?}"
    );
    for _ in 0..20 {
        let res = hub
            .client
            .get(hub.url("/api/offers"))
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the partner key has its own budget");
    }
    let bad = hub
        .client
        .get(hub.url("/api/me"))
        .header("x-api-key", "hubk_not-a-key")
        .send()
        .await
        .unwrap();
    assert!(bad.status() == 401 || bad.status() == 429);
    hub.stop().await;
}

async fn idle_sessions_end(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let id = person(&hub, "idle@example.eu", &["trainee"], None).await;
    let access = bearer(&hub, "idle@example.eu").await;
    assert_eq!(me(&hub, &access).await.0, 200);
    // 31 minutes of silence pass.
    hub.pool()
        .run(move |conn| {
            diesel::update(sessions::table.filter(sessions::user_id.eq(&id)))
                .set(
                    sessions::last_seen_at
                        .eq(chrono::Utc::now().naive_utc() - chrono::Duration::minutes(31)),
                )
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(me(&hub, &access).await.0, 401, "an idle session has ended");
    hub.stop().await;
}

async fn every_admin_route_refuses_every_other_role(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "root@example.eu", &["superadmin"], None).await;
    person(&hub, "trainee@example.eu", &["trainee"], None).await;
    person(&hub, "trainer@example.eu", &["trainer"], None).await;
    person(&hub, "provider@example.eu", &[], Some("provider")).await;
    person(&hub, "employer@example.eu", &[], Some("employer")).await;
    let admin = bearer(&hub, "root@example.eu").await;
    let partner: Value = hub
        .client
        .post(hub.url("/api/admin/api-keys"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "P", "scopes": ["catalogue:read"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let partner_key = partner["key"].as_str().unwrap().to_string();

    let mut callers: Vec<(&str, Option<String>, Option<String>)> = vec![
        ("anonymous", None, None),
        ("partner", None, Some(partner_key)),
    ];
    for who in ["trainee", "trainer", "provider", "employer"] {
        callers.push((
            who,
            Some(bearer(&hub, &format!("{who}@example.eu")).await),
            None,
        ));
    }
    let routes: Vec<_> = hub::http::routes::TABLE
        .iter()
        .filter(|(_, p)| p.starts_with("/api/admin/"))
        .collect();
    assert!(routes.len() >= 15);
    for (method, path) in &routes {
        let path = path.replace("{id}", &uuid::Uuid::new_v4().to_string());
        for (who, access, key) in &callers {
            let mut req = hub
                .client
                .request(method.parse().unwrap(), hub.url(&path))
                .json(&json!({}));
            if let Some(a) = access {
                req = req.bearer_auth(a);
            }
            if let Some(k) = key {
                req = req.header("x-api-key", k);
            }
            let status = req.send().await.unwrap().status().as_u16();
            let expected = if *who == "anonymous" { 401 } else { 403 };
            assert_eq!(status, expected, "{method} {path} as {who}");
        }
        let status = hub
            .client
            .request(method.parse().unwrap(), hub.url(&path))
            .bearer_auth(&admin)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        assert!(
            ![401, 403].contains(&status),
            "{method} {path} refused the superadmin"
        );
    }
    hub.stop().await;
}

async fn superadmin_actions_are_audited(backend: Backend) {
    let smtp = SmtpServer::start();
    let hub = TestHub::with_mail(backend, &smtp).await;
    let root = person(&hub, "root@example.eu", &["superadmin"], None).await;
    let user = person(&hub, "kasia@example.eu", &["trainee"], None).await;
    let admin = bearer(&hub, "root@example.eu").await;
    let user_access = bearer(&hub, "kasia@example.eu").await;
    let call = |method: &str, path: String, body: Value| {
        hub.client
            .request(method.parse().unwrap(), hub.url(&path))
            .bearer_auth(&admin)
            .json(&body)
            .send()
    };

    let found: Value = call("GET", "/api/admin/users?q=KASIA".into(), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let found = crate::support::items(found);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(
        call("POST", format!("/api/admin/users/{user}/lock"), json!({}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        me(&hub, &user_access).await.0,
        401,
        "locking ends the person's sessions"
    );
    assert_eq!(token(&hub, "kasia@example.eu", PASSWORD).await.0, 423);
    assert_eq!(
        call("POST", format!("/api/admin/users/{user}/unlock"), json!({}))
            .await
            .unwrap()
            .status(),
        200
    );
    let user_access = bearer(&hub, "kasia@example.eu").await;
    let listed: Value = call("GET", "/api/admin/users?q=kasia".into(), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = crate::support::items(listed)[0]["version"].to_string();
    let set_roles = |roles: Value, version: &str| {
        hub.client
            .put(hub.url(&format!("/api/admin/users/{user}/roles")))
            .bearer_auth(&admin)
            .header("if-match", format!("\"{version}\""))
            .json(&json!({ "roles": roles }))
            .send()
    };
    let stale = set_roles(json!(["trainee"]), "0").await.unwrap();
    assert_eq!(stale.status(), 412, "roles set on a stale read are refused");
    let res = set_roles(json!(["trainee", "trainer"]), &version)
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let roles: Value = res.json().await.unwrap();
    assert_eq!(roles["roles"], json!(["trainee", "trainer"]));
    let without = call(
        "PUT",
        format!("/api/admin/users/{user}/roles"),
        json!({ "roles": ["trainee"] }),
    )
    .await
    .unwrap();
    assert_eq!(without.status(), 428, "changing roles needs If-Match");
    let bad = call(
        "PUT",
        format!("/api/admin/users/{user}/roles"),
        json!({ "roles": ["emperor"] }),
    )
    .await
    .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(
        call(
            "POST",
            format!("/api/admin/users/{user}/end-sessions"),
            json!({})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    assert_eq!(me(&hub, &user_access).await.0, 401);
    assert_eq!(
        call(
            "POST",
            format!("/api/admin/users/{user}/reset-password"),
            json!({})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    smtp.wait_for("kasia@example.eu", "Reset").await;

    let log: Value = call("GET", format!("/api/admin/audit?actor={root}"), json!({}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let log = crate::support::items(log);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "user.locked",
        "user.unlocked",
        "user.roles_changed",
        "user.sessions_ended",
        "user.reset_sent",
    ] {
        assert!(
            actions.contains(&action),
            "{action} not audited: {actions:?}"
        );
    }
    let locked = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.locked")
        .unwrap();
    assert_eq!(locked["ip"], "127.0.0.1");
    assert_eq!(locked["subject_id"], user.as_str());
    let bad_since = call("GET", "/api/admin/audit?since=yesterday".into(), json!({}))
        .await
        .unwrap();
    assert_eq!(bad_since.status(), 400);

    // Organisations awaiting confirmation.
    let (_, _) = post_json(&hub, "/api/auth/register", json!({
        "email": "new@provider.eu", "password": PASSWORD, "first_name": "N", "last_name": "P", "language": "en",
        "role": "provider", "accept_terms": true, "organisation_name": "New Provider" })).await;
    let pending: Value = call(
        "GET",
        "/api/admin/organisations?status=pending".into(),
        json!({}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let pending = crate::support::items(pending);
    let org = pending
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "New Provider")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        call(
            "POST",
            format!("/api/admin/organisations/{org}/confirm"),
            json!({})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    assert_eq!(
        call(
            "POST",
            format!("/api/admin/organisations/{org}/confirm"),
            json!({})
        )
        .await
        .unwrap()
        .status(),
        409
    );
    hub.stop().await;
}

/// A browser: keeps cookies, follows no redirects (tests look at each one).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// The hidden CSRF field of the first form on a page.
pub fn csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token")
        + 19;
    html[start..].split('"').next().unwrap().to_string()
}

async fn forms_without_their_csrf_token_are_refused(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "web@example.eu", &["trainee"], None).await;
    let b = browser();
    let form = b
        .get(hub.url("/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&form);
    let forged = b
        .post(hub.url("/signin"))
        .form(&[
            ("csrf", "forged"),
            ("email", "web@example.eu"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let missing = browser()
        .post(hub.url("/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "web@example.eu"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing.status(),
        403,
        "a token without its cookie (another site's form) is refused"
    );
    let ok = b
        .post(hub.url("/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "web@example.eu"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);

    let sessions_page = b
        .get(hub.url("/sessions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let session_csrf = csrf_of(&sessions_page);
    let refused = b
        .post(hub.url("/sessions/end"))
        .form(&[("csrf", csrf.as_str()), ("session", "others")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.status(),
        403,
        "signed-in forms need the session's own token"
    );
    let ended = b
        .post(hub.url("/sessions/end"))
        .form(&[("csrf", session_csrf.as_str()), ("session", "others")])
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 303);
    hub.stop().await;
}

async fn pages_sign_in_and_out_in_the_visitors_language(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "anna@example.eu", &["trainee"], None).await;
    let b = browser();
    for (accept, expected) in [
        ("pl-PL,pl;q=0.9", "Zaloguj się"),
        ("it", "Accedi"),
        ("el-GR", "Σύνδεση"),
        ("fr", "Sign in"),
    ] {
        let page = b
            .get(hub.url("/signin"))
            .header("accept-language", accept)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains(expected), "{accept}: {expected} missing");
        assert!(page.contains(&format!(
            "<html lang=\"{}\">",
            &accept[..2].replace("fr", "en")
        )));
    }
    for path in [
        "/register",
        "/forgot-password",
        "/reset-password?token=x",
        "/confirm?token=x",
    ] {
        let res = b
            .get(hub.url(path))
            .header("accept-language", "pl")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("<html lang=\"pl\">") && html.contains("name=\"csrf\""),
            "{path}"
        );
    }
    let form = b
        .get(hub.url("/signin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&form);
    let wrong = b
        .post(hub.url("/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "anna@example.eu"),
            ("password", "wrong-Pass-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().await.unwrap().contains("role=\"alert\""));
    let ok = b
        .post(hub.url("/signin"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "anna@example.eu"),
            ("password", PASSWORD),
            ("return_to", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(
        ok.headers()["location"],
        "/",
        "no open redirect after sign-in"
    );
    let cookie = ok.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let sessions = b
        .get(hub.url("/sessions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sessions.contains("this session"));
    let out = b
        .post(hub.url("/signout"))
        .form(&[("csrf", csrf_of(&sessions).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 200);
    let after = b.get(hub.url("/sessions")).send().await.unwrap();
    assert_eq!(
        after.status(),
        302,
        "signed out: the sessions page asks to sign in"
    );
    hub.stop().await;
}

async fn unconfirmed_accounts_and_stale_tokens_are_purged(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "kept@example.eu", &["trainee"], None).await;
    assert_eq!(token(&hub, "kept@example.eu", PASSWORD).await.0, 200);
    let register = |email: &str, org: &str| {
        json!({ "email": email, "password": PASSWORD, "first_name": "A", "last_name": "B", "language": "en",
                "role": "provider", "accept_terms": true, "organisation_name": org })
    };
    assert_eq!(
        post_json(
            &hub,
            "/api/auth/register",
            register("old@example.eu", "Old Org")
        )
        .await
        .0,
        201
    );
    assert_eq!(
        post_json(
            &hub,
            "/api/auth/register",
            register("new@example.eu", "New Org")
        )
        .await
        .0,
        201
    );
    let purged = hub
        .pool()
        .run(|conn| {
            use hub::db::schema::{organisations, refresh_tokens, users};
            // A refresh token whose 30 days have passed.
            diesel::update(refresh_tokens::table)
                .set(
                    refresh_tokens::expires_at
                        .eq(chrono::Utc::now().naive_utc() - chrono::Duration::days(1)),
                )
                .execute(conn)?;
            diesel::update(users::table.filter(users::email.eq("old@example.eu")))
                .set(
                    users::created_at
                        .eq(chrono::Utc::now().naive_utc() - chrono::Duration::days(8)),
                )
                .execute(conn)?;
            let purged = hub::jobs::purge::purge(conn, chrono::Utc::now().naive_utc())?;
            let emails: Vec<String> = users::table
                .order(users::email)
                .select(users::email)
                .load(conn)?;
            let orgs: Vec<String> = organisations::table
                .order(organisations::name)
                .select(organisations::name)
                .load(conn)?;
            Ok((purged, emails, orgs))
        })
        .await
        .unwrap();
    assert_eq!((purged.0.accounts, purged.0.organisations), (1, 1));
    assert!(
        purged.0.tokens >= 1,
        "the expired refresh token is gone: {:?}",
        purged.0
    );
    assert_eq!(purged.1, ["kept@example.eu", "new@example.eu"]);
    assert_eq!(
        purged.2,
        ["New Org"],
        "the orphaned pending organisation goes too"
    );
    hub.stop().await;
}

async fn people_change_their_own_name_and_language(backend: Backend) {
    let hub = TestHub::start(backend).await;
    person(&hub, "maria@example.eu", &["trainee"], None).await;
    let access = bearer(&hub, "maria@example.eu").await;
    let put = |body: Value, if_match: Option<String>, access: Option<&str>| {
        let mut req = hub.client.put(hub.url("/api/me")).json(&body);
        if let Some(v) = if_match {
            req = req.header("if-match", v);
        }
        if let Some(a) = access {
            req = req.bearer_auth(a);
        }
        req.send()
    };
    let good = json!({"first_name": " Maria ", "last_name": "Rossi", "language": "it"});
    let version = me(&hub, &access).await.1["version"].as_i64().unwrap();
    let tag = |v: i64| Some(format!("\"{v}\""));

    let res = put(good.clone(), tag(version), None).await.unwrap();
    assert_eq!(res.status(), 401, "signed-in people only");
    let res = put(good.clone(), None, Some(&access)).await.unwrap();
    assert_eq!(res.status(), 428, "a change needs If-Match");
    let res = put(good.clone(), tag(version + 7), Some(&access))
        .await
        .unwrap();
    assert_eq!(res.status(), 412, "a stale change is refused");
    let res = put(
        json!({"first_name": "", "last_name": "Rossi", "language": "de"}),
        tag(version),
        Some(&access),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400);
    let problem: Value = res.json().await.unwrap();
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["first_name", "language"], "{problem}");
    let res = put(
        json!({"first_name": "M", "last_name": "R", "language": "it", "email": "x@example.eu"}),
        tag(version),
        Some(&access),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 400, "the e-mail is not changed here");
    assert_eq!(
        me(&hub, &access).await.1["first_name"],
        "Test",
        "nothing half-written"
    );

    let res = put(good.clone(), tag(version), Some(&access))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let etag = res.headers()["etag"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (&body["first_name"], &body["last_name"], &body["language"]),
        (&json!("Maria"), &json!("Rossi"), &json!("it"))
    );
    assert_eq!(etag, format!("\"{}\"", version + 1));
    let res = put(good, Some(etag.clone()), Some(&access)).await.unwrap();
    assert_eq!(
        res.headers()["etag"].to_str().unwrap(),
        etag,
        "the same values again change nothing"
    );
    let updates = hub
        .pool()
        .run(|conn| {
            hub::db::schema::events::table
                .filter(hub::db::schema::events::kind.eq("account.updated"))
                .count()
                .get_result::<i64>(conn)
                .map_err(hub::error::Error::from)
        })
        .await
        .unwrap();
    assert_eq!(
        updates, 1,
        "one change, one event for those who keep a copy"
    );
    hub.stop().await;
}
