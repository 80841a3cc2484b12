//! The hub as OpenID Provider, driven by a real relying-party library (the `openidconnect` crate)
//! the way Chamilo's plugin uses it: discovery, authorize with PKCE, the sign-in form posted like
//! a browser, code for tokens, the ID token checked against the JWKS, userinfo. Then every refusal
//! the protocol requires, key rotation, logout, and brokering through a second hub.

use base64::Engine;
use diesel::prelude::*;
use hub::db::schema::{oidc_codes, upstream_links};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use serde_json::{json, Value};
use sha2::Digest;

use crate::identity::{bearer, browser, csrf_of, person, PASSWORD};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    authorization_code_flow_with_a_real_relying_party,
    the_provider_refuses_what_the_protocol_forbids,
    third_party_clients_ask_for_consent_once,
    rotated_keys_keep_old_tokens_verifiable,
    logout_ends_the_session_and_returns_to_the_client,
    brokering_through_an_upstream_hub_continues_the_flow,
    refresh_tokens_rotate_are_revoked_on_reuse_and_end_with_the_session,
);

const REDIRECT: &str = "http://127.0.0.1:9/plugin/oauth2/src/callback.php";
const AFTER_LOGOUT: &str = "http://127.0.0.1:9/";

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .unwrap_or_else(|| panic!("no redirect ({})", res.status()))
        .to_str()
        .unwrap()
        .to_string()
}

fn absolute(hub: &TestHub, to: &str) -> String {
    if to.starts_with("http") {
        to.to_string()
    } else {
        hub.url(to)
    }
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

async fn register_client(hub: &TestHub, name: &str, first_party: bool) -> (String, String) {
    let name = name.to_string();
    let created = hub
        .pool()
        .run(move |conn| {
            hub::domain::oidc::create_client(
                conn,
                &name,
                &[REDIRECT.into()],
                &[AFTER_LOGOUT.into()],
                first_party,
                false,
                &hub::domain::Actor::hub(),
            )
        })
        .await
        .unwrap();
    (created.client_id, created.client_secret.unwrap())
}

type Rp = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

async fn relying_party(hub: &TestHub, id: &str, secret: &str) -> Rp {
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(hub.base.clone()).unwrap(), &http())
            .await
            .unwrap();
    CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(id.into()),
        Some(ClientSecret::new(secret.into())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).unwrap())
}

