//! The registry as Chamilo needs it (chamilo.md, "What the hub does in Chamilo"): who is to have
//! an account there and with which status, which offer is which course, who is enrolled or
//! teaches; and what comes back: the Chamilo ids, course codes and enrolments. The calls
//! themselves are made by the outbox consumer (`jobs::chamilo`), which reads the current state
//! here for every event, so a repeated or late delivery converges instead of replaying.

use diesel::prelude::*;

use super::accounts::person;
use super::applications;
use super::audit::Actor;
use super::events::{self, EventKind, NewEvent};
use super::oidc::chamilo_status;
use super::vocabulary::{AccountStatus, ApplicationStatus, SubjectType};
use crate::crypto::Sealer;
use crate::db::schema::{
    applications as application_rows, integration_secrets, offer_trainers, offers, polled_results,
    users,
};
use crate::db::{write_transaction, DbConnection};
use crate::error::Error;

/// A person who is to have a Chamilo account.
#[derive(Debug, Clone)]
pub struct Learner {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub language: String,
    /// 1 teacher (trainers, provider staff), 5 student: as the OpenID claim says.
    pub status: u8,
    pub chamilo_user_id: Option<i64>,
}

/// The person, when their account is confirmed and active (only they get a Chamilo account).
pub fn learner(conn: &mut DbConnection, user_id: &str) -> Result<Option<Learner>, Error> {
    let row: Option<(bool, Option<i64>)> = users::table
        .find(user_id)
        .select((users::email_verified, users::chamilo_user_id))
        .first(conn)
        .optional()?;
    let Some((true, chamilo_user_id)) = row else {
        return Ok(None);
    };
    let p = person::person(conn, user_id)?;
    if p.status != AccountStatus::Active {
        return Ok(None);
    }
    Ok(Some(Learner {
        status: chamilo_status(&p) as u8,
        id: p.id,
        email: p.email,
        first_name: p.first_name,
        last_name: p.last_name,
        language: p.language,
        chamilo_user_id,
    }))
}

pub fn set_chamilo_user(
    conn: &mut DbConnection,
    user_id: &str,
    chamilo_id: i64,
) -> Result<(), Error> {
    diesel::update(users::table.find(user_id))
        .set(users::chamilo_user_id.eq(chamilo_id))
        .execute(conn)?;
    Ok(())
}

/// The Chamilo account of an erased person, while the hub still knows it.
pub fn erased_account(conn: &mut DbConnection, user_id: &str) -> Result<Option<i64>, Error> {
    let row: Option<(String, Option<i64>)> = users::table
        .find(user_id)
        .select((users::status, users::chamilo_user_id))
        .first(conn)
        .optional()?;
    Ok(match row {
        Some((status, chamilo)) if status == AccountStatus::Deleted.as_str() => chamilo,
        _ => None,
    })
}

/// Forgets the link to a Chamilo account that is gone or anonymised.
pub fn forget_chamilo_user(conn: &mut DbConnection, user_id: &str) -> Result<(), Error> {
    diesel::update(users::table.find(user_id))
        .set(users::chamilo_user_id.eq(None::<i64>))
        .execute(conn)?;
    Ok(())
}

/// An offer as a course.
#[derive(Debug, Clone)]
pub struct Course {
    pub offer_id: String,
    pub title: String,
    pub language: String,
    pub code: Option<String>,
}

/// The offer's course, when the offer is published (only published offers get one).
pub fn course(conn: &mut DbConnection, offer_id: &str) -> Result<Option<Course>, Error> {
    let row: Option<(String, Option<String>)> = offers::table
        .find(offer_id)
        .filter(offers::status.eq("published"))
        .select((offers::default_language, offers::chamilo_course_code))
        .first(conn)
        .optional()?;
    let Some((language, code)) = row else {
        return Ok(None);
    };
    let offer = super::offers::get(conn, offer_id, super::offers::Visibility::Everything)?;
    Ok(Some(Course {
        offer_id: offer_id.to_string(),
        title: offer.text.title.clone(),
        language,
        code,
    }))
}

