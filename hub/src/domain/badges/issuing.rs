//! Issuing: when an application is completed, each badge of its offer whose rule the
//! participant's results meet becomes a signed `OpenBadgeCredential`, once per badge and
//! completion. The credential is written only once signed, in one transaction with its status
//! index, so a failure leaves nothing behind and the issuing delivery tries again.

use std::collections::HashSet;

use chrono::{Duration, SecondsFormat, Utc};
use diesel::prelude::*;
use rdf::credentials::badge as ob3;

use super::definitions::BadgeRule;
use super::{keys, Urls};
use crate::crypto::Sealer;
use crate::db::schema::{
    applications, credentials, offers, organisations, polled_results, users, xapi_statements,
};
use crate::db::{write_transaction, DbConnection};
use crate::domain::offers as offer_queries;
use crate::domain::vocabulary::ApplicationStatus;
use crate::error::Error;

/// What the participant achieved in the course, as the rules read it.
struct Results {
    best_score: Option<f64>,
    completed_paths: Vec<String>,
    hours: i32,
}

impl Results {
    fn meet(&self, rule: &BadgeRule) -> bool {
        use crate::domain::completion::same_name;
        rule.completion
            && rule
                .min_score
                .is_none_or(|min| self.best_score.is_some_and(|s| s >= min))
            && rule
                .learning_path
                .as_ref()
                .is_none_or(|p| self.completed_paths.iter().any(|c| same_name(c, p)))
            && rule.min_hours.is_none_or(|h| self.hours >= h)
    }
}

fn results(
    conn: &mut DbConnection,
    application: &str,
    user: &str,
    offer: &str,
    hours: i32,
) -> Result<Results, Error> {
    let pushed: Vec<(String, Option<String>, Option<f64>)> = xapi_statements::table
        .filter(xapi_statements::user_id.eq(user))
        .filter(xapi_statements::offer_id.eq(offer))
        .select((
            xapi_statements::kind,
            xapi_statements::activity_name,
            xapi_statements::score_percent,
        ))
        .load(conn)?;
    let polled: Vec<(String, f64, String)> = polled_results::table
        .filter(polled_results::application_id.eq(application))
        .select((
            polled_results::kind,
            polled_results::value,
            polled_results::body,
        ))
        .load(conn)?;
    let mut best_score: Option<f64> = None;
    let mut completed_paths = Vec::new();
    let mut score = |s: f64| best_score = Some(best_score.map_or(s, |b: f64| b.max(s)));
    for (kind, name, percent) in pushed {
        match kind.as_str() {
            "quiz" => percent.into_iter().for_each(&mut score),
            "lp_completed" => completed_paths.extend(name),
            _ => {}
        }
    }
    for (kind, value, body) in polled {
        match kind.as_str() {
            crate::domain::completion::QUIZ_AVERAGE => score(value),
            crate::domain::completion::LP_PROGRESS if value >= 100.0 => {
                let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                completed_paths.extend(body["title"].as_str().map(str::to_string));
            }
            _ => {}
        }
    }
    Ok(Results {
        best_score,
        completed_paths,
        hours,
    })
}

/// The places of the organisation's status list already taken.
fn taken_places(conn: &mut DbConnection, organisation: &str) -> Result<HashSet<i32>, Error> {
    Ok(credentials::table
        .filter(credentials::organisation_id.eq(organisation))
        .select(credentials::status_index)
        .load::<i32>(conn)?
        .into_iter()
        .collect())
}

/// A free place in the status list, chosen at random and marked taken (Bitstring Status List,
/// "Privacy Considerations": in order, a badge's index would tell roughly when it was issued
/// and which neighbours it has). The list is kept at least four times as large as the badges
/// in it, so a free place is found in a few tries; a race for one ends at the unique
/// constraint and the issuing delivery retries.
fn free_place(taken: &mut HashSet<i32>) -> i32 {
    use rand::Rng;
    let size = rdf::credentials::status_list::MIN_BITS.max(taken.len() * 4) as i32;
    let mut rng = rand::thread_rng();
    loop {
        let i = rng.gen_range(0..size);
        if taken.insert(i) {
            return i;
        }
    }
}

