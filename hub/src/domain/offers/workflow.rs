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
use serde::Serialize;

use super::input::OfferInput;
use super::{write_state, NewOffer, Offer, Visibility};
use crate::db::outbox::{self, NewEvent};
use crate::db::schema::offers;
use crate::db::{write_transaction, DbConnection};
use crate::domain::audit;
use crate::error::Error;

/// What staff and superadmins see of an offer's review, besides the offer itself.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Review {
    pub rejection_reason: Option<String>,
    /// `draft`, `pending_review` or `rejected`: the state of the pending revision, if any.
    pub revision_status: Option<String>,
    pub revision_reason: Option<String>,
    /// The revision's full new state, in the shape of an offer input.
    pub revision: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = offers)]
struct State {
    status: String,
    version: i32,
    provider_id: String,
    start_date: NaiveDate,
    rejection_reason: Option<String>,
    revision: Option<String>,
    revision_status: Option<String>,
    revision_reason: Option<String>,
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
        rejection_reason: s.rejection_reason,
        revision_status: s.revision_status,
        revision_reason: s.revision_reason,
        revision: s.revision.map(|r| serde_json::from_str(&r)).transpose()?,
    })
}

/// Who is acting, for events and the audit log.
pub struct Actor<'a> {
    pub user_id: &'a str,
    pub ip: Option<&'a str>,
}

fn record(
    conn: &mut DbConnection,
    id: &str,
    kind: &'static str,
    actor: &Actor<'_>,
    detail: serde_json::Value,
) -> Result<(), Error> {
    audit::record(
        conn,
        audit::Entry {
            actor_id: Some(actor.user_id),
            action: kind,
            subject_type: "offer",
            subject_id: Some(id),
            ip: actor.ip,
            detail: detail.clone(),
        },
    )?;
    outbox::append(
        conn,
        NewEvent {
            kind,
            subject_type: "offer",
            subject_id: id.to_string(),
            actor_id: Some(actor.user_id.to_string()),
            payload: detail,
        },
    )?;
    Ok(())
}

/// Tells the provider's staff of a decision: in the app always, by e-mail unless they opted out.
fn tell_provider(
    conn: &mut DbConnection,
    id: &str,
    decision: &str,
    reason: Option<&str>,
) -> Result<(), Error> {
    use crate::db::schema::memberships;
    use crate::domain::notifications;
    let (provider, _) = super::provider_and_status(conn, id)?;
    let staff: Vec<String> = memberships::table
        .filter(memberships::organisation_id.eq(&provider))
        .select(memberships::user_id)
        .load(conn)?;
    for user in staff {
        let event = NewEvent {
            kind: "offer.decided",
            subject_type: "offer",
            subject_id: id.to_string(),
            actor_id: None,
            payload: serde_json::json!({
                "offer_id": id, "decision": decision, "status": decision, "reason": reason,
            }),
        };
        notifications::notify(conn, &user, "offer.decision", event, |conn, language| {
            Ok(("offer", super::title_in(conn, id, language)?))
        })?;
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
    actor: &Actor<'_>,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.provider_id != provider_id {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        if s.version != expected {
            return Err(Error::PreconditionFailed);
        }
        match s.status.as_str() {
            "draft" | "rejected" => {
                let current = super::get(conn, id, Visibility::Everything)?.as_new();
                let next = patch.apply_to(current)?;
                claim_version(conn, id, expected)?;
                write_state(conn, id, &next, true)?;
                record(conn, id, "offer.updated", actor, serde_json::json!({}))
            }
            "published" => {
                let base = match &s.revision {
                    Some(r) => serde_json::from_str::<Revision>(r)?.offer,
                    None => super::get(conn, id, Visibility::Everything)?.as_new(),
                };
                let next = patch.apply_to(base)?;
                claim_version(conn, id, expected)?;
                diesel::update(offers::table.filter(offers::id.eq(id)))
                    .set((
                        offers::revision.eq(serde_json::to_string(&Revision { offer: next })?),
                        offers::revision_status.eq("draft"),
                        offers::revision_reason.eq(None::<String>),
                    ))
                    .execute(conn)?;
                record(conn, id, "offer.revised", actor, serde_json::json!({}))
            }
            "pending_review" => Err(Error::Conflict(
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
    actor: &Actor<'_>,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.provider_id != provider_id {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        let revision_open = matches!(s.revision_status.as_deref(), Some("draft" | "rejected"));
        match s.status.as_str() {
            "draft" | "rejected" => {
                claim_version(conn, id, s.version)?;
                diesel::update(offers::table.filter(offers::id.eq(id)))
                    .set((
                        offers::status.eq("pending_review"),
                        offers::rejection_reason.eq(None::<String>),
                    ))
                    .execute(conn)?;
            }
            "published" if revision_open => {
                claim_version(conn, id, s.version)?;
                diesel::update(offers::table.filter(offers::id.eq(id)))
                    .set(offers::revision_status.eq("pending_review"))
                    .execute(conn)?;
            }
            "published" => return Err(Error::Conflict("there is no revision to submit".into())),
            other => {
                return Err(Error::Conflict(format!(
                    "a {other} offer cannot be submitted"
                )))
            }
        }
        record(conn, id, "offer.submitted", actor, serde_json::json!({}))
    })
}

/// A superadmin's approval: publishes the offer, or applies its pending revision.
pub fn approve(conn: &mut DbConnection, id: &str, actor: &Actor<'_>) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        let now = Utc::now().naive_utc();
        if s.status == "pending_review" {
            claim_version(conn, id, s.version)?;
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((offers::status.eq("published"), offers::published_at.eq(now)))
                .execute(conn)?;
            record(conn, id, "offer.published", actor, serde_json::json!({}))?;
            return tell_provider(conn, id, "approved", None);
        }
        if s.status == "published" && s.revision_status.as_deref() == Some("pending_review") {
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
                "offer.published",
                actor,
                serde_json::json!({ "revision": true }),
            )?;
            crate::domain::reminders::course_changed(conn, id, "updated")?;
            return tell_provider(conn, id, "approved", None);
        }
        Err(Error::Conflict("the offer is not awaiting review".into()))
    })
}