/// The Chamilo course code an offer's id makes: letters and digits only, upper case, as
/// Chamilo's own codes are, and unique as the id is.
pub fn wanted_code(offer_id: &str) -> String {
    let compact: String = offer_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    format!("HUB{}", &compact[..compact.len().min(32)])
}

/// The offer's course code, whatever the offer's status now (a withdrawn offer's participants
/// are still unsubscribed from its course).
pub fn course_code(conn: &mut DbConnection, offer_id: &str) -> Result<Option<String>, Error> {
    Ok(offers::table
        .find(offer_id)
        .select(offers::chamilo_course_code)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// Records the offer's course code, unless it has one already (then that one stands, and is
/// returned); the offer's readers learn of it through the event.
pub fn set_course_code(
    conn: &mut DbConnection,
    actor: &Actor,
    offer_id: &str,
    code: &str,
) -> Result<String, Error> {
    write_transaction(conn, |conn| {
        let set = diesel::update(
            offers::table
                .find(offer_id)
                .filter(offers::chamilo_course_code.is_null()),
        )
        .set(offers::chamilo_course_code.eq(code))
        .execute(conn)?;
        if set == 0 {
            return Ok(course_code(conn, offer_id)?.unwrap_or_else(|| code.to_string()));
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::OfferCourse,
                SubjectType::Offer,
                offer_id,
                serde_json::json!({ "course_code": code }),
            ),
        )?;
        Ok(code.to_string())
    })
}

/// The person's accepted applications: enrolled as soon as their account exists.
pub fn accepted_of(conn: &mut DbConnection, user_id: &str) -> Result<Vec<String>, Error> {
    Ok(application_rows::table
        .filter(application_rows::user_id.eq(user_id))
        .filter(application_rows::status.eq(ApplicationStatus::Accepted.as_str()))
        .select(application_rows::id)
        .load(conn)?)
}

/// The trainers who confirmed they teach the offer.
pub fn confirmed_trainers(conn: &mut DbConnection, offer_id: &str) -> Result<Vec<String>, Error> {
    Ok(offer_trainers::table
        .filter(offer_trainers::offer_id.eq(offer_id))
        .filter(offer_trainers::confirmed.eq(Some(true)))
        .select(offer_trainers::trainer_id)
        .load(conn)?)
}

/// An application as Chamilo sees it: who, which offer, where it stands.
pub fn application(
    conn: &mut DbConnection,
    id: &str,
) -> Result<Option<(String, String, ApplicationStatus)>, Error> {
    let row: Option<(String, String, String)> = application_rows::table
        .find(id)
        .select((
            application_rows::user_id,
            application_rows::offer_id,
            application_rows::status,
        ))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(user, offer, status)| status.parse().ok().map(|s| (user, offer, s))))
}

/// Chamilo answered `true` to the enrolment: the application becomes `enrolled`.
pub fn enrolled(conn: &mut DbConnection, application_id: &str) -> Result<bool, Error> {
    applications::enrolled_by_engine(conn, application_id, &Actor::hub())
}

const CHAMILO_KEY: &str = "chamilo.api_key";

/// The api key kept from an earlier run, if it can still be opened.
pub fn saved_key(conn: &mut DbConnection, sealer: &Sealer) -> Result<Option<String>, Error> {
    let sealed: Option<String> = integration_secrets::table
        .find(CHAMILO_KEY)
        .select(integration_secrets::sealed)
        .first(conn)
        .optional()?;
    Ok(sealed
        .and_then(|s| sealer.open(&s).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok()))
}

