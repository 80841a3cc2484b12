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
    xapi_results_complete_the_training,
    the_api_key_is_kept_across_a_restart,
    polled_scores_complete_a_quiz_rule,
    registration_and_trainers_reach_chamilo,
    polled_progress_completes_a_named_learning_path,
    polled_progress_finds_learning_paths_by_title_or_any,
    a_restart_while_chamilo_is_down_loses_nothing,
    profile_changes_and_erasure_reach_chamilo,
    a_cancellation_while_chamilo_enrols_ends_the_enrolment,
    lost_answers_and_foreign_accounts,
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
    firstname: String,
    lastname: String,
    language: String,
    active: bool,
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
    /// (course code, user id) → the average score of the tests taken.
    scores: HashMap<(String, i64), f64>,
    /// (course code, learning path id, e-mail) → progress, for SOAP's WSGetLpProgress.
    progress: HashMap<(String, i64, String), f64>,
    /// Every course's learning paths, (id, title), in its one category.
    paths: Vec<(i64, String)>,
    /// How long `subscribe_user_to_course` takes, in milliseconds.
    slow_subscribe: u64,
    /// Subscriptions `unsubscribe_user_from_course` actually ended.
    ended: Vec<(String, i64)>,
    /// Actions whose next answer is lost: Chamilo acts, then the hub sees a 500.
    lose: Vec<String>,
}

/// The SOAP gradebook service's security key and the address it expects the hub to call from.
const SECURITY_KEY: &str = "chamilo-security-key";

