//! The offer status workflow (registry.md): `draft -> pending_review -> published | rejected`,
//! a rejected offer edited and submitted again, `published -> withdrawn` no later than 1 day
//! before the start, `published -> archived` after the end date.
//!
//! Editing a published offer does not touch what the public sees: the full new state is kept as
//! a revision (`offers.revision`) that goes through the same review; approval applies it. Every
//! change is conditional on the version the editor read, so concurrent edits cannot overwrite
//! each other, and appends its outbox event in the same transaction.

use chrono::{NaiveDate, Utc};
use diesel::prelude::*;

use super::input::OfferInput;
use super::writes::write_state;
use super::{get, provider_and_status, title_in, NewOffer, Offer, Review, Visibility};
use crate::db::schema::{applications, offers};
use crate::db::{write_transaction, DbConnection};
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::vocabulary::{
    vocabulary, ApplicationStatus, NotificationKind, OfferStatus, RevisionStatus, SubjectType,
};
use crate::domain::Actor;
use crate::domain::{notifications, organisations};
use crate::error::Error;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
struct State {
    #[diesel(deserialize_as = String)]
    status: OfferStatus,
    version: i32,
    provider_id: String,
    start_date: NaiveDate,
    rejection_reason: Option<String>,
    revision: Option<String>,
    revision_status: Option<String>,
    revision_reason: Option<String>,
}

impl State {
    fn revision(&self) -> Result<Option<RevisionStatus>, Error> {
        Ok(self
            .revision_status
            .clone()
            .map(RevisionStatus::try_from)
            .transpose()?)
    }
}

fn state(conn: &mut DbConnection, id: &str) -> Result<State, Error> {
    offers::table
        .filter(offers::id.eq(id))
        .select(State::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("offer {id}")))
}

pub fn review(conn: &mut DbConnection, id: &str) -> Result<Review, Error> {
    let s = state(conn, id)?;
    Ok(Review {
        revision_status: s.revision()?,
        rejection_reason: s.rejection_reason,
        revision_reason: s.revision_reason,
        revision: s.revision.map(|r| serde_json::from_str(&r)).transpose()?,
    })
}

vocabulary! {
    /// A superadmin's decision, as the provider's staff are told it.
    Decision {
        Approved = "approved",
        Rejected = "rejected",
    }
}

vocabulary! {
    /// What happened to a course its applicants are told of.
    CourseChange {
        /// An approved revision: dates, place or price may differ.
        Updated = "updated",
        Withdrawn = "withdrawn",
    }
}

fn record(
    conn: &mut DbConnection,
    id: &str,
    kind: EventKind,
    actor: &Actor,
    detail: serde_json::Value,
) -> Result<(), Error> {
    events::record(
        conn,
        actor,
        NewEvent::new(kind, SubjectType::Offer, id, detail),
    )?;
    Ok(())
}

/// Tells the provider's staff of a decision: in the app always, by e-mail unless they opted out.
fn tell_provider(
    conn: &mut DbConnection,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<(), Error> {
    let (provider, _) = provider_and_status(conn, id)?;
    let staff = organisations::staff_ids(conn, &[provider])?;
    for user in staff {
        let payload = serde_json::json!({
            "offer_id": id, "decision": decision, "status": decision, "reason": reason,
        });
        notifications::notify(
            conn,
            &user,
            NotificationKind::OfferDecision,
            (SubjectType::Offer, id),
            payload,
            actor,
            |conn, language| Ok(("offer", title_in(conn, id, language)?)),
        )?;
    }
    Ok(())
}

/// Tells everyone who applied for the offer (and has not dropped out) that it changed.
fn tell_applicants(
    conn: &mut DbConnection,
    offer: &str,
    change: CourseChange,
    actor: &Actor,
) -> Result<(), Error> {
    let people: Vec<String> = applications::table
        .filter(applications::offer_id.eq(offer))
        .filter(
            applications::status.eq_any(ApplicationStatus::texts(&ApplicationStatus::CONCERNED)),
        )
        .select(applications::user_id)
        .distinct()
        .load(conn)?;
    for user in people {
        let payload = serde_json::json!({ "offer_id": offer, "change": change });
        notifications::notify(
            conn,
            &user,
            NotificationKind::CourseUpdate,
            (SubjectType::User, &user),
            payload,
            actor,
            |conn, language| Ok(("offer", title_in(conn, offer, language)?)),
        )?;
    }
    Ok(())
}

/// Bumps the version only if it is still `expected`: the one place a stale write is caught.
fn claim_version(conn: &mut DbConnection, id: &str, expected: i32) -> Result<(), Error> {
    let n = diesel::update(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::version.eq(expected)),
    )
    .set((
        offers::version.eq(offers::version + 1),
        offers::updated_at.eq(Utc::now().naive_utc()),
    ))
    .execute(conn)?;
    if n == 1 {
        Ok(())
    } else {
        Err(Error::PreconditionFailed)
    }
}

