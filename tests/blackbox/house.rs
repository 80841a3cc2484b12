//! The edges the house-in-order work closed: the JSON API refuses cookie-riding writes without
//! the CSRF token, and client addresses come from forwarding headers only through trusted
//! proxies.

use diesel::prelude::*;
use serde_json::json;

use crate::identity::{browser, csrf_of, person, PASSWORD};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    cookie_riding_api_writes_need_the_csrf_token,
    forwarded_addresses_count_only_from_trusted_proxies,
    ending_ones_own_session_is_audited_with_the_address,
);

/// Signs `email` in through the form, as a browser does; the cookie stays in `b`.
async fn sign_in(hub: &TestHub, b: &reqwest::Client, email: &str) {
    let res = sign_in_with(hub, b, email, None).await;
    assert_eq!(res.status(), 303);
}

/// The sign-in form posted with an optional `return_to` (given percent-encoded, as in a link).
pub async fn sign_in_with(
    hub: &TestHub,
    b: &reqwest::Client,
    email: &str,
    return_to: Option<&str>,
) -> reqwest::Response {
    let form = b.get(hub.url("/signin")).send().await.unwrap();
    let csrf = csrf_of(&form.text().await.unwrap());
    let mut fields = vec![
        ("csrf", csrf),
        ("email", email.to_string()),
        ("password", PASSWORD.to_string()),
    ];
    if let Some(r) = return_to {
        fields.push(("return_to", percent_decode(r)));
    }
    b.post(hub.url("/signin"))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

async fn cookie_riding_api_writes_need_the_csrf_token(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let user = person(&hub, "web@example.eu", &["trainee"], None).await;
    let note = hub
        .pool()
        .run(move |conn| {
            hub::domain::notifications::create(
                conn,
                &user,
                hub::domain::vocabulary::NotificationKind::CourseUpdate,
                &json!({}),
            )
        })
        .await
        .unwrap();
    let b = browser();
    sign_in(&hub, &b, "web@example.eu").await;
    let read = hub.url(&format!("/api/notifications/{note}/read"));

    // What another site's form does: a POST with the visitor's cookie and a form body.
    let forged = b
        .post(&read)
        .form(&[("anything", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "a cross-site form post is refused");
    // The router decodes `%61` to `a`: the check must see the same path it does.
    let disguised = b
        .post(hub.url(&format!("/%61pi/notifications/{note}/read")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        disguised.status(),
        403,
        "an encoded path is no way around it"
    );
    let unread: i64 = {
        use hub::db::schema::notifications;
        let mut conn = hub.pool().get().unwrap();
        notifications::table
            .filter(notifications::read_at.is_null())
            .count()
            .get_result(&mut conn)
            .unwrap()
    };
    assert_eq!(unread, 1, "and changes nothing");

    // The hub's own page knows the session's token and sends it along.
    let page = b.get(hub.url("/sessions")).send().await.unwrap();
    let token = csrf_of(&page.text().await.unwrap());
    let wrong = b
        .post(&read)
        .header("x-csrf-token", "not-the-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 403);
    let ok = b
        .post(&read)
        .header("x-csrf-token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 204);
    // Reads need no token: nothing changes.
    let list = b.get(hub.url("/api/notifications")).send().await.unwrap();
    assert_eq!(list.status(), 200);
    let sessions: serde_json::Value = b
        .get(hub.url("/api/me/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sessions = crate::support::items(sessions);
    assert!(sessions
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["current"] == true));
    hub.stop().await;
}

/// The address the last sign-in was audited from.
fn audited_ip(hub: &TestHub) -> Option<String> {
    use hub::db::schema::audit_log;
    let mut conn = hub.pool().get().unwrap();
    audit_log::table
        .filter(audit_log::action.eq("signin.success"))
        .order(audit_log::id.desc())
        .select(audit_log::ip)
        .first(&mut conn)
        .unwrap()
}

async fn sign_in_forwarded_for(hub: &TestHub, email: &str) {
    let res = hub
        .client
        .post(hub.url("/api/auth/token"))
        .header("x-forwarded-for", "198.51.100.9, 203.0.113.7")
        .json(&json!({ "grant_type": "password", "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn forwarded_addresses_count_only_from_trusted_proxies(backend: Backend) {
    // Without trusted proxies, a client cannot name its own address.
    let hub = TestHub::empty(backend).await;
    person(&hub, "proxied@example.eu", &["trainee"], None).await;
    sign_in_forwarded_for(&hub, "proxied@example.eu").await;
    assert_eq!(audited_ip(&hub).as_deref(), Some("127.0.0.1"));
    hub.stop().await;

    // Behind a trusted proxy (the tests' loopback), the hop the proxy saw is the client.
    let hub = TestHub::start_with(
        backend,
        &[
            ("HUB_DEMO_DATA", "false"),
            ("HUB_TRUSTED_PROXIES", "127.0.0.0/8, ::1"),
        ],
        Vec::new(),
    )
    .await;
    person(&hub, "proxied@example.eu", &["trainee"], None).await;
    sign_in_forwarded_for(&hub, "proxied@example.eu").await;
    assert_eq!(audited_ip(&hub).as_deref(), Some("203.0.113.7"));
    hub.stop().await;
}

async fn ending_ones_own_session_is_audited_with_the_address(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let user = person(&hub, "leaver@example.eu", &["trainee"], None).await;
    let b = browser();
    sign_in(&hub, &b, "leaver@example.eu").await;
    let page = b.get(hub.url("/sessions")).send().await.unwrap();
    let csrf = csrf_of(&page.text().await.unwrap());
    let res = b
        .post(hub.url("/signout"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (actor, ip): (Option<String>, Option<String>) = {
        use hub::db::schema::audit_log;
        let mut conn = hub.pool().get().unwrap();
        audit_log::table
            .filter(audit_log::action.eq("session.ended"))
            .select((audit_log::actor_id, audit_log::ip))
            .first(&mut conn)
            .unwrap()
    };
    assert_eq!(actor.as_deref(), Some(user.as_str()));
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
    hub.stop().await;
}