/// Issues the badges application `id` earned by its completion; the new credentials' ids.
pub fn issue_for(
    conn: &mut DbConnection,
    sealer: &Sealer,
    urls: &Urls,
    id: &str,
) -> Result<Vec<String>, Error> {
    write_transaction(conn, |conn| {
        let row: Option<(String, String, String, Option<String>)> = applications::table
            .find(id)
            .select((
                applications::user_id,
                applications::offer_id,
                applications::status,
                applications::completion_evidence,
            ))
            .first(conn)
            .optional()?;
        let Some((user, offer, status, evidence)) = row else {
            return Ok(Vec::new());
        };
        if status != ApplicationStatus::Completed.as_str() {
            return Ok(Vec::new());
        }
        let (email, account): (String, String) = users::table
            .find(&user)
            .select((users::email, users::status))
            .first(conn)?;
        if account == crate::domain::vocabulary::AccountStatus::Deleted.as_str() {
            return Ok(Vec::new());
        }
        let (provider, hours, language): (String, i32, String) = offers::table
            .find(&offer)
            .select((offers::provider_id, offers::hours, offers::default_language))
            .first(conn)?;
        let (org_name, website): (String, Option<String>) = organisations::table
            .find(&provider)
            .select((organisations::name, organisations::website))
            .first(conn)?;
        let title = offer_queries::title_in(conn, &offer, &language)?;
        let earned = results(conn, id, &user, &offer, hours)?;
        let defined = super::definitions::of_offer(conn, &offer)?;
        let by_hand = evidence
            .as_deref()
            .and_then(|e| serde_json::from_str::<serde_json::Value>(e).ok())
            .is_some_and(|e| e.get("by_hand").is_some());
        let now = Utc::now();
        let mut issued = Vec::new();
        let mut taken: Option<HashSet<i32>> = None;
        // The issuer's key and its verification method, opened once for all the badges.
        let mut signer: Option<(ed25519_dalek::SigningKey, String)> = None;
        for badge in defined {
            if !earned.meet(&badge.rule) {
                continue;
            }
            let already: i64 = credentials::table
                .filter(credentials::badge_id.eq(&badge.id))
                .filter(credentials::application_id.eq(id))
                .count()
                .get_result(conn)?;
            if already > 0 {
                continue;
            }
            let places = match &mut taken {
                Some(places) => places,
                None => taken.insert(taken_places(conn, &provider)?),
            };
            let index = free_place(places);
            let credential_id = crate::crypto::random_token();
            let award = ob3::Award {
                id: urls.credential(&credential_id),
                issuer: ob3::Issuer {
                    id: urls.issuer(&provider),
                    name: org_name.clone(),
                    url: website.clone(),
                    email: None,
                },
                achievement: ob3::Achievement {
                    id: urls.achievement(&offer, &badge.id),
                    name: badge.name.clone(),
                    description: badge.description.clone(),
                    criteria: badge.criteria.clone(),
                    achievement_type: badge.achievement_type.clone(),
                    image: Some(urls.image(&offer, &badge.id)),
                    eqf_level: badge.eqf_level.and_then(|l| u8::try_from(l).ok()),
                    ects: badge.ects,
                    skills: badge
                        .skills
                        .iter()
                        .map(|s| (s.uri.clone(), s.name.clone()))
                        .collect(),
                    language: Some(language.clone()),
                },
                recipient_email: email.clone(),
                salt: crate::crypto::random_token()[..16].to_string(),
                valid_from: now.to_rfc3339_opts(SecondsFormat::Secs, true),
                valid_until: badge.valid_days.map(|d| {
                    (now + Duration::days(d.into())).to_rfc3339_opts(SecondsFormat::Secs, true)
                }),
                status_list: urls.status_list(&provider),
                status_index: index as usize,
                evidence_id: urls.evidence(id),
                evidence_narrative: format!(
                    "Completed the training \"{title}\"{}.",
                    if by_hand {
                        ", as its provider recorded"
                    } else {
                        ", as the learning platform reported"
                    }
                ),
            };
            let (key, method) = match &signer {
                Some(s) => s,
                None => {
                    let key = keys::current(conn, sealer, &provider)?;
                    let method = urls.key(
                        &provider,
                        &rdf::credentials::proof::public_multikey(&key.verifying_key()),
                    );
                    signer.insert((key, method))
                }
            };
            let signed = ob3::signed(
                &award,
                key,
                method,
                &now.to_rfc3339_opts(SecondsFormat::Secs, true),
            )
            .map_err(|e| Error::Internal(format!("signing a badge: {e}")))?;
            diesel::insert_into(credentials::table)
                .values((
                    credentials::id.eq(&credential_id),
                    credentials::badge_id.eq(&badge.id),
                    credentials::application_id.eq(id),
                    credentials::user_id.eq(&user),
                    credentials::organisation_id.eq(&provider),
                    credentials::status_index.eq(index),
                    credentials::issued_at.eq(now.naive_utc()),
                    credentials::document.eq(signed.to_string()),
                ))
                .execute(conn)?;
            issued.push(credential_id);
        }
        Ok(issued)
    })
}