pub fn save_key(conn: &mut DbConnection, sealer: &Sealer, key: &str) -> Result<(), Error> {
    let sealed = sealer.seal(key.as_bytes());
    let now = chrono::Utc::now().naive_utc();
    write_transaction(conn, |conn| {
        diesel::delete(integration_secrets::table.find(CHAMILO_KEY)).execute(conn)?;
        diesel::insert_into(integration_secrets::table)
            .values((
                integration_secrets::name.eq(CHAMILO_KEY),
                integration_secrets::sealed.eq(sealed),
                integration_secrets::updated_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// An enrolment still in progress, as the poller asks Chamilo about it.
#[derive(Debug, Clone)]
pub struct InProgress {
    pub application_id: String,
    pub chamilo_user_id: i64,
    /// The address the account was provisioned with (SOAP names users by it).
    pub email: String,
    pub course_code: String,
    /// From when to ask: the day the application was made.
    pub since: chrono::NaiveDate,
}

/// Enrolled participants with a Chamilo account, in offers with a course.
pub fn in_progress(conn: &mut DbConnection) -> Result<Vec<InProgress>, Error> {
    type Row = (
        String,
        Option<i64>,
        String,
        Option<String>,
        chrono::NaiveDateTime,
    );
    let rows: Vec<Row> = application_rows::table
        .inner_join(users::table.on(users::id.eq(application_rows::user_id)))
        .inner_join(offers::table.on(offers::id.eq(application_rows::offer_id)))
        .filter(application_rows::status.eq(ApplicationStatus::Enrolled.as_str()))
        .filter(users::chamilo_user_id.is_not_null())
        .filter(offers::chamilo_course_code.is_not_null())
        .select((
            application_rows::id,
            users::chamilo_user_id,
            users::email,
            offers::chamilo_course_code,
            application_rows::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(application_id, user, email, code, created)| {
            Some(InProgress {
                application_id,
                chamilo_user_id: user?,
                email,
                course_code: code?,
                since: created.date(),
            })
        })
        .collect())
}

/// A result Chamilo reported when asked, in percent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Polled {
    QuizAverage(f64),
    LpProgress { lp_id: i64, percent: f64 },
}

/// The completion rule of the application's offer.
pub fn rule_of(
    conn: &mut DbConnection,
    application_id: &str,
) -> Result<super::completion::CompletionRule, Error> {
    let offer: String = application_rows::table
        .find(application_id)
        .select(application_rows::offer_id)
        .first(conn)?;
    super::completion::rule(conn, &offer)
}

/// Keeps a result Chamilo reported for the enrolment, when it changed, and completes the
/// training if it meets the offer's rule, in one transaction. Whether it completed.
pub fn record_poll(
    conn: &mut DbConnection,
    application_id: &str,
    result: Polled,
    body: &serde_json::Value,
) -> Result<bool, Error> {
    use super::completion::{LP_PROGRESS, QUIZ_AVERAGE};
    let (kind, lp_id, value) = match result {
        Polled::QuizAverage(v) => (QUIZ_AVERAGE, None, v),
        Polled::LpProgress { lp_id, percent } => (LP_PROGRESS, Some(lp_id), percent),
    };
    write_transaction(conn, |conn| {
        let same = polled_results::table
            .filter(polled_results::application_id.eq(application_id))
            .filter(polled_results::kind.eq(kind))
            .into_boxed();
        let same = match lp_id {
            Some(lp) => same.filter(polled_results::lp_id.eq(lp)),
            None => same.filter(polled_results::lp_id.is_null()),
        };
        let last: Option<f64> = same
            .order(polled_results::polled_at.desc())
            .select(polled_results::value)
            .first(conn)
            .optional()?;
        if last == Some(value) {
            return Ok(false);
        }
        diesel::insert_into(polled_results::table)
            .values((
                polled_results::application_id.eq(application_id),
                polled_results::polled_at.eq(chrono::Utc::now().naive_utc()),
                polled_results::kind.eq(kind),
                polled_results::lp_id.eq(lp_id),
                polled_results::value.eq(value),
                polled_results::body.eq(body.to_string()),
            ))
            .execute(conn)?;
        let (user, offer): (String, String) = application_rows::table
            .find(application_id)
            .select((application_rows::user_id, application_rows::offer_id))
            .first(conn)?;
        Ok(super::completion::evaluate(conn, &user, &offer)?.is_some())
    })
}