/// `gradebook.php`'s WSGetLpProgress: the secret key checked as `WSHelperVerifyKey` does, a SOAP
/// fault when it is wrong.
fn soap(body: &str, state: &Mutex<State>) -> HttpResponse {
    let field = |name: &str| {
        let start = body.find(&format!("<{name} "))?;
        let open_end = start + body[start..].find('>')? + 1;
        let close = open_end + body[open_end..].find(&format!("</{name}>"))?;
        Some(body[open_end..close].to_string())
    };
    let envelope = |inner: String| {
        HttpResponse::Ok().content_type("text/xml; charset=UTF-8").body(format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>{inner}</SOAP-ENV:Body></SOAP-ENV:Envelope>"#
        ))
    };
    let expected = adapters::chamilo::secret_key(Some("127.0.0.1"), SECURITY_KEY);
    if !body.contains("WSGetLpProgress")
        || field("secret_key").as_deref() != Some(expected.as_str())
    {
        return envelope("<SOAP-ENV:Fault><faultcode>Server</faultcode><faultstring>Secret key is not correct or params are not correctly set</faultstring></SOAP-ENV:Fault>".into());
    }
    let (Some(code), Some(lp), Some(email)) = (
        field("course_code"),
        field("lp_id").and_then(|l| l.parse::<i64>().ok()),
        field("email"),
    ) else {
        return envelope("<SOAP-ENV:Fault><faultcode>Client</faultcode><faultstring>params are not correctly set</faultstring></SOAP-ENV:Fault>".into());
    };
    let mut s = state.lock().unwrap();
    s.calls.push("WSGetLpProgress".into());
    let progress = s.progress.get(&(code, lp, email)).copied().unwrap_or(0.0);
    envelope(format!(
        r#"<ns1:WSGetLpProgressResponse xmlns:ns1="urn:WSGradebook"><return xsi:type="xsd:string" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{progress}</return></ns1:WSGetLpProgressResponse>"#
    ))
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
        // In the platform's language (here Polish): the hub cannot tell it by its words.
        return refuse("Nieprawidłowy klucz dostępu");
    }
    let admin = s.users.iter().any(|u| u.username == caller && u.admin);
    let admin_only = [
        "save_user",
        "get_users",
        "user_courses_by_dates",
        "save_course",
        "update_user_from_username",
        "subscribe_user_to_course",
        "unsubscribe_user_from_course",
        "delete_user",
    ];
    if admin_only.contains(&action.as_str()) && !admin {
        return refuse("Not allowed");
    }
    match action.as_str() {
        "username_exist" => {
            let name = field("loginname").unwrap_or_default();
            ok(json!([s.users.iter().any(|u| u.username == name)]))
        }
        "get_users" => {
            // Rest::getUsersCampus: each extra field asked for, where the user has it.
            let extra = field("extra_fields").unwrap_or_default();
            ok(Value::Array(
                s.users
                    .iter()
                    .map(|u| {
                        let mut row = json!({"id": u.id, "firstname": u.firstname, "lastname": u.lastname, "email": u.email, "username": u.username, "active": u.active as u8});
                        for name in extra.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                            if let Some(v) = u.extra.get(name) {
                                row[name] = v.clone().into();
                            }
                        }
                        row
                    })
                    .collect(),
            ))
        }
        "save_user" => {
            for required in [
                "firstname",
                "lastname",
                "status",
                "email",
                "loginname",
                "password",
            ] {
                if field(required).is_none() {
                    return refuse(&format!("{required} is required"));
                }
            }
            let username = field("loginname").unwrap();
            if s.users.iter().any(|u| u.username == username) {
                return refuse("This login is not available");
            }
            let mut extra = HashMap::new();
            if let (Some(name), Some(value)) = (
                field("original_user_id_name"),
                field("original_user_id_value"),
            ) {
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
            let id = s.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
            s.users.push(User {
                id,
                username,
                email: field("email").unwrap(),
                status: field("status").unwrap(),
                auth_source: field("auth_source").unwrap_or_else(|| "platform".into()),
                admin: false,
                password: field("password").unwrap(),
                extra,
                firstname: field("firstname").unwrap(),
                lastname: field("lastname").unwrap(),
                language: field("language").unwrap_or_else(|| "english".into()),
                active: true,
            });
            // PHP sends ids of new rows as strings as often as numbers.
            ok(json!([id.to_string()]))
        }
        "course_learnpaths" => {
            // v2.php's setCourse: the `course` parameter is the course's numeric id.
            let Some(course) = field("course").and_then(|c| c.parse::<i64>().ok()) else {
                return refuse("NoCourse");
            };
            if !s.courses.iter().any(|c| c.0 == course) {
                return refuse("NoCourse");
            }
            let list: Vec<Value> = s
                .paths
                .iter()
                .map(|(id, title)| json!({"id": id, "title": title, "progress": 0, "url": ""}))
                .collect();
            ok(json!([{ "id": 0, "name": "Bez kategorii", "learnpaths": list }]))
        }
        "get_courses" => ok(Value::Array(
            s.courses
                .iter()
                .map(|(id, code, title)| json!({"id": id, "code": code, "title": title}))
                .collect(),
        )),
        "save_course" => {
            let (Some(title), Some(wanted)) = (field("title"), field("wanted_code")) else {
                return ok(
                    json!({"status": false, "message": "title and wanted_code are required"}),
                );
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
            ok(
                json!({"status": true, "id": id, "code_course": code, "title_course": title, "extra_fields": [], "message": "Course created"}),
            )
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
            // CourseManager::subscribeUser: false for someone subscribed already.
            if s.subscriptions.contains_key(&(code.clone(), user)) {
                return ok(json!([false]));
            }
            s.subscriptions.insert((code, user), status);
            ok(json!([true]))
        }
        "user_courses_by_dates" => {
            let Some(user) = field("user_id").and_then(|u| u.parse::<i64>().ok()) else {
                return refuse("user_id is required");
            };
            if field("start_date").is_none() || field("end_date").is_none() {
                return refuse("start_date and end_date are required");
            }
            ok(Value::Array(
                s.subscriptions
                    .keys()
                    .filter(|(_, u)| *u == user)
                    .map(|(code, _)| {
                        let score = s.scores.get(&(code.clone(), user));
                        json!({
                            "course_code": code,
                            "course_title": "",
                            "visible_tests": ["Final test"],
                            "taken_tests": match score {
                                Some(avg) => json!({"tests": ["Final test"], "avg_score": avg}),
                                None => json!([]),
                            },
                        })
                    })
                    .collect(),
            ))
        }
        "update_user_from_username" => {
            // Rest::updateUserFromUserName: the request's own fields are skipped, the user's
            // fields it knows are set, anything else (the password among them) is refused.
            let skipped = ["username", "api_key", "action", "loginname"];
            let known = [
                "email",
                "enabled",
                "lastname",
                "firstname",
                "phone",
                "address",
                "roles",
                "profile_completed",
                "auth_source",
                "status",
                "official_code",
                "picture_uri",
                "creator_id",
                "competences",
                "diplomas",
                "openarea",
                "teach",
                "productions",
                "language",
                "registration_date",
                "expiration_date",
                "active",
                "openid",
                "theme",
                "hr_dept_id",
            ];
            if let Some(other) = form.keys().find(|k| {
                !skipped.contains(&k.to_lowercase().as_str())
                    && !known.contains(&k.as_str())
                    && !k.starts_with("extra")
            }) {
                return refuse(&format!("Unsupported update '{other}'"));
            }
            let Some(login) = field("loginname") else {
                return refuse("loginname is required");
            };
            let Some(user) = s.users.iter_mut().find(|u| u.username == login) else {
                return refuse("User not found");
            };
            if let Some(status) = field("status") {
                user.status = status;
            }
            if let Some(email) = field("email") {
                user.email = email;
            }
            for (name, slot) in [
                ("firstname", &mut user.firstname),
                ("lastname", &mut user.lastname),
                ("language", &mut user.language),
            ] {
                if let Some(value) = field(name) {
                    *slot = value;
                }
            }
            if let Some(active) = field("active") {
                user.active = active == "1";
            }
            ok(json!([true]))
        }
        "get_users_subscribed_to_course" => {
            let Some(course) = field("course").and_then(|c| c.parse::<i64>().ok()) else {
                return refuse("NoCourse");
            };
            let Some(code) = s
                .courses
                .iter()
                .find(|c| c.0 == course)
                .map(|c| c.1.clone())
            else {
                return refuse("NoCourse");
            };
            ok(Value::Array(
                s.subscriptions
                    .iter()
                    .filter(|((c, _), _)| *c == code)
                    .map(|((_, user), status)| json!({"user_id": user, "username": "", "firstname": "", "lastname": "", "status_rel": status}))
                    .collect(),
            ))
        }
        "delete_user" => {
            // UserManager::canDeleteUser: never the only teacher of a course.
            let id = field("user_id")
                .and_then(|u| u.parse::<i64>().ok())
                .unwrap_or(0);
            let only_teacher = s.subscriptions.iter().any(|((code, user), status)| {
                *user == id
                    && status == "1"
                    && s.subscriptions
                        .iter()
                        .filter(|((c, _), st)| c == code && *st == "1")
                        .count()
                        == 1
            });
            let exists = s.users.iter().any(|u| u.id == id);
            if !exists || only_teacher {
                return ok(json!({ "status": false }));
            }
            s.users.retain(|u| u.id != id);
            s.subscriptions.retain(|(_, user), _| *user != id);
            ok(json!({ "status": true }))
        }
        "unsubscribe_user_from_course" => {
            let code = field("course_code").unwrap_or_default();
            let user = field("user_id")
                .and_then(|u| u.parse::<i64>().ok())
                .unwrap_or(0);
            let ended = s.subscriptions.remove(&(code.clone(), user)).is_some();
            if ended {
                s.ended.push((code, user));
            }
            ok(json!([ended]))
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
                    firstname: name.into(),
                    lastname: name.into(),
                    language: "english".into(),
                    active: true,
                });
            }
        }
        let fail = Arc::new(AtomicUsize::new(fail));
        let data = web::Data::new((state.clone(), fail.clone()));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/main/webservices/gradebook.php",
                    web::post().to(
                        |body: String, data: web::Data<(Arc<Mutex<State>>, Arc<AtomicUsize>)>| async move {
                            soap(&body, &data.0)
                        },
                    ),
                )
                .route(
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
                        let slow = data.0.lock().unwrap().slow_subscribe;
                        if slow > 0 && body.windows(32).any(|w| w == b"action=subscribe_user_to_course&") {
                            tokio::time::sleep(Duration::from_millis(slow)).await;
                        }
                        let answer = handle(req, body.clone(), &data.0);
                        let action = String::from_utf8_lossy(&body)
                            .split('&')
                            .find_map(|kv| kv.strip_prefix("action=").map(str::to_string))
                            .unwrap_or_default();
                        let mut s = data.0.lock().unwrap();
                        if let Some(i) = s.lose.iter().position(|a| *a == action) {
                            s.lose.remove(i);
                            return HttpResponse::InternalServerError().body("the answer was lost");
                        }
                        answer
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

/// A hub without demo data that provisions the Chamilo at `url`, with `extra` settings.
async fn start_hub(backend: Backend, url: &str, extra: &[(&str, &str)]) -> TestHub {
    let owned = settings(url);
    let mut pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    pairs.extend_from_slice(extra);
    TestHub::start_with(backend, &pairs, Vec::new()).await
}

/// `hub` restarted with the same Chamilo settings.
async fn restart_hub(hub: TestHub, url: &str) -> TestHub {
    let owned = settings(url);
    let pairs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    hub.restart_with(&pairs).await
}

/// Waits until the application has `status` (or fails after 20 s).
async fn until_status(call: &Call<'_>, c: &crate::offers::Cast, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while application_status(call, c, id).await != status {
        assert!(
            Instant::now() < deadline,
            "application {id} never became {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
    let hub = start_hub(backend, &url, &[]).await;
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
    // The href as a browser reads it (the template escapes `&`).
    let page = page.replace("&#38;", "&").replace("&amp;", "&");
    let entry = format!(
        "{url}plugin/oauth2/src/oidc_login.php?iss={}&target_link_uri={}",
        url::form_urlencoded::byte_serialize(hub.url("").as_bytes()).collect::<String>(),
        url::form_urlencoded::byte_serialize(format!("{url}courses/{code}/index.php").as_bytes())
            .collect::<String>()
    );
    assert!(
        page.contains(&format!("href=\"{entry}\"")),
        "the page links to the course through Chamilo's sign-in with the hub: {page}"
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
    // A role that makes them teach: Chamilo's status follows.
    let version = me["version"].to_string();
    let tag = format!("\"{version}\"");
    let (status, _, body) = call
        .send(
            "PUT",
            &format!("/api/admin/users/{}/roles", me["id"].as_str().unwrap()),
            Some(&c.admin),
            Some(&tag),
            Some(json!({ "roles": ["trainee", "trainer"] })),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    chamilo
        .until(20, "the status update", |s| {
            s.users
                .iter()
                .any(|u| u.email == "trainee@example.eu" && u.status == "1")
        })
        .await;
    until_status(&call, &c, &application, "enrolled").await;
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
    // Completed by hand: recorded as a person's decision, not as results.
    crate::applications::complete_by_hand(&call, &c, &application).await;
    let evidence: Option<String> = {
        let id = application.clone();
        hub.pool()
            .run(move |conn| {
                use diesel::prelude::*;
                use hub::db::schema::applications;
                Ok(applications::table
                    .find(id)
                    .select(applications::completion_evidence)
                    .first(conn)?)
            })
            .await
            .unwrap()
    };
    let evidence: Value = serde_json::from_str(&evidence.expect("evidence")).unwrap();
    assert!(evidence["by_hand"].is_string(), "{evidence}");

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
    let hub = start_hub(backend, &url, &[]).await;
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
    until_status(&call, &c, &application, "enrolled").await;
    // Tried again by hand: only what has not arrived.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, _, done) = call
            .send(
                "GET",
                "/api/admin/deliveries?consumer=chamilo&status=delivered&page_size=100",
                Some(&c.admin),
                None,
                None,
            )
            .await;
        let done = crate::support::items(done);
        if done
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == enrolment["id"])
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the enrolment's delivery never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
        assert_eq!(
            s.subscriptions.len(),
            1,
            "enrolled once: {:?}",
            s.subscriptions
        );
        // In order: the account and the course before the enrolment.
        let first = |action: &str| s.calls.iter().position(|a| a == action).unwrap();
        assert!(first("save_user") < first("subscribe_user_to_course"));
        assert!(first("save_course") < first("subscribe_user_to_course"));
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
    assert_eq!(
        admin.user_by_login("anna").await.unwrap(),
        Some((id, Some("h1".to_string()))),
        "the id, and the hub id kept with it"
    );

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
    let wrong = adapters::chamilo::Soap::new(
        &base,
        "not-the-key",
        Some("127.0.0.1"),
        Duration::from_secs(5),
    )
    .unwrap();
    match wrong.lp_progress("HUBX", 1, "anna@example.eu").await {
        Err(ChamiloError::Refused { message, .. }) => {
            assert!(message.contains("Secret key"), "{message}")
        }
        other => panic!("a wrong security key: {other:?}"),
    }
    let right = adapters::chamilo::Soap::new(
        &base,
        SECURITY_KEY,
        Some("127.0.0.1"),
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(
        right.lp_progress("HUBX", 1, "anna@example.eu").await,
        Ok(0.0)
    );
    chamilo.server.stop(true).await;
}

/// A statement as Chamilo's xapi plugin sends it when a learning path is completed (reference
/// facts §4.2a): no id, the actor by `mbox`, the course in the activity IRI's `cidReq`.
fn lp_completed(email: &str, code: &str) -> Value {
    json!({
        "actor": {"objectType": "Agent", "mbox": format!("mailto:{email}"), "name": "Trainee"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity",
            "id": format!("http://chamilo.test/main/lp/lp_controller.php?action=view&lp_id=1&isStudentView=true&cidReq={code}&id_session=0&gidReq=0&gradebook=0&origin="),
            "definition": {"name": {"en": "Excel basics"}, "type": "http://adlnet.gov/expapi/activities/lesson"}},
        "result": {"score": {"scaled": 1, "raw": 100, "min": 0, "max": 100}, "completion": true},
        "context": {"platform": "Chamilo", "language": "en"},
        "timestamp": "2027-03-05T10:00:00Z"
    })
}

fn quiz(email: &str, code: &str, raw: u32) -> Value {
    json!({
        "actor": {"objectType": "Agent", "mbox": format!("mailto:{email}")},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
        "object": {"id": "http://chamilo.test/xapi/quiz/7", "definition": {"name": {"en": "Final test"}}},
        "result": {"score": {"scaled": f64::from(raw) / 100.0, "raw": raw, "min": 0, "max": 100}, "completion": true},
        "context": {"contextActivities": {"grouping": [
            {"id": "http://chamilo.test/"},
            {"id": format!("http://chamilo.test/courses/{code}/index.php"), "definition": {"type": "http://id.tincanapi.com/activitytype/lms/course"}}]}}
    })
}

async fn xapi_results_complete_the_training(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    let hub = start_hub(
        backend,
        &url,
        &[
            ("HUB_XAPI_USERNAME", "chamilo"),
            ("HUB_XAPI_PASSWORD", "lrs-secret"),
        ],
    )
    .await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let by_path = publish(&call, &c, draft(30)).await;
    let by_quiz = publish(&call, &c, draft(40)).await;
    chamilo
        .until(20, "both courses", |s| s.courses.len() == 2)
        .await;
    let code = |offer: &str| {
        let offer = offer.to_string();
        let hub = &hub;
        async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let (_, o) = hub.get_json(&format!("/api/offers/{offer}")).await;
                if let Some(code) = o["chamilo_course_code"].as_str() {
                    return code.to_string();
                }
                assert!(Instant::now() < deadline, "no course code");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    let (path_code, quiz_code) = (code(&by_path).await, code(&by_quiz).await);
    let path_app = crate::applications::accepted(&call, &c, &by_path).await;
    let quiz_app = crate::applications::accepted(&call, &c, &by_quiz).await;

    // The quiz offer is completed by a score of 80 % or more; only its provider may say so.
    let rule = json!({"kind": "quiz_score", "min_percent": 80.0});
    let path = format!("/api/offers/{by_quiz}/completion-rule");
    let (status, _, _) = call
        .send("PUT", &path, Some(&c.trainee), None, Some(rule.clone()))
        .await;
    assert_eq!(status, 403);
    let (status, _, _) = call
        .send(
            "PUT",
            &path,
            Some(&c.other_provider),
            None,
            Some(rule.clone()),
        )
        .await;
    assert_eq!(status, 403);
    let (status, _, body) = call
        .send("PUT", &path, Some(&c.provider), None, Some(rule.clone()))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(hub.get_json(&path).await.1, rule);

    let send = |method: &'static str,
                query: String,
                body: Value,
                auth: Option<(&'static str, &'static str)>,
                version: bool| {
        let mut req = hub
            .client
            .request(
                method.parse().unwrap(),
                hub.url(&format!("/xapi/statements{query}")),
            )
            .json(&body);
        if let Some((u, p)) = auth {
            req = req.basic_auth(u, Some(p));
        }
        if version {
            req = req.header("X-Experience-API-Version", "1.0.3");
        }
        req.send()
    };
    let creds = Some(("chamilo", "lrs-secret"));
    let trainee = "trainee@example.eu";
    let statement = lp_completed(trainee, &path_code);
    let refused = send("POST", String::new(), statement.clone(), None, true)
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert!(refused.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic"));
    let wrong = send(
        "POST",
        String::new(),
        statement.clone(),
        Some(("chamilo", "guess")),
        true,
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 401);
    let unversioned = send("POST", String::new(), statement.clone(), creds, false)
        .await
        .unwrap();
    assert_eq!(unversioned.status(), 400);

    // The learning path completed: the training is completed, with the statement as evidence.
    let res = send("POST", String::new(), statement.clone(), creds, true)
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-experience-api-version"], "1.0.3");
    let ids: Vec<String> = res.json().await.unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!(application_status(&call, &c, &path_app).await, "completed");
    // The same statement again (as its sender retries, now with its id): completed once.
    let mut again = statement.clone();
    again["id"] = json!(ids[0]);
    let res = send(
        "PUT",
        format!("?statementId={}", ids[0]),
        again.clone(),
        creds,
        true,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 204);
    let res = send("POST", String::new(), json!([again]), creds, true)
        .await
        .unwrap();
    assert_eq!(res.json::<Vec<String>>().await.unwrap(), ids);
    // The plugin resends without an id (its cron retries): kept again, completing nothing more.
    let res = send("POST", String::new(), statement.clone(), creds, true)
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let completions: i64 = {
        let app = path_app.clone();
        hub.pool()
            .run(move |conn| {
                use diesel::prelude::*;
                use hub::db::schema::events;
                Ok(events::table
                    .filter(events::subject_id.eq(app))
                    .filter(events::kind.eq("application.status"))
                    .filter(events::payload.like("%completed%"))
                    .count()
                    .get_result(conn)?)
            })
            .await
            .unwrap()
    };
    assert_eq!(completions, 1, "one completion, one event");
    // The same id with other content is refused.
    let mut other = again.clone();
    other["result"]["score"]["raw"] = json!(50);
    let res = send(
        "PUT",
        format!("?statementId={}", ids[0]),
        other,
        creds,
        true,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409);

    // A quiz below the rule's score does not complete; one above does.
    let res = send(
        "POST",
        String::new(),
        quiz(trainee, &quiz_code, 60),
        creds,
        true,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(application_status(&call, &c, &quiz_app).await, "enrolled");
    let res = send(
        "POST",
        String::new(),
        quiz(trainee, &quiz_code, 90),
        creds,
        true,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(application_status(&call, &c, &quiz_app).await, "completed");

    // Someone the hub does not know: kept, and listed for the operator.
    let stranger = lp_completed("nobody@elsewhere.eu", &path_code);
    let res = send("POST", String::new(), stranger, creds, true)
        .await
        .unwrap();
    let stranger_id = res.json::<Vec<String>>().await.unwrap().remove(0);
    let (status, _, list) = call
        .send(
            "GET",
            "/api/admin/xapi/unmapped",
            Some(&c.admin),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200);
    let list = crate::support::items(list);
    let kept = list
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == stranger_id.as_str())
        .expect("the stranger's statement is kept");
    assert_eq!(kept["missing"], json!(["person"]));
    assert_eq!(
        kept["statement"]["actor"]["mbox"],
        "mailto:nobody@elsewhere.eu"
    );
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn the_api_key_is_kept_across_a_restart(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    let hub = start_hub(backend, &url, &[]).await;
    let c = cast(&hub).await;
    publish(&Call { hub: &hub }, &c, draft(30)).await;
    chamilo
        .until(20, "the first course", |s| s.courses.len() == 1)
        .await;
    let hub = restart_hub(hub, &url).await;
    // Tokens name the hub's address, which a restart here changes: sign in again.
    let c = crate::offers::Cast {
        admin: crate::identity::bearer(&hub, "root@example.eu").await,
        provider: crate::identity::bearer(&hub, "staff@provider.eu").await,
        ..c
    };
    publish(&Call { hub: &hub }, &c, draft(31)).await;
    chamilo
        .until(20, "the second course", |s| s.courses.len() == 2)
        .await;
    let signed_in = chamilo
        .state
        .lock()
        .unwrap()
        .calls
        .iter()
        .filter(|a| *a == "authenticate")
        .count();
    assert_eq!(
        signed_in, 1,
        "the key was kept (sealed) and used after the restart"
    );
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn polled_scores_complete_a_quiz_rule(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    let hub = start_hub(backend, &url, &[("HUB_CHAMILO_POLL_SECS", "1")]).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    let path = format!("/api/offers/{offer}/completion-rule");
    let rule = json!({"kind": "quiz_score", "min_percent": 75.0});
    let (status, _, _) = call
        .send("PUT", &path, Some(&c.provider), None, Some(rule))
        .await;
    assert_eq!(status, 200);
    let application = crate::applications::accepted(&call, &c, &offer).await;
    until_status(&call, &c, &application, "enrolled").await;
    let key = {
        let s = chamilo.state.lock().unwrap();
        s.subscriptions.keys().next().unwrap().clone()
    };
    chamilo
        .state
        .lock()
        .unwrap()
        .scores
        .insert(key.clone(), 60.0);
    chamilo
        .until(10, "a poll", |s| {
            s.calls
                .iter()
                .filter(|a| *a == "user_courses_by_dates")
                .count()
                >= 2
        })
        .await;
    assert_eq!(
        application_status(&call, &c, &application).await,
        "enrolled",
        "60 % is below the rule"
    );
    chamilo.state.lock().unwrap().scores.insert(key, 90.0);
    until_status(&call, &c, &application, "completed").await;
    let evidence: Option<String> = {
        let id = application.clone();
        hub.pool()
            .run(move |conn| {
                use diesel::prelude::*;
                use hub::db::schema::applications;
                Ok(applications::table
                    .find(id)
                    .select(applications::completion_evidence)
                    .first(conn)?)
            })
            .await
            .unwrap()
    };
    let evidence: Value = serde_json::from_str(&evidence.expect("evidence")).unwrap();
    assert_eq!(evidence["polled"][0]["kind"], "quiz_average", "{evidence}");
    assert_eq!(evidence["polled"][0]["value"], 90.0, "{evidence}");
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn registration_and_trainers_reach_chamilo(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    let smtp = crate::smtp::SmtpServer::start();
    let hub = start_hub(backend, &url, &[("HUB_MAIL_URL", &smtp.url())]).await;
    let c = cast(&hub).await;

    // Registered: nothing in Chamilo until the address is confirmed.
    let form = json!({
        "email": "ewa@example.eu", "password": crate::identity::PASSWORD, "first_name": "Ewa",
        "last_name": "Nowak", "language": "pl", "role": "trainee", "accept_terms": true,
    });
    let res = hub
        .client
        .post(hub.url("/api/auth/register"))
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mail = smtp.wait_for("ewa@example.eu", "Potwierdź").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !chamilo
            .state
            .lock()
            .unwrap()
            .users
            .iter()
            .any(|u| u.email == "ewa@example.eu"),
        "an unconfirmed address gets no account"
    );
    let token = crate::smtp::link_token(&mail.body, "/confirm");
    let res = hub
        .client
        .post(hub.url("/api/auth/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    chamilo
        .until(20, "the confirmed person's account", |s| {
            s.users
                .iter()
                .any(|u| u.email == "ewa@example.eu" && u.status == "5")
        })
        .await;

    // Provider staff teach once their organisation is confirmed.
    let form = json!({
        "email": "owner@szkolenia.eu", "password": crate::identity::PASSWORD, "first_name": "Jan",
        "last_name": "Wójcik", "language": "pl", "role": "provider", "accept_terms": true,
        "organisation_name": "Szkolenia Wójcik",
    });
    let res = hub
        .client
        .post(hub.url("/api/auth/register"))
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let mail = smtp.wait_for("owner@szkolenia.eu", "Potwierdź").await;
    let token = crate::smtp::link_token(&mail.body, "/confirm");
    let res = hub
        .client
        .post(hub.url("/api/auth/confirm"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    chamilo
        .until(
            20,
            "the owner's account, a student's while the organisation waits",
            |s| {
                s.users
                    .iter()
                    .any(|u| u.email == "owner@szkolenia.eu" && u.status == "5")
            },
        )
        .await;
    let admin = crate::identity::bearer(&hub, "root@example.eu").await;
    let (_, pending) = {
        let res = hub
            .client
            .get(hub.url("/api/admin/organisations?status=pending"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        (res.status(), res.json::<Value>().await.unwrap())
    };
    let org = pending["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Szkolenia Wójcik")
        .unwrap_or_else(|| panic!("{pending}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = hub
        .client
        .post(hub.url(&format!("/api/admin/organisations/{org}/confirm")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    chamilo
        .until(20, "the owner teaching", |s| {
            s.users
                .iter()
                .any(|u| u.email == "owner@szkolenia.eu" && u.status == "1")
        })
        .await;

    // A trainer who confirms teaches the course.
    crate::identity::person(&hub, "trainer@example.eu", &["trainer"], None).await;
    let trainer = crate::identity::bearer(&hub, "trainer@example.eu").await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    name_trainer(&call, &c, &offer, "trainer@example.eu", &trainer).await;
    chamilo
        .until(20, "the trainer teaching", |s| {
            let Some(t) = s.users.iter().find(|u| u.email == "trainer@example.eu") else {
                return false;
            };
            t.status == "1"
                && s.subscriptions
                    .iter()
                    .any(|((_, u), st)| *u == t.id && st == "1")
        })
        .await;
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn a_restart_while_chamilo_is_down_loses_nothing(backend: Backend) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let hub = start_hub(backend, &url, &[]).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    let application = crate::applications::accepted(&call, &c, &offer).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hub = restart_hub(hub, &url).await;
    let chamilo = FakeChamilo::start(TcpListener::bind(("127.0.0.1", port)).unwrap(), 0);
    chamilo
        .until(60, "the enrolment after the restart", |s| {
            s.subscriptions.values().any(|status| status == "5")
        })
        .await;
    let c = crate::offers::Cast {
        trainee: crate::identity::bearer(&hub, "trainee@example.eu").await,
        ..c
    };
    let call = Call { hub: &hub };
    until_status(&call, &c, &application, "enrolled").await;
    {
        let s = chamilo.state.lock().unwrap();
        assert_eq!(s.courses.len(), 1, "the course once: {:?}", s.courses);
    }
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn polled_progress_completes_a_named_learning_path(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    let hub = start_hub(
        backend,
        &url,
        &[
            ("HUB_CHAMILO_POLL_SECS", "1"),
            ("HUB_CHAMILO_SECURITY_KEY", SECURITY_KEY),
            ("HUB_CHAMILO_CALLER_IP", "127.0.0.1"),
        ],
    )
    .await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    let rule = json!({"kind": "learning_path", "name": "Excel basics", "lp_id": 3});
    let path = format!("/api/offers/{offer}/completion-rule");
    let (status, _, _) = call
        .send("PUT", &path, Some(&c.provider), None, Some(rule.clone()))
        .await;
    assert_eq!(status, 200);
    assert_eq!(hub.get_json(&path).await.1, rule);
    let application = crate::applications::accepted(&call, &c, &offer).await;
    until_status(&call, &c, &application, "enrolled").await;
    let code = chamilo.state.lock().unwrap().courses[0].1.clone();
    let key = (code, 3, "trainee@example.eu".to_string());
    chamilo
        .state
        .lock()
        .unwrap()
        .progress
        .insert(key.clone(), 50.0);
    chamilo
        .until(10, "two progress polls", |s| {
            s.calls.iter().filter(|a| *a == "WSGetLpProgress").count() >= 2
        })
        .await;
    assert_eq!(
        application_status(&call, &c, &application).await,
        "enrolled",
        "half way"
    );
    chamilo.state.lock().unwrap().progress.insert(key, 100.0);
    until_status(&call, &c, &application, "completed").await;
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn polled_progress_finds_learning_paths_by_title_or_any(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    chamilo.state.lock().unwrap().paths = vec![(7, "Intro".into()), (8, "Excel basics".into())];
    let hub = start_hub(
        backend,
        &url,
        &[
            ("HUB_CHAMILO_POLL_SECS", "1"),
            ("HUB_CHAMILO_SECURITY_KEY", SECURITY_KEY),
            ("HUB_CHAMILO_CALLER_IP", "127.0.0.1"),
        ],
    )
    .await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    // One offer keeps the default rule (any path); the other names a path without its id.
    let any = publish(&call, &c, draft(30)).await;
    let named = publish(&call, &c, draft(30)).await;
    let rule = json!({"kind": "learning_path", "name": " excel BASICS"});
    let (status, _, _) = call
        .send(
            "PUT",
            &format!("/api/offers/{named}/completion-rule"),
            Some(&c.provider),
            None,
            Some(rule),
        )
        .await;
    assert_eq!(status, 200);
    let any_app = crate::applications::accepted(&call, &c, &any).await;
    let named_app = crate::applications::accepted(&call, &c, &named).await;
    until_status(&call, &c, &any_app, "enrolled").await;
    until_status(&call, &c, &named_app, "enrolled").await;
    let codes: Vec<String> = {
        let s = chamilo.state.lock().unwrap();
        s.courses.iter().map(|c| c.1.clone()).collect()
    };
    let email = "trainee@example.eu".to_string();
    {
        // The introduction finished in both courses: it is "any" path, not the named one.
        let mut s = chamilo.state.lock().unwrap();
        for code in &codes {
            s.progress.insert((code.clone(), 7, email.clone()), 100.0);
        }
    }
    until_status(&call, &c, &any_app, "completed").await;
    chamilo
        .until(10, "the named path polled twice", |s| {
            s.calls.iter().filter(|a| *a == "WSGetLpProgress").count() >= 4
        })
        .await;
    assert_eq!(
        application_status(&call, &c, &named_app).await,
        "enrolled",
        "another path does not complete a named one"
    );
    {
        let mut s = chamilo.state.lock().unwrap();
        for code in &codes {
            s.progress.insert((code.clone(), 8, email.clone()), 100.0);
        }
    }
    until_status(&call, &c, &named_app, "completed").await;
    hub.stop().await;
    chamilo.server.stop(true).await;
}

/// The provider names `email` as a trainer of `offer`, and the trainer (`token`) confirms.
async fn name_trainer(
    call: &Call<'_>,
    c: &crate::offers::Cast,
    offer: &str,
    email: &str,
    token: &str,
) {
    let named = format!("/api/offers/{offer}/trainers");
    let body = Some(json!({ "email": email }));
    let (status, _, _) = call
        .send("POST", &named, Some(&c.provider), None, body)
        .await;
    assert_eq!(status, 201);
    let confirm = format!("{named}/confirm");
    let (status, _, _) = call.send("POST", &confirm, Some(token), None, None).await;
    assert_eq!(status, 200);
}

/// `PUT /api/me` as `access`, at the account's current version.
async fn change_profile(hub: &TestHub, access: &str, profile: Value) -> u16 {
    let me: Value = hub
        .client
        .get(hub.url("/api/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    hub.client
        .put(hub.url("/api/me"))
        .bearer_auth(access)
        .header("if-match", format!("\"{}\"", me["version"]))
        .json(&profile)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// `DELETE /api/me` as `access`.
async fn erase(hub: &TestHub, access: &str) {
    let me: Value = hub
        .client
        .get(hub.url("/api/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let res = hub
        .client
        .delete(hub.url("/api/me"))
        .bearer_auth(access)
        .header("if-match", format!("\"{}\"", me["version"]))
        .json(&json!({ "password": crate::identity::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
}

async fn profile_changes_and_erasure_reach_chamilo(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    let hub = start_hub(backend, &url, &[]).await;
    let c = cast(&hub).await;
    crate::identity::person(&hub, "jan@example.eu", &["trainee"], None).await;
    crate::identity::person(&hub, "teacher@example.eu", &["trainer"], None).await;
    let (jan, teacher) = (
        crate::identity::bearer(&hub, "jan@example.eu").await,
        crate::identity::bearer(&hub, "teacher@example.eu").await,
    );
    chamilo
        .until(20, "both accounts", |s| {
            ["jan@example.eu", "teacher@example.eu"]
                .iter()
                .all(|e| s.users.iter().any(|u| u.username == *e))
        })
        .await;

    // A new name and language reach the account Chamilo has, by its login name.
    let status = change_profile(
        &hub,
        &jan,
        json!({"first_name": "Jan Maria", "last_name": "Kowalski", "language": "it"}),
    )
    .await;
    assert_eq!(status, 200);
    chamilo
        .until(20, "the changed profile", |s| {
            s.users.iter().any(|u| {
                u.username == "jan@example.eu"
                    && u.firstname == "Jan Maria"
                    && u.lastname == "Kowalski"
                    && u.language == "italian"
            })
        })
        .await;

    // The only teacher of a course: Chamilo keeps the account, the hub empties and closes it.
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    name_trainer(&call, &c, &offer, "teacher@example.eu", &teacher).await;
    chamilo
        .until(20, "the trainer teaching", |s| {
            s.subscriptions.values().any(|st| st == "1")
        })
        .await;
    let teacher_id = chamilo
        .state
        .lock()
        .unwrap()
        .users
        .iter()
        .find(|u| u.username == "teacher@example.eu")
        .unwrap()
        .id;
    erase(&hub, &teacher).await;
    erase(&hub, &jan).await;
    chamilo
        .until(20, "the learner deleted, the teacher anonymised", |s| {
            let teacher = s.users.iter().find(|u| u.id == teacher_id);
            !s.users.iter().any(|u| u.username == "jan@example.eu")
                && teacher.is_some_and(|t| {
                    !t.active
                        && t.firstname == "-"
                        && t.email.ends_with("@invalid")
                        && !t.email.contains("teacher")
                })
        })
        .await;
    let calls = chamilo.state.lock().unwrap().calls.clone();
    assert_eq!(
        calls.iter().filter(|a| *a == "delete_user").count(),
        2,
        "one deletion asked for each: {calls:?}"
    );
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn a_cancellation_while_chamilo_enrols_ends_the_enrolment(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    chamilo.state.lock().unwrap().slow_subscribe = 1500;
    let hub = start_hub(backend, &url, &[]).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    let application = crate::applications::accepted(&call, &c, &offer).await;
    // Chamilo is enrolling them (slowly) when the trainee cancels.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, _, body) = call
        .send(
            "POST",
            &format!("/api/applications/{application}/cancel"),
            Some(&c.trainee),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    chamilo
        .until(20, "the enrolment made, then ended", |s| {
            s.calls.iter().any(|a| a == "subscribe_user_to_course")
                && s.ended.len() == 1
                && s.subscriptions.is_empty()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        chamilo.state.lock().unwrap().subscriptions.is_empty(),
        "and stays ended"
    );
    assert_eq!(
        application_status(&call, &c, &application).await,
        "cancelled"
    );
    hub.stop().await;
    chamilo.server.stop(true).await;
}

async fn lost_answers_and_foreign_accounts(backend: Backend) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let chamilo = FakeChamilo::start(listener, 0);
    // Chamilo acts on each of these once and the answer never reaches the hub.
    chamilo.state.lock().unwrap().lose = ["save_user", "save_course", "subscribe_user_to_course"]
        .map(String::from)
        .to_vec();
    // And an account someone made in Chamilo under a hub person's address.
    chamilo.state.lock().unwrap().users.push(User {
        id: 77,
        username: "taken@example.eu".into(),
        email: "taken@example.eu".into(),
        status: "5".into(),
        auth_source: "platform".into(),
        admin: false,
        password: "theirs".into(),
        extra: HashMap::new(),
        firstname: "Someone".into(),
        lastname: "Else".into(),
        language: "english".into(),
        active: true,
    });
    let hub = start_hub(backend, &url, &[]).await;
    let c = cast(&hub).await;
    let call = Call { hub: &hub };
    let offer = publish(&call, &c, draft(30)).await;
    let application = crate::applications::accepted(&call, &c, &offer).await;
    until_status(&call, &c, &application, "enrolled").await;
    {
        let s = chamilo.state.lock().unwrap();
        assert!(
            s.lose.is_empty(),
            "every answer was lost once: {:?}",
            s.lose
        );
        assert_eq!(s.courses.len(), 1, "one course: {:?}", s.courses);
        assert_eq!(
            s.users
                .iter()
                .filter(|u| u.username == "trainee@example.eu")
                .count(),
            1
        );
        assert_eq!(s.subscriptions.len(), 1);
    }

    // The foreign account is not taken over: the delivery says why, for the operator.
    crate::identity::person(&hub, "taken@example.eu", &["trainee"], None).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, _, list) = call
            .send(
                "GET",
                "/api/admin/deliveries?consumer=chamilo",
                Some(&c.admin),
                None,
                None,
            )
            .await;
        let said = list["data"].as_array().unwrap().iter().any(|d| {
            d["last_error"].as_str().is_some_and(|e| {
                e.contains("taken@example.eu") && e.contains("not made by the hub")
            })
        });
        if said {
            break;
        }
        assert!(Instant::now() < deadline, "{list}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let foreign = {
        let s = chamilo.state.lock().unwrap();
        s.users.iter().find(|u| u.id == 77).cloned().unwrap()
    };
    assert!(
        foreign.extra.is_empty() && foreign.auth_source == "platform",
        "left as it was"
    );
    hub.stop().await;
    chamilo.server.stop(true).await;
}