/// Serialised revision: the `NewOffer` fields an approval will write.
#[derive(serde::Serialize, serde::Deserialize)]
struct Revision {
    offer: NewOffer,
}

/// Applies `patch` to the offer `id` of `provider_id`, read at `expected` version.
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    provider_id: &str,
    expected: i32,
    patch: OfferInput,
    actor: &Actor,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.provider_id != provider_id {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        if s.version != expected {
            return Err(Error::PreconditionFailed);
        }
        match s.status {
            OfferStatus::Draft | OfferStatus::Rejected => {
                let current = get(conn, id, Visibility::Everything)?.as_new();
                let next = patch.apply_to(current)?;
                claim_version(conn, id, expected)?;
                write_state(conn, id, &next, true)?;
                record(
                    conn,
                    id,
                    EventKind::OfferUpdated,
                    actor,
                    serde_json::json!({}),
                )
            }
            OfferStatus::Published => {
                let base = match &s.revision {
                    Some(r) => serde_json::from_str::<Revision>(r)?.offer,
                    None => get(conn, id, Visibility::Everything)?.as_new(),
                };
                let next = patch.apply_to(base)?;
                claim_version(conn, id, expected)?;
                diesel::update(offers::table.filter(offers::id.eq(id)))
                    .set((
                        offers::revision.eq(serde_json::to_string(&Revision { offer: next })?),
                        offers::revision_status.eq(RevisionStatus::Draft.as_str()),
                        offers::revision_reason.eq(None::<String>),
                    ))
                    .execute(conn)?;
                record(
                    conn,
                    id,
                    EventKind::OfferRevised,
                    actor,
                    serde_json::json!({}),
                )
            }
            OfferStatus::PendingReview => Err(Error::Conflict(
                "the offer is under review; wait for the decision".into(),
            )),
            other => Err(Error::Conflict(format!("a {other} offer cannot be edited"))),
        }
    })
}

/// Sends a draft, a rejected offer or a published offer's revision for review.
pub fn submit(
    conn: &mut DbConnection,
    id: &str,
    provider_id: &str,
    actor: &Actor,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.provider_id != provider_id {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        let revision_open = matches!(
            s.revision()?,
            Some(RevisionStatus::Draft | RevisionStatus::Rejected)
        );
        match s.status {
            OfferStatus::Draft | OfferStatus::Rejected => {
                claim_version(conn, id, s.version)?;
                diesel::update(offers::table.filter(offers::id.eq(id)))
                    .set((
                        offers::status.eq(OfferStatus::PendingReview.as_str()),
                        offers::rejection_reason.eq(None::<String>),
                    ))
                    .execute(conn)?;
            }
            OfferStatus::Published if revision_open => {
                claim_version(conn, id, s.version)?;
                diesel::update(offers::table.filter(offers::id.eq(id)))
                    .set(offers::revision_status.eq(RevisionStatus::PendingReview.as_str()))
                    .execute(conn)?;
            }
            OfferStatus::Published => {
                return Err(Error::Conflict("there is no revision to submit".into()))
            }
            other => {
                return Err(Error::Conflict(format!(
                    "a {other} offer cannot be submitted"
                )))
            }
        }
        record(
            conn,
            id,
            EventKind::OfferSubmitted,
            actor,
            serde_json::json!({}),
        )
    })
}

