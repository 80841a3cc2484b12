//! Learning results pushed by Chamilo's xapi plugin (chamilo.md, "Learning results back", and
//! the reference facts §4.2a): each statement stored verbatim under its id, then mapped to the
//! hub's person (by the e-mail in the actor's `mbox`, which is the one the hub provisioned, or by
//! an `account` name) and offer (by the course code: `cidReq` in the activity IRI, or the course
//! activity in `context.contextActivities.grouping`). A statement the hub cannot map is kept, and
//! listed for the operator, never dropped. A mapped one may complete the training.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;

use super::completion;
use crate::db::schema::{offers, users, xapi_statements};
use crate::db::{write_transaction, DbConnection, Paged, Window};
use crate::error::{Error, FieldError};

const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";
const TERMINATED: &str = "http://adlnet.gov/expapi/verbs/terminated";
const LESSON: &str = "http://adlnet.gov/expapi/activities/lesson";

/// What the hub reads in a statement.
#[derive(Debug, Clone, PartialEq)]
struct Reading {
    email: Option<String>,
    account: Option<String>,
    course_code: Option<String>,
    kind: &'static str,
    activity_name: Option<String>,
    score_percent: Option<f64>,
}

fn bad(index: usize, field: &str, message: &str) -> FieldError {
    FieldError::new(format!("statements[{index}].{field}"), "invalid", message)
}

/// The course code a Chamilo IRI carries: `cidReq=` in its query, or `/courses/{CODE}/`.
fn course_code(iri: &str) -> Option<String> {
    let url = url::Url::parse(iri).ok()?;
    if let Some((_, code)) = url.query_pairs().find(|(k, _)| k == "cidReq") {
        return Some(code.into_owned()).filter(|c| !c.is_empty());
    }
    let segments: Vec<&str> = url.path_segments()?.collect();
    segments
        .windows(2)
        .find(|w| w[0] == "courses" && !w[1].is_empty())
        .map(|w| w[1].to_string())
}

