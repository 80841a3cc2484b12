//! Employer announcements (registry.md): *training for employees* (to providers: what is worth
//! entering in the registry) and *competency request* (to individuals: what to train in).
//! Providers answer by pointing to an offer or writing to the employer; a new announcement
//! notifies the staff of providers that publish offers in its industry.

use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::{announcements, memberships, offers};
use crate::db::{write_transaction, DbConnection};
use crate::domain::notifications;
use crate::error::{Error, FieldError};

pub const KINDS: [&str; 2] = ["training_for_employees", "competency_request"];

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewAnnouncement {
    /// `training_for_employees` or `competency_request`.
    pub kind: String,
    pub title: String,
    pub persons: i32,
    pub subject: String,
    pub location: Option<String>,
    pub industry: String,
    pub content: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize, utoipa::ToSchema)]
#[diesel(table_name = announcements)]
pub struct Announcement {
    pub id: String,
    pub organisation_id: String,
    #[serde(skip)]
    pub author_id: Option<String>,
    pub kind: String,
    pub title: String,
    pub persons: i32,
    pub subject: String,
    pub location: Option<String>,
    pub industry: String,
    pub content: String,
    pub status: String,
    pub version: i32,
    pub created_at: chrono::NaiveDateTime,
}

pub fn create(
    conn: &mut DbConnection,
    organisation_id: &str,
    author: &str,
    new: &NewAnnouncement,
) -> Result<Announcement, Error> {
    let mut errors = Vec::new();
    if !KINDS.contains(&new.kind.as_str()) {
        errors.push(FieldError::new(
            "kind",
            "invalid",
            "training_for_employees or competency_request",
        ));
    }
    for (field, value) in [
        ("title", &new.title),
        ("subject", &new.subject),
        ("industry", &new.industry),
        ("content", &new.content),
    ] {
        if value.trim().is_empty() {
            errors.push(FieldError::new(field, "required", "this field is required"));
        }
    }
    if new.persons < 1 {
        errors.push(FieldError::new("persons", "out_of_range", "at least 1"));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    write_transaction(conn, |conn| {
        let id = Uuid::new_v4().to_string();
        diesel::insert_into(announcements::table)
            .values((
                announcements::id.eq(&id),
                announcements::organisation_id.eq(organisation_id),
                announcements::author_id.eq(author),
                announcements::kind.eq(&new.kind),
                announcements::title.eq(new.title.trim()),
                announcements::persons.eq(new.persons),
                announcements::subject.eq(new.subject.trim()),
                announcements::location.eq(new.location.as_deref().map(str::trim)),
                announcements::industry.eq(new.industry.trim()),
                announcements::content.eq(new.content.trim()),
                announcements::status.eq("open"),
                announcements::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        if new.kind == "training_for_employees" {
            // Staff of providers publishing in this industry hear of it.
            let providers: Vec<String> = offers::table
                .filter(offers::status.eq("published"))
                .filter(offers::industry.eq(new.industry.trim()))
                .select(offers::provider_id)
                .distinct()
                .load(conn)?;
            let staff: Vec<String> = memberships::table
                .filter(memberships::organisation_id.eq_any(&providers))
                .select(memberships::user_id)
                .distinct()
                .load(conn)?;
            for user in staff {
                let details =
                    serde_json::json!({ "announcement_id": id, "industry": new.industry.trim() });
                let title = new.title.trim().to_string();
                let event = crate::db::outbox::NewEvent {
                    kind: "announcement.matched",
                    subject_type: "announcement",
                    subject_id: id.clone(),
                    actor_id: None,
                    payload: details,
                };
                notifications::notify(conn, &user, "announcement.matching", event, |_, _| {
                    Ok(("announcement", title))
                })?;
            }
        }
        crate::db::outbox::append(
            conn,
            crate::db::outbox::NewEvent {
                kind: "announcement.created",
                subject_type: "announcement",
                subject_id: id.clone(),
                actor_id: Some(author.to_string()),
                payload: serde_json::json!({ "kind": new.kind, "industry": new.industry }),
            },
        )?;
        get(conn, &id)
    })
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<Announcement, Error> {
    announcements::table
        .filter(announcements::id.eq(id))
        .select(Announcement::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("announcement {id}")))
}

/// Open announcements, newest first, filtered by kind and industry.
pub fn open(
    conn: &mut DbConnection,
    kind: Option<&str>,
    industry: Option<&str>,
) -> Result<Vec<Announcement>, Error> {
    let mut q = announcements::table
        .filter(announcements::status.eq("open"))
        .order(announcements::created_at.desc())
        .select(Announcement::as_select())
        .into_boxed();
    if let Some(k) = kind {
        q = q.filter(announcements::kind.eq(k.to_string()));
    }
    if let Some(i) = industry {
        q = q.filter(announcements::industry.eq(i.to_string()));
    }
    Ok(q.load(conn)?)
}

pub fn close(conn: &mut DbConnection, id: &str) -> Result<(), Error> {
    let n = diesel::update(
        announcements::table
            .filter(announcements::id.eq(id))
            .filter(announcements::status.eq("open")),
    )
    .set((
        announcements::status.eq("closed"),
        announcements::version.eq(announcements::version + 1),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(Error::Conflict("the announcement is closed already".into()));
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Response {
    /// An offer of the responding provider that fits the announcement.
    pub offer_id: Option<String>,
    pub message: Option<String>,
}

/// A provider's answer: the employer's staff are notified with the offer or the message.
pub fn respond(
    conn: &mut DbConnection,
    id: &str,
    provider_id: &str,
    author: &str,
    r: &Response,
) -> Result<(), Error> {
    let message = r
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty());
    if r.offer_id.is_none() && message.is_none() {
        return Err(Error::field(
            "message",
            "required",
            "point to an offer or write a message",
        ));
    }
    write_transaction(conn, |conn| {
        let a = get(conn, id)?;
        if a.status != "open" {
            return Err(Error::Conflict("the announcement is closed".into()));
        }
        if let Some(offer) = &r.offer_id {
            let (owner, status) = super::offers::provider_and_status(conn, offer)?;
            if owner != provider_id || status != "published" {
                return Err(Error::field(
                    "offer_id",
                    "invalid",
                    "one of your published offers",
                ));
            }
        }
        let staff: Vec<String> = memberships::table
            .filter(memberships::organisation_id.eq(&a.organisation_id))
            .select(memberships::user_id)
            .load(conn)?;
        let payload = serde_json::json!({
            "announcement_id": id, "provider_id": provider_id, "from": author,
            "offer_id": r.offer_id, "message": message,
        });
        for user in staff {
            notifications::create(conn, &user, "announcement.response", &payload)?;
        }
        Ok(())
    })
}
