//! Chamilo as the learning engine (issue 11), through a contract fake of REST v2 (`v2.php`) that
//! speaks the shapes of the reference facts §1 and refuses what Chamilo refuses: a body that is
//! not a form, a wrong api key, a non-admin calling an admin action, a taken login name, a
//! missing required field. It records every call it took.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

use crate::offers::{cast, draft, publish, Call};
use crate::support::{Backend, TestHub};

crate::both_backends!(
    approval_acceptance_and_cancellation_reach_chamilo,
    a_chamilo_that_is_down_loses_nothing,
);

#[derive(Debug, Clone)]
struct User {
    id: i64,
    username: String,
    email: String,
    status: String,
    auth_source: String,
    admin: bool,
    password: String,
    extra: HashMap<String, String>,
}

#[derive(Debug, Default)]
struct State {
    users: Vec<User>,
    keys: HashMap<String, String>,
    /// code → (id, title)
    courses: Vec<(i64, String, String)>,
    /// (course code, user id) → status
    subscriptions: HashMap<(String, i64), String>,
    /// Every action taken, in order.
    calls: Vec<String>,
}

/// The fake Chamilo: `fail` answers HTTP 500 to that many requests first.
struct FakeChamilo {
    state: Arc<Mutex<State>>,
    fail: Arc<AtomicUsize>,
    server: actix_web::dev::ServerHandle,
}

fn ok(data: Value) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "error": false, "data": data }))
}

/// Chamilo answers its errors with HTTP 200 and a message.
fn refuse(message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "error": true, "message": message }))
}

fn handle(req: HttpRequest, body: web::Bytes, state: &Mutex<State>) -> HttpResponse {
    let form_encoded = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    // PHP reads fields from $_POST: a JSON body arrives as no fields at all.
    let form: HashMap<String, String> = if form_encoded {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .unwrap_or_default()
            .into_iter()
            .collect()
    } else {
        HashMap::new()
    };
    let field = |name: &str| form.get(name).cloned().filter(|v| !v.is_empty());
    let Some(action) = field("action") else {
        return refuse("Invalid action");
    };
    let mut s = state.lock().unwrap();
    s.calls.push(action.clone());
    if action == "authenticate" {
        let (Some(username), Some(password)) = (field("username"), field("password")) else {
            return refuse("Invalid user detected");
        };
        let valid = s.users.iter().any(|u| {
            u.username == username && u.password == password && u.auth_source == "platform"
        });
        if !valid {
            return refuse("Invalid user detected");
        }
        let key = s
            .keys
            .entry(username.clone())
            .or_insert_with(|| format!("key-{username}-{}", uuid::Uuid::new_v4().simple()))
            .clone();
        return ok(json!({ "url": "http://chamilo.test/", "apiKey": key, "gcmSenderId": "" }));
    }
    let caller = field("username").unwrap_or_default();
    if field("api_key").is_none() || s.keys.get(&caller) != field("api_key").as_ref() {
        return refuse("Invalid API key");
    }
    let admin = s.users.iter().any(|u| u.username == caller && u.admin);
    let admin_only = [
        "save_user",
        "get_users",
        "save_course",
        "update_user_from_username",
        "subscribe_user_to_course",
        "unsubscribe_user_from_course",
    ];
    if admin_only.contains(&action.as_str()) && !admin {
        return refuse("Not allowed");
    }
    match action.as_str() {
        "username_exist" => {
            let name = field("loginname").unwrap_or_default();
            ok(json!([s.users.iter().any(|u| u.username == name)]))
        }
        "get_users" => ok(Value::Array(
            s.users
                .iter()
                .map(|u| json!({"id": u.id, "firstname": "", "lastname": "", "email": u.email, "username": u.username, "active": 1}))
                .collect(),
        )),
        "save_user" => {
            for required in ["firstname", "lastname", "status", "email", "loginname", "password"] {
                if field(required).is_none() {
                    return refuse(&format!("{required} is required"));
                }
            }
            let username = field("loginname").unwrap();
            if s.users.iter().any(|u| u.username == username) {
                return refuse("This login is not available");
            }
            let mut extra = HashMap::new();
            if let (Some(name), Some(value)) = (field("original_user_id_name"), field("original_user_id_value")) {
                extra.insert(name, value);
            }
            for i in 0..10 {
                if let (Some(name), Some(value)) = (
                    field(&format!("extra[{i}][field_name]")),
                    field(&format!("extra[{i}][field_value]")),
                ) {
                    extra.insert(name, value);
                }
            }
            let id = s.users.len() as i64 + 1;
            s.users.push(User {
                id,
                username,
                email: field("email").unwrap(),
                status: field("status").unwrap(),
                auth_source: field("auth_source").unwrap_or_else(|| "platform".into()),
                admin: false,
                password: field("password").unwrap(),
                extra,
            });
            // PHP sends ids of new rows as strings as often as numbers.
            ok(json!([id.to_string()]))
        }
        "get_courses" => ok(Value::Array(
            s.courses
                .iter()
                .map(|(id, code, title)| json!({"id": id, "code": code, "title": title}))
                .collect(),
        )),
        "save_course" => {
            let (Some(title), Some(wanted)) = (field("title"), field("wanted_code")) else {
                return ok(json!({"status": false, "message": "title and wanted_code are required"}));
            };
            let mut code = if field("remove_campus_id_from_wanted_code").as_deref() == Some("1") {
                wanted.to_uppercase()
            } else {
                format!("CAMPUS_1_{}", wanted.to_uppercase())
            };
            // Chamilo never refuses a taken code: it makes another one.
            while s.courses.iter().any(|c| c.1 == code) {
                code.push('1');
            }
            let id = s.courses.len() as i64 + 1;
            s.courses.push((id, code.clone(), title.clone()));
            ok(json!({"status": true, "id": id, "code_course": code, "title_course": title, "extra_fields": [], "message": "Course created"}))
        }
        "subscribe_user_to_course" => {
            let code = field("course_code").unwrap_or_default();
            let Some(user) = field("user_id").and_then(|u| u.parse::<i64>().ok()) else {
                return refuse("user_id is required");
            };
            if !s.courses.iter().any(|c| c.1 == code) || !s.users.iter().any(|u| u.id == user) {
                return ok(json!([false]));
            }
            let status = field("status").unwrap_or_else(|| "5".into());
            s.subscriptions.insert((code, user), status);
            ok(json!([true]))
        }
        "unsubscribe_user_from_course" => {
            let code = field("course_code").unwrap_or_default();
            let user = field("user_id").and_then(|u| u.parse::<i64>().ok()).unwrap_or(0);
            ok(json!([s.subscriptions.remove(&(code, user)).is_some()]))
        }
        _ => refuse("Invalid action"),
    }
}