fn read(index: usize, s: &Value) -> Result<Reading, FieldError> {
    if !s.is_object() {
        return Err(bad(index, "", "a statement is a JSON object"));
    }
    let actor = s
        .get("actor")
        .filter(|a| a.is_object())
        .ok_or_else(|| bad(index, "actor", "required"))?;
    let verb = s
        .pointer("/verb/id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(index, "verb.id", "required"))?;
    let object = s
        .pointer("/object/id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(index, "object.id", "required"))?;
    let email = actor
        .get("mbox")
        .and_then(Value::as_str)
        .and_then(|m| m.strip_prefix("mailto:"))
        .map(|m| m.trim().to_lowercase());
    let account = actor
        .pointer("/account/name")
        .and_then(Value::as_str)
        .map(str::to_string);
    // An actor named otherwise (mbox_sha1sum, openid, a group) is kept, unmapped.
    let grouping = s
        .pointer("/context/contextActivities/grouping")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("id").and_then(Value::as_str));
    let course_code = course_code(object).or_else(|| grouping.filter_map(course_code).next());
    let activity_type = s
        .pointer("/object/definition/type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kind =
        if verb == COMPLETED && (activity_type == LESSON || object.contains("lp_controller.php")) {
            "lp_completed"
        } else if (verb == COMPLETED || verb == TERMINATED) && object.contains("/xapi/quiz/") {
            "quiz"
        } else {
            "other"
        };
    let activity_name = s
        .pointer("/object/definition/name")
        .and_then(Value::as_object)
        .and_then(|names| names.values().find_map(Value::as_str))
        .map(str::to_string);
    let score = s.pointer("/result/score");
    let score_percent = score
        .and_then(|sc| sc.get("scaled"))
        .and_then(Value::as_f64)
        .map(|scaled| scaled * 100.0)
        .or_else(|| {
            let raw = score?.get("raw")?.as_f64()?;
            let max = score?.get("max")?.as_f64().filter(|m| *m > 0.0)?;
            Some(raw / max * 100.0)
        });
    Ok(Reading {
        email,
        account,
        course_code,
        kind,
        activity_name,
        score_percent,
    })
}

/// A statement's id: the one given (a UUID) or a new one.
fn id_of(index: usize, s: &Value, given: Option<&str>) -> Result<String, FieldError> {
    let inside = s.get("id").and_then(Value::as_str);
    let id = match (given, inside) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => {
            return Err(bad(index, "id", "differs from statementId"))
        }
        (Some(a), _) | (None, Some(a)) => a.to_string(),
        (None, None) => return Ok(uuid::Uuid::new_v4().to_string()),
    };
    uuid::Uuid::parse_str(&id)
        .map(|u| u.to_string())
        .map_err(|_| bad(index, "id", "a statement id is a UUID"))
}

/// Stores `statements` (all or none), completing trainings their results complete; their ids,
/// in order. `statement_id` is PUT's `statementId`. A statement whose id is known with the same
/// content is taken again without effect; with other content, the batch is refused (409).
pub fn store(
    conn: &mut DbConnection,
    statements: &[Value],
    statement_id: Option<&str>,
) -> Result<Vec<String>, Error> {
    let mut readings = Vec::new();
    let mut errors = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        match (id_of(i, s, statement_id), read(i, s)) {
            (Ok(id), Ok(r)) => readings.push((id, r)),
            (a, b) => errors.extend(a.err().into_iter().chain(b.err())),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    write_transaction(conn, |conn| {
        let mut ids = Vec::new();
        for ((id, reading), sent) in readings.into_iter().zip(statements) {
            // Kept as sent, with the id the LRS gave it where it came without one (xAPI:
            // the id is part of the statement from then on).
            let mut statement = sent.clone();
            statement["id"] = Value::String(id.clone());
            let known: Option<String> = xapi_statements::table
                .find(&id)
                .select(xapi_statements::body)
                .first(conn)
                .optional()?;
            if let Some(body) = known {
                let same = serde_json::from_str::<Value>(&body).ok() == Some(statement);
                if !same {
                    return Err(Error::Conflict(format!(
                        "statement {id} is stored with other content"
                    )));
                }
                ids.push(id);
                continue;
            }
            let user_id = person(conn, &reading)?;
            let offer_id: Option<String> = match &reading.course_code {
                Some(code) => offers::table
                    .filter(offers::chamilo_course_code.eq(code))
                    .select(offers::id)
                    .first(conn)
                    .optional()?,
                None => None,
            };
            diesel::insert_into(xapi_statements::table)
                .values((
                    xapi_statements::id.eq(&id),
                    xapi_statements::body.eq(statement.to_string()),
                    xapi_statements::stored_at.eq(chrono::Utc::now().naive_utc()),
                    xapi_statements::user_id.eq(&user_id),
                    xapi_statements::offer_id.eq(&offer_id),
                    xapi_statements::kind.eq(reading.kind),
                    xapi_statements::activity_name.eq(&reading.activity_name),
                    xapi_statements::score_percent.eq(reading.score_percent),
                ))
                .execute(conn)?;
            if let (Some(user), Some(offer)) = (&user_id, &offer_id) {
                completion::evaluate(conn, user, offer)?;
            }
            ids.push(id);
        }
        Ok(ids)
    })
}

/// The hub's person a statement is about: by the e-mail of its `mbox`, else by an account name
/// that is an e-mail (Chamilo's login names are the e-mails the hub provisioned) or a hub id.
fn person(conn: &mut DbConnection, reading: &Reading) -> Result<Option<String>, Error> {
    let by_email = |conn: &mut DbConnection, email: &str| -> Result<Option<String>, Error> {
        Ok(users::table
            .filter(users::email.eq(email.to_lowercase()))
            .select(users::id)
            .first(conn)
            .optional()?)
    };
    if let Some(email) = &reading.email {
        return by_email(conn, email);
    }
    let Some(name) = &reading.account else {
        return Ok(None);
    };
    if let Some(id) = by_email(conn, name)? {
        return Ok(Some(id));
    }
    Ok(users::table
        .find(name)
        .select(users::id)
        .first(conn)
        .optional()?)
}

/// A statement the hub could not place, for the operator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unmapped {
    pub id: String,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = String, format = DateTime)]
    pub stored_at: NaiveDateTime,
    /// What is missing: `person`, `offer`, or both.
    pub missing: Vec<String>,
    /// The statement as Chamilo sent it.
    #[schema(value_type = Object)]
    pub statement: Value,
}