/// A superadmin's rejection; the reason is required and shown to the provider.
pub fn reject(
    conn: &mut DbConnection,
    id: &str,
    reason: &str,
    actor: &Actor<'_>,
) -> Result<(), Error> {
    if reason.trim().is_empty() {
        return Err(Error::field(
            "reason",
            "required",
            "say why the offer is rejected",
        ));
    }
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.status == "pending_review" {
            claim_version(conn, id, s.version)?;
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::status.eq("rejected"),
                    offers::rejection_reason.eq(reason.trim()),
                ))
                .execute(conn)?;
        } else if s.status == "published" && s.revision_status.as_deref() == Some("pending_review")
        {
            claim_version(conn, id, s.version)?;
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::revision_status.eq("rejected"),
                    offers::revision_reason.eq(reason.trim()),
                ))
                .execute(conn)?;
        } else {
            return Err(Error::Conflict("the offer is not awaiting review".into()));
        }
        record(
            conn,
            id,
            "offer.rejected",
            actor,
            serde_json::json!({ "reason": reason.trim() }),
        )?;
        tell_provider(conn, id, "rejected", Some(reason.trim()))
    })
}

/// The provider takes a published offer off the catalogue, no later than 1 day before it starts.
pub fn withdraw(
    conn: &mut DbConnection,
    id: &str,
    provider_id: &str,
    today: NaiveDate,
    actor: &Actor<'_>,
) -> Result<(), Error> {
    write_transaction(conn, |conn| {
        let s = state(conn, id)?;
        if s.provider_id != provider_id {
            return Err(Error::NotFound(format!("offer {id}")));
        }
        if s.status != "published" {
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
            .set(offers::status.eq("withdrawn"))
            .execute(conn)?;
        record(conn, id, "offer.withdrawn", actor, serde_json::json!({}))?;
        crate::domain::reminders::course_changed(conn, id, "withdrawn")
    })
}

/// The scheduled job: published offers whose end date has passed become archived.
pub fn archive_ended(conn: &mut DbConnection, today: NaiveDate) -> Result<usize, Error> {
    write_transaction(conn, |conn| {
        let ended: Vec<String> = offers::table
            .filter(offers::status.eq("published"))
            .filter(offers::end_date.lt(today))
            .select(offers::id)
            .load(conn)?;
        for id in &ended {
            diesel::update(offers::table.filter(offers::id.eq(id)))
                .set((
                    offers::status.eq("archived"),
                    offers::version.eq(offers::version + 1),
                ))
                .execute(conn)?;
            outbox::append(
                conn,
                NewEvent {
                    kind: "offer.archived",
                    subject_type: "offer",
                    subject_id: id.clone(),
                    actor_id: None,
                    payload: serde_json::json!({}),
                },
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
                .eq("pending_review")
                .or(offers::revision_status.eq("pending_review")),
        )
        .order(offers::updated_at.asc())
        .select(offers::id)
        .load(conn)?;
    ids.iter()
        .map(|id| super::get(conn, id, Visibility::Everything))
        .collect()
}