impl FakeChamilo {
    /// Serves on `listener` with the platform admin `admin` / `admin-pass` and a teacher who is
    /// not an admin.
    fn start(listener: TcpListener, fail: usize) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        {
            let mut s = state.lock().unwrap();
            for (id, name, admin) in [(1, "admin", true), (2, "teacher", false)] {
                s.users.push(User {
                    id,
                    username: name.into(),
                    email: format!("{name}@chamilo.test"),
                    status: "1".into(),
                    auth_source: "platform".into(),
                    admin,
                    password: format!("{name}-pass"),
                    extra: HashMap::new(),
                });
            }
        }
        let fail = Arc::new(AtomicUsize::new(fail));
        let data = web::Data::new((state.clone(), fail.clone()));
        let server = HttpServer::new(move || {
            App::new().app_data(data.clone()).route(
                "/main/webservices/api/v2.php",
                web::post().to(
                    |req: HttpRequest,
                     body: web::Bytes,
                     data: web::Data<(Arc<Mutex<State>>, Arc<AtomicUsize>)>| async move {
                        if data
                            .1
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok()
                        {
                            return HttpResponse::InternalServerError().body("Chamilo is down");
                        }
                        handle(req, body, &data.0)
                    },
                ),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            state,
            fail,
            server: handle,
        }
    }

    /// Waits until `done` holds of the fake's state (or fails after `secs`).
    async fn until(&self, secs: u64, what: &str, done: impl Fn(&State) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if done(&self.state.lock().unwrap()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Chamilo never saw {what}: {:?}",
                self.state.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn settings(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("HUB_DEMO_DATA", "false".into()),
        ("HUB_CHAMILO_URL", url.into()),
        ("HUB_CHAMILO_USERNAME", "admin".into()),
        ("HUB_CHAMILO_PASSWORD", "admin-pass".into()),
    ]
}

async fn start_hub(backend: Backend, url: &str) -> TestHub {
    let owned = settings(url);
    let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    TestHub::start_with(backend, &pairs, Vec::new()).await
}

async fn application_status(call: &Call<'_>, c: &crate::offers::Cast, id: &str) -> String {
    let (_, _, mine) = call
        .send(
            "GET",
            "/api/me/applications?page_size=100",
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    crate::support::items(mine)
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .map(|a| a["status"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn approval_acceptance_and_cancellation_reach_chamilo(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    let hub = start_hub(backend, &url).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    assert_eq!(hub.get_json("/readyz").await.1["chamilo"], "on");

    // Approval makes the course, and the offer shows its code.
    let offer = publish(&call, &c, draft(30)).await;
    chamilo
        .until(20, "the course", |s| s.courses.len() == 1)
        .await;
    let code = chamilo.state.lock().unwrap().courses[0].1.clone();
    assert!(code.starts_with("HUB"), "{code}");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, detail) = hub.get_json(&format!("/api/offers/{offer}")).await;
        if detail["chamilo_course_code"] == code.as_str() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the offer never showed its course: {detail}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let page = hub
        .get(&format!("/offers/{offer}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"{url}courses/{code}/index.php\"")),
        "the page links to the course"
    );

    // Acceptance: the trainee's account, their enrolment, and `enrolled` in the hub.
    let application = crate::applications::accepted(&call, &c, &offer).await;
    chamilo
        .until(20, "the enrolment", |s| {
            s.subscriptions.values().any(|status| status == "5")
        })
        .await;
    let trainee = {
        let s = chamilo.state.lock().unwrap();
        s.users
            .iter()
            .find(|u| u.email == "trainee@example.eu")
            .cloned()
            .expect("the trainee's Chamilo account")
    };
    assert_eq!(trainee.username, "trainee@example.eu");
    assert_eq!(trainee.status, "5");
    assert_eq!(trainee.auth_source, "oauth2");
    let (_, _, me) = call
        .send("GET", "/api/me", Some(&c.trainee), None, None)
        .await;
    assert_eq!(
        trainee.extra["oauth2_id"],
        me["id"].as_str().unwrap(),
        "the OIDC sub"
    );
    assert_eq!(trainee.extra["hub_id"], me["id"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    while application_status(&call, &c, &application).await != "enrolled" {
        assert!(
            Instant::now() < deadline,
            "the application never became enrolled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    {
        let s = chamilo.state.lock().unwrap();
        assert_eq!(s.courses.len(), 1, "one course, however many deliveries");
        assert_eq!(
            s.users
                .iter()
                .filter(|u| u.email == "trainee@example.eu")
                .count(),
            1
        );
    }

    // Accepted, then cancelled before Chamilo could enrol them (it was failing): the
    // enrolment never happens, and the cancellation is sent.
    let second = publish(&call, &c, draft(40)).await;
    chamilo
        .until(20, "the second course", |s| s.courses.len() == 2)
        .await;
    chamilo.fail.store(usize::MAX / 2, Ordering::SeqCst);
    let other = crate::applications::accepted(&call, &c, &second).await;
    let (status, _, body) = call
        .send(
            "POST",
            &format!("/api/applications/{other}/cancel"),
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    chamilo.fail.store(0, Ordering::SeqCst);
    chamilo
        .until(20, "the unsubscription", |s| {
            s.calls.iter().any(|a| a == "unsubscribe_user_from_course")
        })
        .await;
    {
        let s = chamilo.state.lock().unwrap();
        let second_code = s.courses[1].1.clone();
        assert!(
            !s.subscriptions.keys().any(|(code, _)| *code == second_code),
            "no enrolment in the cancelled course: {:?}",
            s.subscriptions
        );
        assert_eq!(s.subscriptions.len(), 1, "the first enrolment stays");
    }
    assert_eq!(application_status(&call, &c, &other).await, "cancelled");
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn a_chamilo_that_is_down_loses_nothing(backend: Backend) {
    // Nothing listens at first: connections are refused.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let hub = start_hub(backend, &url).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    let application = crate::applications::accepted(&call, &c, &offer).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // The operator sees what waits, and why.
    let (status, _, waiting) = call
        .send(
            "GET",
            "/api/admin/deliveries?consumer=chamilo&status=pending&page_size=100",
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{waiting}");
    let waiting = crate::support::items(waiting).as_array().unwrap().clone();
    let enrolment = waiting
        .iter()
        .find(|d| d["kind"] == "application.status" && d["subject_id"] == application.as_str())
        .unwrap_or_else(|| panic!("the enrolment waits: {waiting:?}"));
    assert!(enrolment["attempts"].as_i64().unwrap() >= 1);
    assert!(
        enrolment["last_error"]
            .as_str()
            .unwrap()
            .contains("Chamilo unreachable"),
        "{enrolment}"
    );
    let (status, _, _) = call
        .send(
            "POST",
            &format!("/api/admin/deliveries/{}/retry", enrolment["id"]),
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(status, 202, "a waiting delivery is due again at once");
    // Then it answers 500 twice, then properly.
    let chamilo = FakeChamilo::start(TcpListener::bind(("127.0.0.1", port)).unwrap(), 2);
    chamilo
        .until(60, "the enrolment after the outage", |s| {
            s.subscriptions.values().any(|status| status == "5")
        })
        .await;
    assert_eq!(chamilo.fail.load(Ordering::SeqCst), 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    while application_status(&call, &c, &application).await != "enrolled" {
        assert!(
            Instant::now() < deadline,
            "the application never became enrolled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Tried again by hand: only what has not arrived.
    let (status, _, _) = call
        .send(
            "POST",
            &format!("/api/admin/deliveries/{}/retry", enrolment["id"]),
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(status, 409, "the enrolment arrived already");
    let (status, _, _) = call
        .send(
            "POST",
            "/api/admin/deliveries/99999999/retry",
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(status, 404);
    {
        let s = chamilo.state.lock().unwrap();
        assert_eq!(s.courses.len(), 1, "the course once: {:?}", s.courses);
        assert_eq!(
            s.users
                .iter()
                .filter(|u| u.email == "trainee@example.eu")
                .count(),
            1
        );
    }
    hub.stop().await;
    chamilo.server.stop(true).await;
}

/// The adapter against the fake's refusals: a stale key is renewed once, a non-admin is refused
/// an admin action, a taken login name and a missing field are refused by name, and a JSON body
/// is no request at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_meets_what_chamilo_refuses() {
    use adapters::chamilo::{ChamiloError, Client, NewUser};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base: url::Url = format!("http://{}/", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    let chamilo = FakeChamilo::start(listener, 0);
    let client = |user: &str, key: Option<&str>| {
        Client::new(
            &base,
            user.into(),
            format!("{user}-pass"),
            key.map(str::to_string),
            Duration::from_secs(5),
        )
        .unwrap()
    };
    let person = |login: &str, first: &str| NewUser {
        loginname: login.into(),
        firstname: first.into(),
        lastname: "Kowalska".into(),
        email: format!("{login}@example.eu"),
        status: 5,
        password: "x".into(),
        hub_id: "h1".into(),
        oauth2_id: "h1".into(),
        language: None,
    };

    let admin = client("admin", Some("stale-key"));
    assert!(!admin.username_exists("anna").await.unwrap());
    let authentications = |s: &State| s.calls.iter().filter(|a| *a == "authenticate").count();
    assert_eq!(
        authentications(&chamilo.state.lock().unwrap()),
        1,
        "renewed once"
    );
    assert_ne!(admin.key().await.as_deref(), Some("stale-key"));
    let id = admin.save_user(&person("anna", "Anna")).await.unwrap();
    assert_eq!(admin.user_id("anna").await.unwrap(), Some(id));

    match admin.save_user(&person("anna", "Anna")).await {
        Err(ChamiloError::Refused { action, .. }) => assert_eq!(action, "save_user"),
        other => panic!("a taken login name: {other:?}"),
    }
    match admin.save_user(&person("ewa", "")).await {
        Err(ChamiloError::Refused { message, .. }) => assert!(message.contains("firstname")),
        other => panic!("a missing field: {other:?}"),
    }
    let teacher = client("teacher", None);
    match teacher.save_user(&person("jan", "Jan")).await {
        Err(ChamiloError::Refused { message, .. }) => assert_eq!(message, "Not allowed"),
        other => panic!("a non-admin: {other:?}"),
    }
    let json: Value = reqwest::Client::new()
        .post(base.join("main/webservices/api/v2.php").unwrap())
        .json(&json!({"action": "authenticate", "username": "admin", "password": "admin-pass"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json["error"], true, "PHP reads no fields from a JSON body");
    chamilo.server.stop(true).await;
}