/// Statements without a person or an offer, newest first.
pub fn unmapped(conn: &mut DbConnection, window: Window) -> Result<Paged<Unmapped>, Error> {
    let filtered = || {
        xapi_statements::table
            .filter(
                xapi_statements::user_id
                    .is_null()
                    .or(xapi_statements::offer_id.is_null()),
            )
            .into_boxed()
    };
    let total = filtered().count().get_result(conn)?;
    type Row = (
        String,
        NaiveDateTime,
        Option<String>,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = filtered()
        .order((xapi_statements::stored_at.desc(), xapi_statements::id))
        .offset(window.offset())
        .limit(window.limit())
        .select((
            xapi_statements::id,
            xapi_statements::stored_at,
            xapi_statements::user_id,
            xapi_statements::offer_id,
            xapi_statements::body,
        ))
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|(id, stored_at, user, offer, body)| Unmapped {
            id,
            stored_at,
            missing: [("person", user.is_none()), ("offer", offer.is_none())]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(w, _)| w.to_string())
                .collect(),
            statement: serde_json::from_str(&body).unwrap_or(Value::Null),
        })
        .collect();
    Ok(Paged { items, total })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Shaped as the plugin's LearningPathCompleted (reference facts §4.2a).
    fn lp_completed() -> Value {
        json!({
            "actor": {"objectType": "Agent", "mbox": "mailto:Anna@Example.eu", "name": "Anna"},
            "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
            "object": {"objectType": "Activity",
                "id": "https://lms.example/main/lp/lp_controller.php?action=view&lp_id=3&isStudentView=true&cidReq=HUBABC&id_session=0&gidReq=0&gradebook=0&origin=",
                "definition": {"name": {"en": "Excel basics"}, "type": LESSON}},
            "result": {"score": {"scaled": 1, "raw": 100, "min": 0, "max": 100}, "completion": true},
            "timestamp": "2027-03-05T10:00:00Z"
        })
    }

    #[test]
    fn the_plugins_statements_are_read() {
        let r = read(0, &lp_completed()).unwrap();
        assert_eq!(r.email.as_deref(), Some("anna@example.eu"));
        assert_eq!(r.course_code.as_deref(), Some("HUBABC"));
        assert_eq!(r.kind, "lp_completed");
        assert_eq!(r.activity_name.as_deref(), Some("Excel basics"));
        let quiz = json!({
            "actor": {"mbox": "mailto:anna@example.eu"},
            "verb": {"id": COMPLETED},
            "object": {"id": "https://lms.example/xapi/quiz/7"},
            "result": {"score": {"raw": 6, "min": 0, "max": 10}},
            "context": {"contextActivities": {"grouping": [
                {"id": "https://lms.example/"}, {"id": "https://lms.example/courses/HUBABC/index.php?id_session=0"}]}}
        });
        let r = read(0, &quiz).unwrap();
        assert_eq!((r.kind, r.score_percent), ("quiz", Some(60.0)));
        assert_eq!(r.course_code.as_deref(), Some("HUBABC"));
    }

    #[test]
    fn what_is_missing_is_named() {
        let mut s = lp_completed();
        s.as_object_mut().unwrap().remove("verb");
        assert_eq!(read(2, &s).unwrap_err().field, "statements[2].verb.id");
        assert_eq!(
            id_of(0, &json!({"id": "nope"}), None).unwrap_err().field,
            "statements[0].id"
        );
    }
}