/// A superadmin's approval: publishes the offer, or applies its pending revision.
pub fn approve(conn: &mut DbConnection, id: &str, actor: &Actor) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        let now = Utc::now().naive_utc();
        if s.status == OfferStatus::PendingReview {
            claim_version(conn, id, s.version)?;
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::status.eq(OfferStatus::Published.as_str()),
                    offers::published_at.eq(now),
                ))
                .execute(conn)?;
            record(
                conn,
                id,
                EventKind::OfferPublished,
                actor,
                serde_json::json!({}),
            )?;
            return tell_provider(conn, id, Decision::Approved, None, actor);
        }
        if s.status == OfferStatus::Published
            && s.revision()? == Some(RevisionStatus::PendingReview)
        {
            let revision: Revision = serde_json::from_str(s.revision.as_deref().unwrap_or("null"))?;
            claim_version(conn, id, s.version)?;
            write_state(conn, id, &revision.offer, true)?;
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::revision.eq(None::<String>),
                    offers::revision_status.eq(None::<String>),
                    offers::revision_reason.eq(None::<String>),
                ))
                .execute(conn)?;
            record(
                conn,
                id,
                EventKind::OfferPublished,
                actor,
                serde_json::json!({ "revision": true }),
            )?;
            tell_applicants(conn, id, CourseChange::Updated, actor)?;
            return tell_provider(conn, id, Decision::Approved, None, actor);
        }
        Err(Error::Conflict("the offer is not awaiting review".into()))
    })
}

/// A superadmin's rejection; the reason is required and shown to the provider.
pub fn reject(conn: &mut DbConnection, id: &str, reason: &str, actor: &Actor) -> Result<(), Error> {
    if reason.trim().is_empty() {
        return Err(Error::field(
            "reason",
            "required",
            "say why the offer is rejected",
        ));
    }
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.status == OfferStatus::PendingReview {
            claim_version(conn, id, s.version)?;
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::status.eq(OfferStatus::Rejected.as_str()),
                    offers::rejection_reason.eq(reason.trim()),
                ))
                .execute(conn)?;
        } else if s.status == OfferStatus::Published
            && s.revision()? == Some(RevisionStatus::PendingReview)
        {
            claim_version(conn, id, s.version)?;
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::revision_status.eq(RevisionStatus::Rejected.as_str()),
                    offers::revision_reason.eq(reason.trim()),
                ))
                .execute(conn)?;
        } else {
            return Err(Error::Conflict("the offer is not awaiting review".into()));
        }
        record(
            conn,
            id,
            EventKind::OfferRejected,
            actor,
            serde_json::json!({ "reason": reason.trim() }),
        )?;
        tell_provider(conn, id, Decision::Rejected, Some(reason.trim()), actor)
    })
}

/// The provider takes a published offer off the catalogue, no later than 1 day before it starts.
pub fn withdraw(
    conn: &mut DbConnection,
    id: &str,
    provider_id: &str,
    today: NaiveDate,
    actor: &Actor,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.provider_id != provider_id {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        if s.status != OfferStatus::Published {
            return Err(Error::Conflict(format!(
                "a {} offer cannot be withdrawn",
                s.status
            )));
        }
        if s.start_date - today < chrono::Duration::days(1) {
            return Err(Error::Conflict(
                "an offer cannot be withdrawn within 1 day of its start".into(),
            ));
        }
        claim_version(conn, id, s.version)?;
        diesel::update(offers::table.filter(offers::id.eq(id)))
            .set(offers::status.eq(OfferStatus::Withdrawn.as_str()))
            .execute(conn)?;
        record(
            conn,
            id,
            EventKind::OfferWithdrawn,
            actor,
            serde_json::json!({}),
        )?;
        tell_applicants(conn, id, CourseChange::Withdrawn, actor)
    })
}

/// The scheduled job: published offers whose end date has passed become archived.
pub fn archive_ended(conn: &mut DbConnection, today: NaiveDate) -> Result<usize, Error> {
    write_transaction(conn, |conn| {
        let ended: Vec<String> = offers::table
            .filter(offers::status.eq(OfferStatus::Published.as_str()))
            .filter(offers::end_date.lt(today))
            .select(offers::id)
            .load(conn)?;
        for id in &ended {
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::status.eq(OfferStatus::Archived.as_str()),
                    offers::version.eq(offers::version + 1),
                ))
                .execute(conn)?;
            record(
                conn,
                id,
                EventKind::OfferArchived,
                &Actor::hub(),
                serde_json::json!({}),
            )?;
        }
        Ok(ended.len())
    })
}

/// Offers awaiting a superadmin: new ones and revisions of published ones, oldest first.
pub fn queue(conn: &mut DbConnection) -> Result<Vec<Offer>, Error> {
    let ids: Vec<String> = offers::table
        .filter(
            offers::status
                .eq(OfferStatus::PendingReview.as_str())
                .or(offers::revision_status.eq(RevisionStatus::PendingReview.as_str())),
        )
        .order(offers::updated_at.asc())
        .select(offers::id)
        .load(conn)?;
    ids.iter()
        .map(|id| get(conn, id, Visibility::Everything))
        .collect()
}
