//! When a training is completed (chamilo.md, "Learning results back"): each offer's rule, set by
//! its provider, and its test against the results Chamilo sent. The default rule is the one every
//! course has: a learning path completed. A completion is recorded once, with its evidence, in the
//! transaction that stored the result which met the rule, with its outbox event.

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::accounts::Person;
use super::applications;
use super::audit::Actor;
use super::offers;
use super::vocabulary::ApplicationStatus;
use crate::db::schema::{
    applications as application_rows, offers as offer_rows, polled_results, xapi_statements,
};
use crate::db::{write_transaction, DbConnection};
use crate::error::{Error, FieldError};

/// The kinds of result polled from Chamilo.
pub const QUIZ_AVERAGE: &str = "quiz_average";
pub const LP_PROGRESS: &str = "lp_progress";

/// What completes an offer's training.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CompletionRule {
    /// Any learning path of the course completed.
    #[default]
    AnyLearningPath,
    /// The learning path of this name completed. Its progress is polled too (SOAP
    /// `WSGetLpProgress`, 100 % completes): by its Chamilo id when given, else the course's
    /// paths are listed and found by title.
    LearningPath {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lp_id: Option<i64>,
    },
    /// A quiz finished with at least this score, in percent.
    QuizScore { min_percent: f64 },
}

impl CompletionRule {
    /// Whether completing the learning path `id` (titled `title`, when known) meets the rule.
    pub fn counts_path(&self, id: i64, title: Option<&str>) -> bool {
        match self {
            Self::AnyLearningPath => true,
            Self::LearningPath {
                lp_id: Some(lp), ..
            } => *lp == id,
            Self::LearningPath { name, lp_id: None } => title.is_some_and(|t| same_name(t, name)),
            Self::QuizScore { .. } => false,
        }
    }

    fn check(&self) -> Result<(), Error> {
        match self {
            Self::LearningPath { name, .. } if name.trim().is_empty() => {
                Err(Error::Validation(vec![FieldError::new(
                    "name",
                    "required",
                    "name the learning path",
                )]))
            }
            Self::QuizScore { min_percent } if !(0.0..=100.0).contains(min_percent) => {
                Err(Error::Validation(vec![FieldError::new(
                    "min_percent",
                    "out_of_range",
                    "must be between 0 and 100",
                )]))
            }
            _ => Ok(()),
        }
    }
}

/// Titles compared as people see them: surrounding spaces and case aside.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The offer's rule (the default where none was set).
pub fn rule(conn: &mut DbConnection, offer_id: &str) -> Result<CompletionRule, Error> {
    let stored: Option<Option<String>> = offer_rows::table
        .find(offer_id)
        .select(offer_rows::completion_rule)
        .first(conn)
        .optional()?;
    let Some(stored) = stored else {
        return Err(Error::NotFound(format!("offer {offer_id}")));
    };
    Ok(stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

/// The provider's staff (or a superadmin) set the offer's rule.
pub fn set_rule(
    conn: &mut DbConnection,
    person: &Person,
    offer_id: &str,
    rule: &CompletionRule,
) -> Result<(), Error> {
    rule.check()?;
    write_transaction(conn, |conn| {
        let (provider, _) = offers::provider_and_status(conn, offer_id)?;
        person.provider_staff_or_superadmin(&provider)?;
        diesel::update(offer_rows::table.find(offer_id))
            .set(offer_rows::completion_rule.eq(serde_json::to_string(rule)?))
            .execute(conn)?;
        Ok(())
    })
}

/// Completes the person's training on the offer if their results (statements pushed, or scores
/// polled) meet its rule; the application completed, if one was.
pub fn evaluate(
    conn: &mut DbConnection,
    user_id: &str,
    offer_id: &str,
) -> Result<Option<String>, Error> {
    let open: Option<String> = application_rows::table
        .filter(application_rows::user_id.eq(user_id))
        .filter(application_rows::offer_id.eq(offer_id))
        .filter(application_rows::status.eq_any([
            ApplicationStatus::Accepted.as_str(),
            ApplicationStatus::Enrolled.as_str(),
        ]))
        .select(application_rows::id)
        .first(conn)
        .optional()?;
    let Some(application) = open else {
        return Ok(None);
    };
    let results = || {
        xapi_statements::table
            .filter(xapi_statements::user_id.eq(user_id))
            .filter(xapi_statements::offer_id.eq(offer_id))
            .into_boxed()
    };
    let wanted = rule(conn, offer_id)?;
    let evidence: Vec<String> = match &wanted {
        CompletionRule::AnyLearningPath => results()
            .filter(xapi_statements::kind.eq("lp_completed"))
            .select(xapi_statements::id)
            .load(conn)?,
        CompletionRule::LearningPath { name, .. } => {
            let done: Vec<(String, Option<String>)> = results()
                .filter(xapi_statements::kind.eq("lp_completed"))
                .select((xapi_statements::id, xapi_statements::activity_name))
                .load(conn)?;
            done.into_iter()
                .filter(|(_, n)| n.as_deref().is_some_and(|n| same_name(n, name)))
                .map(|(id, _)| id)
                .collect()
        }
        CompletionRule::QuizScore { min_percent } => results()
            .filter(xapi_statements::kind.eq("quiz"))
            .filter(xapi_statements::score_percent.ge(*min_percent))
            .select(xapi_statements::id)
            .load(conn)?,
    };
    let evidence = if !evidence.is_empty() {
        serde_json::json!({ "statements": evidence })
    } else {
        // Results Chamilo reported when asked meet a rule too: a quiz average, or the progress
        // of a learning path the rule counts at 100 %.
        let polled = polled_results::table
            .filter(polled_results::application_id.eq(&application))
            .into_boxed();
        let polled = match wanted {
            CompletionRule::QuizScore { min_percent } => polled
                .filter(polled_results::kind.eq(QUIZ_AVERAGE))
                .filter(polled_results::value.ge(min_percent)),
            _ => polled
                .filter(polled_results::kind.eq(LP_PROGRESS))
                .filter(polled_results::value.ge(100.0)),
        };
        let rows: Vec<(chrono::NaiveDateTime, String, f64, Option<i64>, String)> = polled
            .select((
                polled_results::polled_at,
                polled_results::kind,
                polled_results::value,
                polled_results::lp_id,
                polled_results::body,
            ))
            .load(conn)?;
        let met: Vec<_> = rows
            .into_iter()
            .filter(|(_, kind, _, lp, body)| match lp {
                Some(lp) if kind == LP_PROGRESS => {
                    let body: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
                    wanted.counts_path(*lp, body["title"].as_str())
                }
                _ => true,
            })
            .map(|(at, kind, value, _, _)| (at, kind, value))
            .collect();
        if met.is_empty() {
            return Ok(None);
        }
        serde_json::json!({ "polled": met
            .iter()
            .map(|(at, kind, value)| serde_json::json!({ "at": at.and_utc(), "kind": kind, "value": value }))
            .collect::<Vec<_>>() })
    };
    let done = applications::completed_by_engine(conn, &application, evidence, &Actor::hub())?;
    Ok(done.then_some(application))
}
