//! Chamilo LMS 1.11's REST API v2 (`main/webservices/api/v2.php`), as the reference facts §1
//! describe it: form-encoded POSTs, an `authenticate` that returns a persistent api key, every
//! later call carrying `username` + `api_key`, and a `{error, data|message}` envelope answered
//! with HTTP 200 whether or not the call worked.
//!
//! The client signs in as a platform admin (the provisioning actions are admin-only), keeps the
//! key in memory, and signs in again once when Chamilo refuses the key. Nothing in an answer is
//! trusted without checking its shape: a `data` of the wrong form is an error, never a default.

use std::time::Duration;

use serde_json::Value;
use tokio::sync::Mutex;

/// Why a call did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChamiloError {
    /// No answer, or not an answer of v2.php (a proxy's error page, a timeout).
    #[error("Chamilo unreachable: {0}")]
    Unreachable(String),
    /// Chamilo answered `{"error": true, "message": …}`.
    #[error("Chamilo refused {action}: {message}")]
    Refused { action: String, message: String },
    /// `error: false`, but `data` is not what the action returns.
    #[error("Chamilo's answer to {action} has an unexpected shape: {detail}")]
    Shape { action: String, detail: String },
}

/// A person as `save_user` creates them.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub loginname: String,
    pub firstname: String,
    pub lastname: String,
    pub email: String,
    /// 5 student, 1 teacher.
    pub status: u8,
    /// A random password: they sign in through the hub (SSO), never with it.
    pub password: String,
    /// The hub's id, kept by Chamilo as the extra field `hub_id`.
    pub hub_id: String,
    /// The `sub` the hub's OpenID Provider issues for them, as the oauth2 plugin's `oauth2_id`.
    pub oauth2_id: String,
    pub language: Option<String>,
}

/// A course `save_course` made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    pub id: i64,
    pub code: String,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    endpoint: url::Url,
    username: String,
    password: String,
    key: std::sync::Arc<Mutex<Option<String>>>,
}

/// The password and key must never reach a log line.
impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint.as_str())
            .field("username", &self.username)
            .field("password", &"***")
            .finish()
    }
}