/// Follows the hub's redirects in a browser until it sends the person back to the client; signs
/// in on the way when asked. Returns the URL the client receives.
async fn browse_to_client(hub: &TestHub, b: &reqwest::Client, start: &str, email: &str) -> String {
    let mut url = start.to_string();
    for _ in 0..10 {
        if url.starts_with(REDIRECT) || url.starts_with(AFTER_LOGOUT) {
            return url;
        }
        let res = b.get(&url).send().await.unwrap();
        if res.status().is_redirection() {
            url = absolute(hub, &location(&res));
            continue;
        }
        assert_eq!(res.status(), 200, "{url}");
        let page = res.text().await.unwrap();
        assert!(
            page.contains("action=\"/signin\""),
            "expected the sign-in form at {url}"
        );
        let return_to = query_param(&url, "return_to").unwrap();
        let posted = b
            .post(hub.url("/signin"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("email", email),
                ("password", PASSWORD),
                ("return_to", &return_to),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(posted.status(), 303, "signing in");
        url = absolute(hub, &location(&posted));
    }
    panic!("too many redirects");
}

struct Flow {
    url: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
}

fn start_flow(rp: &Rp, extra: &[(&str, &str)]) -> Flow {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = rp
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("chamilo".into()))
        .set_pkce_challenge(challenge);
    for (k, v) in extra {
        req = req.add_extra_param(*k, *v);
    }
    let (url, state, nonce) = req.url();
    Flow {
        url: url.to_string(),
        state,
        nonce,
        verifier,
    }
}

async fn authorization_code_flow_with_a_real_relying_party(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    let user = person(&hub, "nikos@example.eu", &["trainer"], None).await;
    let (id, secret) = register_client(&hub, "Chamilo", true).await;
    let rp = relying_party(&hub, &id, &secret).await;
    let flow = start_flow(&rp, &[("login_hint", "nikos@example.eu")]);
    let b = browser();
    let back = browse_to_client(&hub, &b, &flow.url, "nikos@example.eu").await;
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(flow.state.secret().as_str())
    );
    let code = query_param(&back, "code").expect("a code");

    let tokens = rp
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(flow.verifier)
        .request_async(&http())
        .await
        .expect("the code buys tokens");
    let id_token = tokens.id_token().expect("an ID token");
    let claims = id_token
        .claims(&rp.id_token_verifier(), &flow.nonce)
        .expect("signature, issuer, audience and nonce check out");
    assert_eq!(claims.subject().as_str(), user);
    assert_eq!(claims.email().unwrap().as_str(), "nikos@example.eu");
    assert!(claims.auth_time().is_some());
    // at_hash, computed here from the definition (OIDC Core 3.1.3.6).
    let digest = sha2::Sha256::digest(tokens.access_token().secret().as_bytes());
    let expected = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]);
    assert_eq!(claims.access_token_hash().unwrap().to_string(), expected);
    let header = jsonwebtoken::decode_header(id_token.to_string()).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let jwks: Value = http()
        .get(hub.url("/oauth2/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"].as_str(), header.kid.as_deref());

    // Chamilo reads userinfo: everything it maps must be there, status as one scalar.
    let info: Value = http()
        .get(hub.url("/oauth2/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], user.as_str());
    assert_eq!(info["email"], "nikos@example.eu");
    assert_eq!(info["email_verified"], true);
    assert_eq!(info["given_name"], "Test");
    assert_eq!(info["family_name"], "Person");
    assert_eq!(info["preferred_username"], "nikos@example.eu");
    assert_eq!(
        info["chamilo_status"], 1,
        "trainers are course managers in Chamilo"
    );

    // The code is single-use, and its replay revokes what it bought.
    let replay = http()
        .post(hub.url("/oauth2/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);
    assert_eq!(
        replay.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    let revoked = http()
        .get(hub.url("/oauth2/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    hub.stop().await;
}

/// A fresh code for a browser that is already signed in.
async fn code_for(hub: &TestHub, b: &reqwest::Client, rp: &Rp) -> (String, PkceCodeVerifier) {
    let flow = start_flow(rp, &[]);
    let back = browse_to_client(hub, b, &flow.url, "ana@example.eu").await;
    (query_param(&back, "code").unwrap(), flow.verifier)
}

async fn token_request(
    hub: &TestHub,
    form: &[(&str, &str)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut req = http().post(hub.url("/oauth2/token")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn the_provider_refuses_what_the_protocol_forbids(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "ana@example.eu", &["trainee"], None).await;
    let (id, secret) = register_client(&hub, "Chamilo", true).await;
    let rp = relying_party(&hub, &id, &secret).await;
    let b = browser();

    // prompt=none without a session goes back with login_required.
    let flow = start_flow(&rp, &[("prompt", "none")]);
    let res = b.get(&flow.url).send().await.unwrap();
    let to = location(&res);
    assert!(to.starts_with(REDIRECT));
    assert_eq!(query_param(&to, "error").as_deref(), Some("login_required"));
    assert_eq!(
        query_param(&to, "state").as_deref(),
        Some(flow.state.secret().as_str())
    );

    // An unregistered redirect URI is shown an error page, never redirected to.
    let evil = flow.url.replace(
        &url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        "http%3A%2F%2Fevil.example%2Fcb",
    );
    assert_ne!(evil, flow.url);
    let res = b.get(&evil).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.headers().get("location").is_none());

    let (code, _) = code_for(&hub, &b, &rp).await;
    let wrong_verifier = "x".repeat(50);
    let (status, body) = token_request(
        &hub,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &wrong_verifier),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "wrong PKCE verifier"
    );

    let (code, verifier) = code_for(&hub, &b, &rp).await;
    let (status, body) = token_request(
        &hub,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.secret()),
        ],
        Some((&id, "not-the-secret")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "wrong client secret"
    );

    let (code, verifier) = code_for(&hub, &b, &rp).await;
    hub.pool()
        .run(|conn| {
            diesel::update(oidc_codes::table)
                .set(
                    oidc_codes::expires_at
                        .eq(chrono::Utc::now().naive_utc() - chrono::Duration::seconds(1)),
                )
                .execute(conn)?;
            Ok(())
        })
        .await
        .unwrap();
    let (status, body) = token_request(
        &hub,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.secret()),
        ],
        Some((&id, &secret)),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "expired code"
    );

    // client_secret_post, as Chamilo's library sends it.
    let (code, verifier) = code_for(&hub, &b, &rp).await;
    let (status, body) = token_request(
        &hub,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier.secret()),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].as_str().is_some());
    hub.stop().await;
}

async fn third_party_clients_ask_for_consent_once(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "ana@example.eu", &["trainee"], None).await;
    let (id, secret) = register_client(&hub, "Partner Portal", false).await;
    let rp = relying_party(&hub, &id, &secret).await;
    let b = browser();
    let flow = start_flow(&rp, &[]);
    // Sign in, then the consent page appears instead of a code.
    let res = b.get(&flow.url).send().await.unwrap();
    let signin = absolute(&hub, &location(&res));
    let page = b.get(&signin).send().await.unwrap().text().await.unwrap();
    let return_to = query_param(&signin, "return_to").unwrap();
    let posted = b
        .post(hub.url("/signin"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("email", "ana@example.eu"),
            ("password", PASSWORD),
            ("return_to", &return_to),
        ])
        .send()
        .await
        .unwrap();
    let consent = b
        .get(absolute(&hub, &location(&posted)))
        .send()
        .await
        .unwrap();
    assert_eq!(consent.status(), 200);
    let html = consent.text().await.unwrap();
    assert!(html.contains("Partner Portal") && html.contains("your e-mail address"));
    let field = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).unwrap() + marker.len();
        html[start..]
            .split('"')
            .next()
            .unwrap()
            .replace("&amp;", "&")
            .replace("&#x2f;", "/")
            .replace("&#38;", "&")
    };
    let form = [
        ("csrf", field("csrf")),
        ("client_id", field("client_id")),
        ("scope", field("scope")),
        ("resume", field("resume")),
        ("decision", "allow".to_string()),
    ];
    let forged = b
        .post(hub.url("/oauth2/consent"))
        .form(&[
            ("csrf", "forged"),
            ("client_id", id.as_str()),
            ("scope", "openid"),
            ("resume", "/oauth2/authorize?x=1"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let allowed = b
        .post(hub.url("/oauth2/consent"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 303);
    let back = browse_to_client(
        &hub,
        &b,
        &absolute(&hub, &location(&allowed)),
        "ana@example.eu",
    )
    .await;
    assert!(query_param(&back, "code").is_some());
    // The grant is remembered: the next request goes straight through.
    let again = start_flow(&rp, &[]);
    let res = b.get(&again.url).send().await.unwrap();
    assert!(location(&res).starts_with(REDIRECT) && location(&res).contains("code="));
    hub.stop().await;
}

async fn rotated_keys_keep_old_tokens_verifiable(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "ana@example.eu", &["trainee"], None).await;
    let (id, secret) = register_client(&hub, "Chamilo", true).await;
    let rp = relying_party(&hub, &id, &secret).await;
    let b = browser();
    let (code, verifier) = code_for(&hub, &b, &rp).await;
    let old = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();
    let old_kid = jsonwebtoken::decode_header(old.id_token().unwrap().to_string())
        .unwrap()
        .kid
        .unwrap();

    let state = hub.running.as_ref().unwrap().state.clone();
    let new_kid = hub
        .pool()
        .run(move |conn| state.oidc.rotate(conn))
        .await
        .unwrap();
    assert_ne!(new_kid, old_kid);
    let jwks: Value = http()
        .get(hub.url("/oauth2/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(
        kids,
        [new_kid.as_str(), old_kid.as_str()],
        "the old key stays published"
    );

    // A relying party that rediscovers verifies both the old token and a new one.
    let rp = relying_party(&hub, &id, &secret).await;
    let (code, verifier) = code_for(&hub, &b, &rp).await;
    let new = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();
    let new_token = new.id_token().unwrap();
    assert_eq!(
        jsonwebtoken::decode_header(new_token.to_string())
            .unwrap()
            .kid
            .unwrap(),
        new_kid
    );
    for token in [old.id_token().unwrap(), new_token] {
        let verifier = rp.id_token_verifier();
        let no_nonce_check = |_: Option<&Nonce>| Ok::<(), String>(());
        assert!(
            token.claims(&verifier, no_nonce_check).is_ok(),
            "verifies against the published keys"
        );
    }
    hub.stop().await;
}

async fn logout_ends_the_session_and_returns_to_the_client(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "ana@example.eu", &["trainee"], None).await;
    let (id, secret) = register_client(&hub, "Chamilo", true).await;
    let rp = relying_party(&hub, &id, &secret).await;
    let b = browser();
    let (code, verifier) = code_for(&hub, &b, &rp).await;
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http())
        .await
        .unwrap();
    let hint = tokens.id_token().unwrap().to_string();

    let stranger = b
        .get(hub.url(&format!(
            "/oauth2/logout?post_logout_redirect_uri={}",
            "http%3A%2F%2Fevil.example%2F"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(
        stranger.status(),
        200,
        "no redirect without a valid hint and a registered URI"
    );
    let flow = start_flow(&rp, &[("prompt", "none")]);
    let still = b.get(&flow.url).send().await.unwrap();
    assert!(
        location(&still).contains("code="),
        "a logout without a valid hint signs nobody out"
    );

    let url = format!(
        "/oauth2/logout?id_token_hint={hint}&post_logout_redirect_uri={}&state=bye",
        url::form_urlencoded::byte_serialize(AFTER_LOGOUT.as_bytes()).collect::<String>()
    );
    let res = b.get(hub.url(&url)).send().await.unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(location(&res), format!("{AFTER_LOGOUT}?state=bye"));
    let userinfo = http()
        .get(hub.url("/oauth2/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    assert_eq!(
        userinfo.status(),
        401,
        "the session behind the tokens has ended"
    );
    let flow = start_flow(&rp, &[("prompt", "none")]);
    let res = b.get(&flow.url).send().await.unwrap();
    assert_eq!(
        query_param(&location(&res), "error").as_deref(),
        Some("login_required")
    );
    hub.stop().await;
}

async fn brokering_through_an_upstream_hub_continues_the_flow(backend: Backend) {
    let upstream = TestHub::empty(backend).await;
    let downstream = TestHub::empty(backend).await;
    person(&upstream, "eleni@example.eu", &["trainee"], None).await;
    let callback = format!("{}/signin/upstream/callback", downstream.base);
    let registered = upstream
        .pool()
        .run(move |conn| {
            hub::domain::oidc::create_client(
                conn,
                "Downstream hub",
                &[callback],
                &[],
                true,
                false,
                &hub::domain::Actor::hub(),
            )
        })
        .await
        .unwrap();
    person(&downstream, "root@example.eu", &["superadmin"], None).await;
    let admin = bearer(&downstream, "root@example.eu").await;
    let res = downstream
        .client
        .post(downstream.url("/api/admin/identity-providers"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "EU Login (test)", "issuer": upstream.base, "client_id": registered.client_id, "client_secret": registered.client_secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let provider: Value = res.json().await.unwrap();
    assert!(
        provider.get("client_secret").is_none(),
        "secrets are not echoed"
    );

    // Chamilo on the downstream hub starts a sign-in; the person picks the upstream provider.
    let (id, secret) = register_client(&downstream, "Chamilo", true).await;
    let rp = relying_party(&downstream, &id, &secret).await;
    let flow = start_flow(&rp, &[]);
    let b = browser();
    let res = b.get(&flow.url).send().await.unwrap();
    let signin = absolute(&downstream, &location(&res));
    let page = b.get(&signin).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Sign in with EU Login (test)"));
    let start = page.find("href=\"/signin/upstream/").unwrap() + 6;
    let link = page[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
        .replace("&#38;", "&");
    // Through the upstream hub's own sign-in and back.
    let mut url = downstream.url(&link);
    for _ in 0..12 {
        if url.starts_with(REDIRECT) {
            break;
        }
        let res = b.get(&url).send().await.unwrap();
        if res.status().is_redirection() {
            let to = location(&res);
            url = if to.starts_with("http") {
                to
            } else if url.starts_with(&upstream.base) {
                upstream.url(&to)
            } else {
                downstream.url(&to)
            };
            continue;
        }
        let status = res.status();
        let html = res.text().await.unwrap();
        assert_eq!(status, 200, "{url}: {html}");
        assert!(
            url.starts_with(&upstream.base),
            "only the upstream hub asks for a password: {url}"
        );
        let return_to = query_param(&url, "return_to").unwrap();
        let posted = b
            .post(upstream.url("/signin"))
            .form(&[
                ("csrf", csrf_of(&html).as_str()),
                ("email", "eleni@example.eu"),
                ("password", PASSWORD),
                ("return_to", &return_to),
            ])
            .send()
            .await
            .unwrap();
        url = upstream.url(&location(&posted));
    }
    assert!(
        url.starts_with(REDIRECT),
        "the original authorization request completed: {url}"
    );
    let code = query_param(&url, "code").unwrap();
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(flow.verifier)
        .request_async(&http())
        .await
        .unwrap();
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&rp.id_token_verifier(), &flow.nonce)
        .unwrap();
    assert_eq!(claims.email().unwrap().as_str(), "eleni@example.eu");
    let links: i64 = downstream
        .pool()
        .run(|conn| Ok(upstream_links::table.count().get_result(conn)?))
        .await
        .unwrap();
    assert_eq!(
        links, 1,
        "the upstream identity is linked to a local account"
    );
    upstream.stop().await;
    downstream.stop().await;
}

/// Chamilo's oauth2 plugin renews an expired access token with its refresh token (issue 11):
/// clients that ask for `offline_access` get one, each is used once (the next one comes with the
/// new access token), one used twice revokes its family, and none outlives the hub session.
async fn refresh_tokens_rotate_are_revoked_on_reuse_and_end_with_the_session(backend: Backend) {
    let hub = TestHub::empty(backend).await;
    person(&hub, "ana@example.eu", &["trainee"], None).await;
    let (id, secret) = register_client(&hub, "Chamilo", true).await;
    let rp = relying_party(&hub, &id, &secret).await;
    let b = browser();
    let code = |offline: bool| {
        let flow = start_flow(&rp, &[]);
        let url = if offline {
            let asked = "scope=openid+profile+email+chamilo";
            assert!(flow.url.contains(asked), "{}", flow.url);
            flow.url.replace(asked, &format!("{asked}+offline_access"))
        } else {
            flow.url.clone()
        };
        let (hub, b) = (&hub, &b);
        async move {
            let back = browse_to_client(hub, b, &url, "ana@example.eu").await;
            (query_param(&back, "code").unwrap(), flow.verifier)
        }
    };
    let exchange = |code: String, verifier: PkceCodeVerifier| {
        let (hub, id, secret) = (&hub, id.clone(), secret.clone());
        async move {
            token_request(
                hub,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", verifier.secret()),
                ],
                Some((&id, &secret)),
            )
            .await
        }
    };
    let refresh = |token: String| {
        let (hub, id, secret) = (&hub, id.clone(), secret.clone());
        async move {
            token_request(
                hub,
                &[("grant_type", "refresh_token"), ("refresh_token", &token)],
                Some((&id, &secret)),
            )
            .await
        }
    };
    let userinfo = |token: String| {
        let hub = &hub;
        async move {
            http()
                .get(hub.url("/oauth2/userinfo"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };

    // Without offline_access: no refresh token.
    let (c, v) = code(false).await;
    let (status, plain) = exchange(c, v).await;
    assert_eq!(status, 200, "{plain}");
    assert!(plain.get("refresh_token").is_none(), "{plain}");

    // With it: one, which rotates.
    let (c, v) = code(true).await;
    let (status, first) = exchange(c, v).await;
    assert_eq!(status, 200, "{first}");
    let r1 = first["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_string();
    let (status, second) = refresh(r1.clone()).await;
    assert_eq!(status, 200, "{second}");
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2);
    let a2 = second["access_token"].as_str().unwrap().to_string();
    assert_eq!(userinfo(a2.clone()).await, 200);

    // The first one again: refused, and everything of its family with it.
    let (status, reused) = refresh(r1).await;
    assert_eq!(
        (status, reused["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        userinfo(a2).await,
        401,
        "the family's access token is revoked"
    );
    let (status, _) = refresh(r2).await;
    assert_eq!(status, 400, "and its refresh token");

    // A fresh family ends with the hub session.
    let (c, v) = code(true).await;
    let (_, third) = exchange(c, v).await;
    let r3 = third["refresh_token"].as_str().unwrap().to_string();
    let hint = third["id_token"].as_str().unwrap().to_string();
    let res = b
        .get(hub.url(&format!("/oauth2/logout?id_token_hint={hint}")))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection());
    let (status, ended) = refresh(r3).await;
    assert_eq!(
        (status, ended["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    hub.stop().await;
}
