//! Ratings (registry.md): after completion, once per participant and offer, three parts (the
//! service, the provider, the trainer), 1–5 stars and an optional opinion each. Aggregates are
//! computed from the visible rows; a superadmin hides a rating with a reason (audited).

use std::collections::BTreeMap;

use chrono::Utc;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::schema::{applications, offer_trainers, offers, ratings};
use crate::db::{write_transaction, DbConnection};
use crate::domain::events::{self, EventKind, NewEvent};
use crate::domain::vocabulary::{ApplicationStatus, SubjectType};
use crate::domain::Actor;
use crate::error::{Error, FieldError};

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Part {
    pub stars: i32,
    pub opinion: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RatingInput {
    pub service: Part,
    pub provider: Part,
    pub trainer: Part,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Rating {
    pub id: String,
    pub offer_id: String,
    #[serde(flatten)]
    pub parts: RatingInput,
    #[serde(serialize_with = "crate::db::utc")]
    #[schema(value_type = chrono::DateTime<chrono::Utc>)]
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Summary {
    /// `null` until someone rated.
    pub average: Option<f64>,
    pub count: i64,
}

type Row = (
    String,
    String,
    i32,
    Option<String>,
    i32,
    Option<String>,
    i32,
    Option<String>,
    chrono::NaiveDateTime,
);

fn rating(row: Row) -> Rating {
    let (id, offer_id, s, so, p, po, t, to, created_at) = row;
    Rating {
        id,
        offer_id,
        parts: RatingInput {
            service: Part {
                stars: s,
                opinion: so,
            },
            provider: Part {
                stars: p,
                opinion: po,
            },
            trainer: Part {
                stars: t,
                opinion: to,
            },
        },
        created_at,
    }
}

/// Records a participant's rating: 403 unless they completed the offer, 409 the second time.
pub fn rate(
    conn: &mut DbConnection,
    offer_id: &str,
    input: &RatingInput,
    actor: &Actor,
) -> Result<Rating, Error> {
    let user_id = actor.person_id()?;
    let mut errors = Vec::new();
    for (name, part) in [
        ("service", &input.service),
        ("provider", &input.provider),
        ("trainer", &input.trainer),
    ] {
        if !(1..=5).contains(&part.stars) {
            errors.push(FieldError::new(
                format!("{name}.stars"),
                "out_of_range",
                "1 to 5 stars",
            ));
        }
        if part
            .opinion
            .as_deref()
            .is_some_and(|o| o.chars().count() > 4000)
        {
            errors.push(FieldError::new(
                format!("{name}.opinion"),
                "too_long",
                "at most 4000 characters",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    write_transaction(conn, |conn| {
        let completed: i64 = applications::table
            .filter(applications::offer_id.eq(offer_id))
            .filter(applications::user_id.eq(user_id))
            .filter(applications::status.eq(ApplicationStatus::Completed.as_str()))
            .count()
            .get_result(conn)?;
        if completed == 0 {
            return Err(Error::Forbidden(
                "only participants who completed the training rate it".into(),
            ));
        }
        let exists: i64 = ratings::table
            .filter(ratings::offer_id.eq(offer_id))
            .filter(ratings::user_id.eq(user_id))
            .count()
            .get_result(conn)?;
        if exists > 0 {
            return Err(Error::Conflict(
                "you have rated this training already".into(),
            ));
        }
        let id = Uuid::new_v4().to_string();
        let now = Utc::now().naive_utc();
        let clean = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
        };
        let cleaned = RatingInput {
            service: Part {
                stars: input.service.stars,
                opinion: clean(&input.service.opinion),
            },
            provider: Part {
                stars: input.provider.stars,
                opinion: clean(&input.provider.opinion),
            },
            trainer: Part {
                stars: input.trainer.stars,
                opinion: clean(&input.trainer.opinion),
            },
        };
        diesel::insert_into(ratings::table)
            .values((
                ratings::id.eq(&id),
                ratings::offer_id.eq(offer_id),
                ratings::user_id.eq(user_id),
                ratings::service_stars.eq(input.service.stars),
                ratings::service_opinion.eq(&cleaned.service.opinion),
                ratings::provider_stars.eq(input.provider.stars),
                ratings::provider_opinion.eq(&cleaned.provider.opinion),
                ratings::trainer_stars.eq(input.trainer.stars),
                ratings::trainer_opinion.eq(&cleaned.trainer.opinion),
                ratings::created_at.eq(now),
            ))
            .execute(conn)?;
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::RatingCreated,
                SubjectType::Offer,
                offer_id,
                serde_json::json!({ "rating_id": id }),
            ),
        )?;
        Ok(Rating {
            id,
            offer_id: offer_id.into(),
            parts: cleaned,
            created_at: now,
        })
    })
}

/// The visible ratings of an offer, newest first.
pub fn of_offer(conn: &mut DbConnection, offer_id: &str) -> Result<Vec<Rating>, Error> {
    let rows: Vec<Row> = ratings::table
        .filter(ratings::offer_id.eq(offer_id))
        .filter(ratings::hidden_reason.is_null())
        .order(ratings::created_at.desc())
        .select((
            ratings::id,
            ratings::offer_id,
            ratings::service_stars,
            ratings::service_opinion,
            ratings::provider_stars,
            ratings::provider_opinion,
            ratings::trainer_stars,
            ratings::trainer_opinion,
            ratings::created_at,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(rating).collect())
}

fn summarise(stars: &[i32]) -> Summary {
    if stars.is_empty() {
        return Summary::default();
    }
    let sum: i64 = stars.iter().map(|s| i64::from(*s)).sum();
    let average = (sum as f64 / stars.len() as f64 * 100.0).round() / 100.0;
    Summary {
        average: Some(average),
        count: stars.len() as i64,
    }
}

/// The service rating of each offer in `ids` (the figure shown on the offer).
pub fn by_offer(conn: &mut DbConnection, ids: &[&str]) -> Result<BTreeMap<String, Summary>, Error> {
    let rows: Vec<(String, i32)> = ratings::table
        .filter(ratings::offer_id.eq_any(ids))
        .filter(ratings::hidden_reason.is_null())
        .select((ratings::offer_id, ratings::service_stars))
        .load(conn)?;
    let mut grouped: BTreeMap<String, Vec<i32>> = BTreeMap::new();
    for (offer, stars) in rows {
        grouped.entry(offer).or_default().push(stars);
    }
    Ok(grouped
        .into_iter()
        .map(|(k, v)| (k, summarise(&v)))
        .collect())
}

/// A provider's rating: the `provider` part over all its offers.
pub fn of_provider(conn: &mut DbConnection, provider_id: &str) -> Result<Summary, Error> {
    let stars: Vec<i32> = ratings::table
        .inner_join(offers::table)
        .filter(offers::provider_id.eq(provider_id))
        .filter(ratings::hidden_reason.is_null())
        .select(ratings::provider_stars)
        .load(conn)?;
    Ok(summarise(&stars))
}

/// A trainer's rating: the `trainer` part over the offers they confirmed teaching.
pub fn of_trainer(conn: &mut DbConnection, trainer_id: &str) -> Result<Summary, Error> {
    let offer_ids: Vec<String> = offer_trainers::table
        .filter(offer_trainers::trainer_id.eq(trainer_id))
        .filter(offer_trainers::confirmed.eq(true))
        .select(offer_trainers::offer_id)
        .load(conn)?;
    let stars: Vec<i32> = ratings::table
        .filter(ratings::offer_id.eq_any(&offer_ids))
        .filter(ratings::hidden_reason.is_null())
        .select(ratings::trainer_stars)
        .load(conn)?;
    Ok(summarise(&stars))
}

/// A superadmin hides a rating; it is kept, with the reason, and the act is audited.
pub fn hide(conn: &mut DbConnection, id: &str, reason: &str, actor: &Actor) -> Result<(), Error> {
    if reason.trim().is_empty() {
        return Err(Error::field(
            "reason",
            "required",
            "say why the rating is hidden",
        ));
    }
    write_transaction(conn, |conn| {
        let n = diesel::update(
            ratings::table
                .filter(ratings::id.eq(id))
                .filter(ratings::hidden_reason.is_null()),
        )
        .set(ratings::hidden_reason.eq(reason.trim()))
        .execute(conn)?;
        if n == 0 {
            return Err(Error::NotFound(format!("visible rating {id}")));
        }
        let offer_id: String = ratings::table
            .filter(ratings::id.eq(id))
            .select(ratings::offer_id)
            .first(conn)?;
        // The offer's, provider's and trainer's averages change.
        events::record(
            conn,
            actor,
            NewEvent::new(
                EventKind::RatingHidden,
                SubjectType::Rating,
                id,
                serde_json::json!({ "offer_id": offer_id, "reason": reason.trim() }),
            ),
        )?;
        Ok(())
    })
}