impl Client {
    /// `base` is Chamilo's root URL (`https://lms.example/`); `key` one kept from before.
    pub fn new(
        base: &url::Url,
        username: String,
        password: String,
        key: Option<String>,
        timeout: Duration,
    ) -> Result<Self, ChamiloError> {
        let endpoint = base
            .join("main/webservices/api/v2.php")
            .map_err(|e| ChamiloError::Unreachable(format!("bad Chamilo URL: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| ChamiloError::Unreachable(e.to_string()))?;
        Ok(Self {
            http,
            endpoint,
            username,
            password,
            key: std::sync::Arc::new(Mutex::new(key)),
        })
    }

    /// The api key in use, for the hub to keep across restarts.
    pub async fn key(&self) -> Option<String> {
        self.key.lock().await.clone()
    }

    /// Posts one form to v2.php and reads the envelope.
    async fn post(&self, action: &str, form: &[(String, String)]) -> Result<Value, ChamiloError> {
        let response = self
            .http
            .post(self.endpoint.clone())
            .form(form)
            .send()
            .await
            .map_err(|e| ChamiloError::Unreachable(crate::unreached(&e)))?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|e| ChamiloError::Unreachable(crate::unreached(&e)))?;
        if !status.is_success() {
            return Err(ChamiloError::Unreachable(format!("HTTP {status}")));
        }
        let envelope: Value = serde_json::from_str(&body).map_err(|_| {
            ChamiloError::Unreachable(format!(
                "not a v2.php answer: {}",
                body.chars().take(200).collect::<String>()
            ))
        })?;
        match envelope.get("error").and_then(Value::as_bool) {
            Some(false) => envelope
                .get("data")
                .cloned()
                .ok_or_else(|| ChamiloError::Shape {
                    action: action.into(),
                    detail: "no data".into(),
                }),
            Some(true) => Err(ChamiloError::Refused {
                action: action.into(),
                message: envelope
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("(no message)")
                    .to_string(),
            }),
            None => Err(ChamiloError::Unreachable(
                "no error flag in the answer".into(),
            )),
        }
    }

    /// `authenticate` as the platform admin: the api key (kept for the calls that follow).
    pub async fn authenticate(&self) -> Result<String, ChamiloError> {
        let mut held = self.key.lock().await;
        let key = self.fetch_key().await?;
        *held = Some(key.clone());
        Ok(key)
    }

    async fn fetch_key(&self) -> Result<String, ChamiloError> {
        let form = vec![
            ("action".to_string(), "authenticate".to_string()),
            ("username".to_string(), self.username.clone()),
            ("password".to_string(), self.password.clone()),
        ];
        let data = self.post("authenticate", &form).await?;
        data.get("apiKey")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ChamiloError::Shape {
                action: "authenticate".into(),
                detail: "no apiKey".into(),
            })
    }

    /// The key to call with: the one held, else a new one. Held under the lock while it is
    /// fetched, so concurrent calls sign in once, not once each.
    async fn current_key(&self, refused: Option<&str>) -> Result<String, ChamiloError> {
        let mut held = self.key.lock().await;
        match held.as_deref() {
            // Another call may have renewed the refused key meanwhile: use the new one.
            Some(k) if Some(k) != refused => Ok(k.to_string()),
            _ => {
                let key = self.fetch_key().await?;
                *held = Some(key.clone());
                Ok(key)
            }
        }
    }

    /// Calls `action` as the admin, signing in first when no key is held. A refusal may be
    /// Chamilo's "InvalidApiKey" in any of its languages, so after any refusal the client signs
    /// in again and, when that gives another key, calls once more (Chamilo's keys are
    /// persistent: the same key back means the refusal was about something else).
    pub async fn call(
        &self,
        action: &str,
        params: &[(&str, String)],
    ) -> Result<Value, ChamiloError> {
        let key = self.current_key(None).await?;
        match self.call_with(action, params, &key).await {
            Err(refused @ ChamiloError::Refused { .. }) => {
                let renewed = self.current_key(Some(&key)).await?;
                if renewed == key {
                    return Err(refused);
                }
                self.call_with(action, params, &renewed).await
            }
            other => other,
        }
    }

    async fn call_with(
        &self,
        action: &str,
        params: &[(&str, String)],
        key: &str,
    ) -> Result<Value, ChamiloError> {
        let mut form = vec![
            ("action".to_string(), action.to_string()),
            ("username".to_string(), self.username.clone()),
            ("api_key".to_string(), key.to_string()),
        ];
        form.extend(params.iter().map(|(k, v)| (k.to_string(), v.clone())));
        self.post(action, &form).await
    }

    /// `username_exist`: `[bool]`.
    pub async fn username_exists(&self, loginname: &str) -> Result<bool, ChamiloError> {
        let data = self
            .call("username_exist", &[("loginname", loginname.to_string())])
            .await?;
        one(&data, "username_exist", Value::as_bool)
    }

    /// `save_user`: the new user's id.
    pub async fn save_user(&self, user: &NewUser) -> Result<i64, ChamiloError> {
        let mut params = vec![
            ("loginname", user.loginname.clone()),
            ("firstname", user.firstname.clone()),
            ("lastname", user.lastname.clone()),
            ("email", user.email.clone()),
            ("status", user.status.to_string()),
            ("password", user.password.clone()),
            ("original_user_id_name", "hub_id".to_string()),
            ("original_user_id_value", user.hub_id.clone()),
            ("auth_source", "oauth2".to_string()),
            ("extra[0][field_name]", "oauth2_id".to_string()),
            ("extra[0][field_value]", user.oauth2_id.clone()),
        ];
        if let Some(language) = &user.language {
            params.push(("language", language.clone()));
        }
        let data = self.call("save_user", &params).await?;
        one(&data, "save_user", id_of)
    }

    /// `get_users` filtered to one login name: the user's id and the hub id Chamilo keeps for
    /// them (the `hub_id` extra field `save_user` sets), if Chamilo has them.
    pub async fn user_by_login(
        &self,
        loginname: &str,
    ) -> Result<Option<(i64, Option<String>)>, ChamiloError> {
        Ok(self
            .users(Some("hub_id"))
            .await?
            .iter()
            .find(|u| u.get("username").and_then(Value::as_str) == Some(loginname))
            .and_then(|u| {
                let hub_id = u.get("hub_id").and_then(Value::as_str).map(str::to_string);
                u.get("id").and_then(id_of).map(|id| (id, hub_id))
            }))
    }

    /// Every account (`get_users`, any status), with the extra field asked for.
    async fn users(&self, extra_field: Option<&str>) -> Result<Vec<Value>, ChamiloError> {
        let mut params = vec![("status", "*".to_string())];
        if let Some(field) = extra_field {
            params.push(("extra_fields", field.to_string()));
        }
        let data = self.call("get_users", &params).await?;
        match data {
            Value::Array(list) => Ok(list),
            _ => Err(ChamiloError::Shape {
                action: "get_users".into(),
                detail: "not a list".into(),
            }),
        }
    }

    /// Whether a course with this code exists (`get_courses`).
    pub async fn course_exists(&self, code: &str) -> Result<bool, ChamiloError> {
        let data = self.call("get_courses", &[]).await?;
        let list = data.as_array().ok_or_else(|| ChamiloError::Shape {
            action: "get_courses".into(),
            detail: "not a list".into(),
        })?;
        Ok(list
            .iter()
            .any(|c| c.get("code").and_then(Value::as_str) == Some(code)))
    }

    /// The course's learning paths as `(id, title)` (`course_learnpaths`, asked as the
    /// admin, who sees every path of every category; its `progress` is the caller's own and
    /// is not read).
    pub async fn learning_paths(
        &self,
        course_code: &str,
    ) -> Result<Vec<(i64, String)>, ChamiloError> {
        let data = self.call("get_courses", &[]).await?;
        let shape = |detail: &str| ChamiloError::Shape {
            action: "course_learnpaths".into(),
            detail: detail.into(),
        };
        let Some(course_id) = data
            .as_array()
            .ok_or_else(|| shape("get_courses: not a list"))?
            .iter()
            .find(|c| c.get("code").and_then(Value::as_str) == Some(course_code))
            .and_then(|c| c.get("id"))
            .and_then(id_of)
        else {
            return Ok(Vec::new());
        };
        let data = self
            .call("course_learnpaths", &[("course", course_id.to_string())])
            .await?;
        let categories = data.as_array().ok_or_else(|| shape("not a list"))?;
        let mut paths = Vec::new();
        for category in categories {
            let list = category
                .get("learnpaths")
                .and_then(Value::as_array)
                .ok_or_else(|| shape("a category without its learnpaths"))?;
            for lp in list {
                let id = lp
                    .get("id")
                    .and_then(id_of)
                    .ok_or_else(|| shape("a path without its id"))?;
                let title = lp.get("title").and_then(Value::as_str).unwrap_or_default();
                paths.push((id, title.to_string()));
            }
        }
        Ok(paths)
    }

    /// `user_courses_by_dates` (admin): each course's tests the user took between the dates,
    /// as `(course code, average score in percent, the course's entry verbatim)`; a course
    /// without taken tests has no score.
    pub async fn taken_tests(
        &self,
        user_id: i64,
        start: &str,
        end: &str,
    ) -> Result<Vec<(String, Option<f64>, Value)>, ChamiloError> {
        let data = self
            .call(
                "user_courses_by_dates",
                &[
                    ("user_id", user_id.to_string()),
                    ("start_date", start.to_string()),
                    ("end_date", end.to_string()),
                ],
            )
            .await?;
        let shape = |detail: &str| ChamiloError::Shape {
            action: "user_courses_by_dates".into(),
            detail: detail.into(),
        };
        let list = data.as_array().ok_or_else(|| shape("not a list"))?;
        list.iter()
            .map(|course| {
                let code = course
                    .get("course_code")
                    .and_then(Value::as_str)
                    .ok_or_else(|| shape("a course without course_code"))?;
                let score = |v: &Value| {
                    v.as_f64().or_else(|| {
                        v.as_str()
                            .and_then(|s| s.trim().trim_end_matches('%').parse().ok())
                    })
                };
                // `taken_tests` carries `avg_score`, on itself or on each test taken.
                let avg = match course.get("taken_tests") {
                    Some(Value::Object(t)) => t.get("avg_score").and_then(score),
                    Some(Value::Array(tests)) => {
                        let all: Vec<f64> = tests
                            .iter()
                            .filter_map(|t| t.get("avg_score").and_then(score))
                            .collect();
                        (!all.is_empty()).then(|| all.iter().sum::<f64>() / all.len() as f64)
                    }
                    _ => None,
                };
                Ok((code.to_string(), avg, course.clone()))
            })
            .collect()
    }

    /// `update_user_from_username`: the fields given, on the account `loginname`.
    pub async fn update_user(
        &self,
        loginname: &str,
        fields: &[(&str, String)],
    ) -> Result<(), ChamiloError> {
        let mut params = vec![("loginname", loginname.to_string())];
        params.extend(fields.iter().cloned());
        let data = self.call("update_user_from_username", &params).await?;
        match one(&data, "update_user_from_username", Value::as_bool)? {
            true => Ok(()),
            false => Err(ChamiloError::Refused {
                action: "update_user_from_username".into(),
                message: "not updated".into(),
            }),
        }
    }

    /// `delete_user`: `{status}`, false when Chamilo keeps the account (it will not delete the
    /// only teacher of a course).
    pub async fn delete_user(&self, user_id: i64) -> Result<bool, ChamiloError> {
        let data = self
            .call("delete_user", &[("user_id", user_id.to_string())])
            .await?;
        data.get("status")
            .and_then(Value::as_bool)
            .ok_or_else(|| ChamiloError::Shape {
                action: "delete_user".into(),
                detail: format!("expected {{status: bool}}, got {}", truncate(&data)),
            })
    }

    /// The login name of the account `user_id` (`get_users`), when it exists.
    pub async fn username_of(&self, user_id: i64) -> Result<Option<String>, ChamiloError> {
        Ok(self
            .users(None)
            .await?
            .iter()
            .find(|u| u.get("id").and_then(id_of) == Some(user_id))
            .and_then(|u| u.get("username"))
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    /// `save_course` with `wanted_code` as the code itself.
    pub async fn save_course(
        &self,
        title: &str,
        wanted_code: &str,
        language: &str,
    ) -> Result<Course, ChamiloError> {
        let data = self
            .call(
                "save_course",
                &[
                    ("title", title.to_string()),
                    ("wanted_code", wanted_code.to_string()),
                    ("remove_campus_id_from_wanted_code", "1".to_string()),
                    ("language", language.to_string()),
                ],
            )
            .await?;
        let shape = |detail: &str| ChamiloError::Shape {
            action: "save_course".into(),
            detail: detail.into(),
        };
        match data.get("status").and_then(Value::as_bool) {
            Some(true) => Ok(Course {
                id: data
                    .get("id")
                    .and_then(id_of)
                    .ok_or_else(|| shape("no id"))?,
                code: data
                    .get("code_course")
                    .and_then(Value::as_str)
                    .filter(|c| !c.is_empty())
                    .ok_or_else(|| shape("no code_course"))?
                    .to_string(),
            }),
            Some(false) => Err(ChamiloError::Refused {
                action: "save_course".into(),
                message: data
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("course not created")
                    .to_string(),
            }),
            None => Err(shape("no status")),
        }
    }

    /// `subscribe_user_to_course`: whether Chamilo subscribed them (status 5 student, 1 teacher).
    pub async fn subscribe(
        &self,
        course_code: &str,
        user_id: i64,
        status: u8,
    ) -> Result<bool, ChamiloError> {
        let data = self
            .call(
                "subscribe_user_to_course",
                &[
                    ("course_code", course_code.to_string()),
                    ("user_id", user_id.to_string()),
                    ("status", status.to_string()),
                ],
            )
            .await?;
        one(&data, "subscribe_user_to_course", Value::as_bool)
    }

    /// Whether the user is subscribed to the course (`get_users_subscribed_to_course`, which
    /// takes the course's numeric id, found through `get_courses`): what a `false` from a
    /// subscription means, already there or refused.
    pub async fn is_subscribed(
        &self,
        course_code: &str,
        user_id: i64,
    ) -> Result<bool, ChamiloError> {
        let courses = self.call("get_courses", &[]).await?;
        let Some(course_id) = courses
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c.get("code").and_then(Value::as_str) == Some(course_code))
            .and_then(|c| c.get("id"))
            .and_then(id_of)
        else {
            return Ok(false);
        };
        let data = self
            .call(
                "get_users_subscribed_to_course",
                &[("course", course_id.to_string())],
            )
            .await?;
        let list = data.as_array().ok_or_else(|| ChamiloError::Shape {
            action: "get_users_subscribed_to_course".into(),
            detail: "not a list".into(),
        })?;
        Ok(list
            .iter()
            .any(|u| u.get("user_id").and_then(id_of) == Some(user_id)))
    }

    /// `unsubscribe_user_from_course`.
    pub async fn unsubscribe(&self, course_code: &str, user_id: i64) -> Result<bool, ChamiloError> {
        let data = self
            .call(
                "unsubscribe_user_from_course",
                &[
                    ("course_code", course_code.to_string()),
                    ("user_id", user_id.to_string()),
                ],
            )
            .await?;
        one(&data, "unsubscribe_user_from_course", Value::as_bool)
    }
}

/// Chamilo's SOAP gradebook service (`main/webservices/gradebook.php`, `urn:WSGradebook`,
/// rpc/encoded), for what REST does not tell: another user's learning-path progress (reference
/// facts §2.2–2.3). Each call carries `secret_key = sha1(ip . security_key)`, the ip being the
/// hub's address as Chamilo sees it (or none, where Chamilo lists the hub in
/// `webservice-auth-ip.conf.php`).
#[derive(Clone)]
pub struct Soap {
    http: reqwest::Client,
    endpoint: url::Url,
    secret_key: String,
}

impl std::fmt::Debug for Soap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Soap")
            .field("endpoint", &self.endpoint.as_str())
            .finish_non_exhaustive()
    }
}

