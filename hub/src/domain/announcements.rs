//! Employer announcements (registry.md): *training for employees* (to providers: what is worth
//! entering in the registry) and *competency request* (to individuals: what to train in).
//! Providers answer by pointing to an offer or writing to the employer; a new announcement
//! notifies the staff of providers that publish offers in its industry.

use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::{announcements, offers};
use crate::db::{write_transaction, DbConnection};
use crate::domain::accounts::Person;
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::vocabulary::OrganisationKind;
use crate::domain::vocabulary::{
    vocabulary, AnnouncementKind, NotificationKind, OfferStatus, SubjectType,
};
use crate::domain::{notifications, offers as offer, organisations, Actor};
use crate::error::{Error, FieldError};

vocabulary! {
    /// Whether providers may still answer an announcement.
    AnnouncementStatus {
        Open = "open",
        Closed = "closed",
    }
}

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
    #[diesel(deserialize_as = String)]
    pub kind: AnnouncementKind,
    pub title: String,
    pub persons: i32,
    pub subject: String,
    pub location: Option<String>,
    pub industry: String,
    pub content: String,
    #[diesel(deserialize_as = String)]
    pub status: AnnouncementStatus,
    pub version: i32,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = chrono::DateTime<Utc>)]
    pub created_at: chrono::NaiveDateTime,
}

pub fn create(
    conn: &mut DbConnection,
    organisation_id: &str,
    new: &NewAnnouncement,
    actor: &Actor,
) -> Result<Announcement, Error> {
    let author = actor.person_id()?;
    let mut errors = Vec::new();
    let kind = new.kind.parse::<AnnouncementKind>().ok();
    if kind.is_none() {
        errors.push(FieldError::new(
            "kind",
            "invalid",
            AnnouncementKind::spelled(),
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
                announcements::status.eq(AnnouncementStatus::Open.as_str()),
                announcements::created_at.eq(Utc::now().naive_utc()),
            ))
            .execute(conn)?;
        if kind == Some(AnnouncementKind::TrainingForEmployees) {
            // Staff of providers publishing in this industry hear of it.
            let providers: Vec<String> = offers::table
                .filter(offers::status.eq(OfferStatus::Published.as_str()))
                .filter(offers::industry.eq(new.industry.trim()))
                .select(offers::provider_id)
                .distinct()
                .load(conn)?;
            let staff = organisations::staff_ids(conn, &providers)?;
            for user in staff {
                let details =
                    serde_json::json!({ "announcement_id": id, "industry": new.industry.trim() });
                let title = new.title.trim().to_string();
                notifications::notify(
                    conn,
                    &user,
                    NotificationKind::AnnouncementMatching,
                    (SubjectType::Announcement, &id),
                    details,
                    actor,
                    |_, _| Ok(("announcement", title)),
                )?;
            }
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::AnnouncementCreated,
                SubjectType::Announcement,
                &id,
                serde_json::json!({ "kind": new.kind, "industry": new.industry }),
            ),
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
    kind: Option<AnnouncementKind>,
    industry: Option<&str>,
    window: crate::db::Window,
) -> Result<crate::db::Paged<Announcement>, Error> {
    let filtered = || {
        let mut q = announcements::table
            .filter(announcements::status.eq(AnnouncementStatus::Open.as_str()))
            .into_boxed();
        if let Some(k) = kind {
            q = q.filter(announcements::kind.eq(k.as_str()));
        }
        if let Some(i) = industry {
            q = q.filter(announcements::industry.eq(i.to_string()));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let items = filtered()
        .order((announcements::created_at.desc(), announcements::id))
        .offset(window.offset())
        .limit(window.limit())
        .select(Announcement::as_select())
        .load(conn)?;
    Ok(crate::db::Paged { items, total })
}

/// The employer's staff (`person`) close their announcement; providers can no longer answer.
pub fn close(
    conn: &mut DbConnection,
    id: &str,
    person: &Person,
    actor: &Actor,
) -> Result<Announcement, Error> {
    write_transaction(conn, |conn| {
        let a = get(conn, id)?;
        if !person.is_staff_of(&a.organisation_id, OrganisationKind::Employer) {
            return Err(Error::Forbidden(
                "only the employer's staff close its announcements".into(),
            ));
        }
        let n = diesel::update(
            announcements::table
                .filter(announcements::id.eq(id))
                .filter(announcements::status.eq(AnnouncementStatus::Open.as_str())),
        )
        .set((
            announcements::status.eq(AnnouncementStatus::Closed.as_str()),
            announcements::version.eq(announcements::version + 1),
        ))
        .execute(conn)?;
        if n == 0 {
            return Err(Error::Conflict("the announcement is closed already".into()));
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::AnnouncementClosed,
                SubjectType::Announcement,
                id,
                serde_json::json!({}),
            ),
        )?;
        get(conn, id)
    })
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
    r: &Response,
    actor: &Actor,
) -> Result<(), Error> {
    let author = actor.person_id()?;
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
        if a.status != AnnouncementStatus::Open {
            return Err(Error::Conflict("the announcement is closed".into()));
        }
        if let Some(offer) = &r.offer_id {
            let (owner, status) = offer::provider_and_status(conn, offer)?;
            if owner != provider_id || status != OfferStatus::Published {
                return Err(Error::field(
                    "offer_id",
                    "invalid",
                    "one of your published offers",
                ));
            }
        }
        let staff = organisations::staff_ids(conn, std::slice::from_ref(&a.organisation_id))?;
        let payload = serde_json::json!({
            "announcement_id": id, "provider_id": provider_id, "from": author,
            "offer_id": r.offer_id, "message": message,
        });
        for user in staff {
            notifications::create(
                conn,
                &user,
                NotificationKind::AnnouncementResponse,
                &payload,
            )?;
        }
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::AnnouncementAnswered,
                SubjectType::Announcement,
                id,
                serde_json::json!({ "provider_id": provider_id, "offer_id": r.offer_id }),
            ),
        )?;
        Ok(())
    })
}