/// `sha1(ip . security_key)`, hex, as `WSHelperVerifyKey` expects.
pub fn secret_key(caller_ip: Option<&str>, security_key: &str) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(format!("{}{security_key}", caller_ip.unwrap_or("")));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Soap {
    pub fn new(
        base: &url::Url,
        security_key: &str,
        caller_ip: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, ChamiloError> {
        let endpoint = base
            .join("main/webservices/gradebook.php")
            .map_err(|e| ChamiloError::Unreachable(format!("bad Chamilo URL: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ChamiloError::Unreachable(e.to_string()))?;
        Ok(Self {
            http,
            endpoint,
            secret_key: secret_key(caller_ip, security_key),
        })
    }

    /// `WSGetLpProgress`: the user's progress in the learning path, in percent.
    pub async fn lp_progress(
        &self,
        course_code: &str,
        lp_id: i64,
        email: &str,
    ) -> Result<f64, ChamiloError> {
        use quick_xml::escape::escape;
        let envelope = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns1="urn:WSGradebook" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><SOAP-ENV:Body><ns1:WSGetLpProgress><params><course_code xsi:type="xsd:string">{}</course_code><session_id xsi:type="xsd:int">0</session_id><lp_id xsi:type="xsd:int">{lp_id}</lp_id><email xsi:type="xsd:string">{}</email><secret_key xsi:type="xsd:string">{}</secret_key></params></ns1:WSGetLpProgress></SOAP-ENV:Body></SOAP-ENV:Envelope>"#,
            escape(course_code),
            escape(email),
            escape(self.secret_key.as_str()),
        );
        let response = self
            .http
            .post(self.endpoint.clone())
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", "urn:WSGradebook#WSGetLpProgress")
            .body(envelope)
            .send()
            .await
            .map_err(|e| ChamiloError::Unreachable(crate::unreached(&e)))?;
        let body = response
            .text()
            .await
            .map_err(|e| ChamiloError::Unreachable(crate::unreached(&e)))?;
        let refused = |message: String| ChamiloError::Refused {
            action: "WSGetLpProgress".into(),
            message,
        };
        if let Some(fault) = element_text(&body, "faultstring") {
            return Err(refused(fault));
        }
        let value = element_text(&body, "return").ok_or_else(|| ChamiloError::Shape {
            action: "WSGetLpProgress".into(),
            detail: "no return value".into(),
        })?;
        value
            .trim()
            .parse::<f64>()
            .map_err(|_| ChamiloError::Shape {
                action: "WSGetLpProgress".into(),
                detail: format!("{value:?} is not a percentage"),
            })
    }
}

/// The text of the first element of this local name, whatever its prefix.
fn element_text(xml: &str, local: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == local.as_bytes() => inside = true,
            Event::Text(t) if inside => return t.unescape().ok().map(|t| t.into_owned()),
            Event::End(_) if inside => return Some(String::new()),
            Event::Eof => return None,
            _ => {}
        }
    }
}

/// A numeric id, as a JSON number or a string of digits (PHP sends either).
fn id_of(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .filter(|id| *id > 0)
}

/// The single value of a one-element list, as write actions answer (`[true]`, `[42]`).
fn one<T>(
    data: &Value,
    action: &str,
    read: impl Fn(&Value) -> Option<T>,
) -> Result<T, ChamiloError> {
    match data.as_array().map(Vec::as_slice) {
        Some([v]) => read(v),
        _ => None,
    }
    .ok_or_else(|| ChamiloError::Shape {
        action: action.into(),
        detail: format!("expected a one-element list, got {}", truncate(data)),
    })
}

fn truncate(v: &Value) -> String {
    v.to_string().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_answers_are_one_element_lists_and_nothing_else() {
        assert_eq!(
            one(&serde_json::json!([true]), "a", Value::as_bool),
            Ok(true)
        );
        assert_eq!(one(&serde_json::json!(["17"]), "a", id_of), Ok(17));
        assert!(one(&serde_json::json!([]), "a", Value::as_bool).is_err());
        assert!(one(&serde_json::json!([true, false]), "a", Value::as_bool).is_err());
        assert!(one(&serde_json::json!({"status": true}), "a", Value::as_bool).is_err());
        assert!(one(&serde_json::json!(["x"]), "a", id_of).is_err());
    }

    #[test]
    fn the_secret_key_is_the_sha1_of_the_address_and_the_key() {
        // sha1("127.0.0.1" . "abc"), as PHP's sha1() prints it.
        assert_eq!(
            secret_key(Some("127.0.0.1"), "abc"),
            "67d76886d3ebd11abc6b6ae63d6fc8fbe902f9c8"
        );
        assert_eq!(
            secret_key(None, "abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            element_text(
                "<a:Envelope xmlns:a='x'><a:Body><r><return>42</return></r></a:Body></a:Envelope>",
                "return"
            )
            .as_deref(),
            Some("42")
        );
    }

    #[test]
    fn the_password_stays_out_of_debug() {
        let c = Client::new(
            &"https://lms.example/".parse().unwrap(),
            "admin".into(),
            "s3cret".into(),
            None,
            Duration::from_secs(1),
        )
        .unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
        assert_eq!(
            c.endpoint.as_str(),
            "https://lms.example/main/webservices/api/v2.php"
        );
    }
}
